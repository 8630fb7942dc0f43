// Retries against a real target, real processes: a node:http server that
// answers 429 with `Retry-After: 1` to the first two attempts of each logical
// request (keyed by its path and ${iteration}) and 200 to the third. Every
// logical request succeeds on its third attempt; barrage's statuses equal the
// server's (2N 429 + N 200); retries 2N, give-ups 0, and no retry reached the
// server before its Retry-After had elapsed (the server's own clock agrees with
// the agents' compliance figure, 0); the open model's first attempts are its
// rate x duration, as without retries.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli } from '../helpers/processes.ts';

const RATE = 10;
const SECONDS = 3;

const scenario = `
name: retries
baseUrl: http://127.0.0.1:1
defaults:
  retry: { on: [429], max: 3, backoff: { base: 50ms, max: 1s, jitter: true } }
requests:
  - { name: arrivals, path: '/open?i=\${iteration}' }
  - { name: users, path: '/closed?i=\${iteration}' }
thresholds:
  - rate(ok) == 1
scenarios:
  - name: open
    executor: constant-arrival-rate
    rate: ${RATE}
    duration: ${SECONDS}s
    maxInFlight: 100
    gracefulStop: 10s
    requests: [arrivals]
  - name: closed
    executor: constant-vus
    vus: 2
    duration: 3s
    gracefulStop: 10s
    requests: [users]
`;

/** The target: per logical request, 429 + Retry-After: 1 twice, then 200; each attempt's arrival and answer kept. */
async function startRetryTarget() {
  const attempts = new Map<string, Array<{ arrived: number; answered: number; status: number }>>();
  const server = createServer((req, res) => {
    const arrived = performance.now();
    const key = req.url ?? '';
    let a = attempts.get(key);
    if (a === undefined) attempts.set(key, (a = []));
    const status = a.length < 2 ? 429 : 200;
    // Taken before the answer is written: the agent cannot have it complete any sooner.
    a.push({ arrived, answered: performance.now(), status });
    res.writeHead(status, status === 429 ? { 'retry-after': '1', 'content-length': '0' } : { 'content-length': '2' });
    res.end(status === 429 ? undefined : 'ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, attempts, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('429 + Retry-After: 1 twice per request: every request succeeds on its third attempt, counts equal the server', async (t) => {
  const target = await startRetryTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-retries-'));
  writeFileSync(join(dir, 's.yaml'), scenario);
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 's.yaml'),
    '--target',
    target.url,
    '--local-agents',
    '2',
    '--out',
    join(dir, 'out.json'),
    '--db',
    join(dir, 'runs.db'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  let earliest = Infinity;
  const server: Record<string, { logical: number; s200: number; s429: number }> = {};
  for (const [key, a] of target.attempts) {
    const name = key.startsWith('/open') ? 'arrivals' : 'users';
    const c = (server[name] ??= { logical: 0, s200: 0, s429: 0 });
    c.logical++;
    for (const x of a) {
      if (x.status === 200) c.s200++;
      else c.s429++;
    }
    // Each retry arrived at least the asked second after the 429 before it began to be written.
    for (let k = 1; k < a.length; k++) earliest = Math.min(earliest, a[k]!.arrived - a[k - 1]!.answered);
  }
  for (const name of ['arrivals', 'users']) {
    const q = s.requests[name]!;
    const n = server[name]!.logical;
    console.log(
      `${name}: logical ${n}, server 200 ${server[name]!.s200} 429 ${server[name]!.s429}; barrage status ${JSON.stringify(q.status)}, ` +
        `ok ${q.ok}, retries ${q.retries}, giveUps ${q.giveUps}, retriesBeforeRetryAfter ${q.retriesBeforeRetryAfter}, ` +
        `retryAfterMs ${JSON.stringify(q.retryAfterMs)}, p50 ${q.latencyMs.p50} ms`,
    );
    assert.ok(n > 0);
    assert.deepEqual(q.status, { 200: n, 429: 2 * n }, "barrage's statuses are the server's");
    assert.equal(server[name]!.s200, n, 'every logical request succeeded on its third attempt');
    assert.equal(server[name]!.s429, 2 * n);
    assert.equal(q.ok, n);
    assert.equal(q.rateLimited, 0, 'no request ended rate limited');
    assert.equal(q.failed, 0);
    assert.equal(q.retries, 2 * n);
    assert.equal(q.giveUps, 0);
    assert.equal(q.retriesBeforeRetryAfter, 0);
    assert.equal(q.requests, 3 * n, 'attempts counted exactly');
    assert.deepEqual(q.retryAfterMs, { 1000: 2 * n });
    // One latency sample per logical request, through its third attempt: two waits of a second at least.
    assert.ok(q.latencyMs.min >= 2_000, `latency min ${q.latencyMs.min}`);
  }
  assert.equal(
    server.arrivals!.logical,
    RATE * SECONDS,
    'first attempts = rate x duration: the offered rate is unchanged',
  );
  assert.ok(earliest >= 1_000, `a retry came ${earliest.toFixed(1)} ms after its Retry-After answer`);
  assert.equal(s.totals.retries, s.requests.arrivals!.retries! + s.requests.users!.retries!);
  assert.equal(s.totals.retriesBeforeRetryAfter, 0);
});
