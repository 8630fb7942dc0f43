// Thresholds on a real distributed run: judged on the merged cluster results,
// a failure exits 99 with status failed; abortOnFail stops a long run as soon
// as the live merged stream fails it (after its delay), keeping every request
// fired until then.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli, startTarget } from '../helpers/processes.ts';

async function run(t: { after: (fn: () => Promise<unknown>) => void }, yaml: string) {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-thr-'));
  writeFileSync(join(dir, 's.yaml'), yaml);
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 's.yaml'),
    '--target',
    target.url,
    '--local-agents',
    '3',
    '--out',
    join(dir, 'out.json'),
  ]);
  return { r, s: JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary, seen: await target.stats() };
}

const ratelimit = (thresholds: string) => `
name: thr
baseUrl: http://127.0.0.1:1
setup: [{ name: login, method: POST, path: /api/auth/login, json: { username: demo, password: demo }, capture: { token: $.access_token } }]
requests: [{ name: sessions, path: /api/sessions/, headers: { authorization: 'Bearer \${token}' }, expect: [200] }]
thresholds: ${thresholds}
scenarios: [{ name: burst, executor: shared-iterations, vus: 10, iterations: 150 }]
`;

test('thresholds pass: exit 0; one fails: exit 99, status failed, each shown with its value', async (t) => {
  const pass = await run(
    t,
    ratelimit(`['count(429)==51', { expr: 'rate(retry_after)==1', request: sessions }, 'p(95)<10s', 'requests==150']`),
  );
  assert.equal(pass.r.code, 0, pass.r.stderr);
  assert.equal(pass.s.run.status, 'passed');
  assert.deepEqual(
    pass.s.thresholds.map((x) => [x.expr, x.scope, x.value, x.ok]).filter(([e]) => e !== 'p(95)<10s'),
    [
      ['count(429)==51', 'all', 51, true],
      ['rate(retry_after)==1', 'sessions', 1, true],
      ['requests==150', 'all', 150, true],
    ],
  );
  const fail = await run(t, ratelimit(`['rate(ok)>0.99', 'count(429)==51']`));
  assert.equal(fail.r.code, 99, fail.r.stderr);
  assert.equal(fail.s.run.status, 'failed');
  assert.deepEqual(
    fail.s.thresholds.map((x) => [x.expr, x.value, x.ok]),
    [
      ['rate(ok)>0.99', 0.66, false],
      ['count(429)==51', 51, true],
    ],
  );
  assert.match(fail.r.stdout, /rate\(ok\)\s+all\s+>0\.99\s+66\.0%\s+FAIL/);
  assert.equal(fail.s.totals.requests + 1, fail.seen.total, 'a failed threshold changes nothing in the counts');
});

test('abortOnFail stops a 60 s run once the live merged results fail, after the delay; nothing fired is lost', async (t) => {
  const { r, s, seen } = await run(
    t,
    `
name: abort
baseUrl: http://127.0.0.1:1
requests: [{ name: missing, path: /no-such-route, expect: [200] }]
thresholds: [{ expr: 'rate(ok)>0.5', abortOnFail: true, delay: 2s }]
scenarios: [{ name: open, executor: constant-arrival-rate, rate: 50, duration: 60s }]
`,
  );
  assert.equal(r.code, 99, r.stderr);
  assert.equal(s.run.status, 'failed');
  assert.ok(s.run.activeWindowMs < 20_000, `stopped after ${s.run.activeWindowMs} ms`);
  assert.ok(s.totals.requests >= 90, `${s.totals.requests} requests: not before the 2 s delay`);
  assert.equal(s.totals.requests, seen.total, 'every request fired before the stop is counted');
  assert.ok(
    s.run.notes.some((n) => /threshold rate\(ok\)>0\.5 \(all\) failed at .* run stopped \(abortOnFail\)/.test(n)),
    s.run.notes.join('\n'),
  );
  assert.deepEqual(
    [s.thresholds[0]!.expr, s.thresholds[0]!.ok],
    ['rate(ok)>0.5', false],
    'the threshold that stopped the run is failed in the results',
  );
});

test("a monitor threshold judges the target's own figures: growth(rss), max(pool_peak), rate(cpu)", async (t) => {
  const { r, s, seen } = await run(
    t,
    `
name: mon
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
monitors:
  - { name: rss, path: /metrics, prometheus: process_resident_memory_bytes, interval: 200ms }
  - { name: pool_peak, path: /metrics, prometheus: db_pool_in_use_peak, interval: 200ms }
  - { name: cpu, path: /metrics, prometheus: process_cpu_seconds_total, interval: 200ms }
thresholds: ['growth(rss)<500MB', 'rate(cpu)<4', 'max(pool_peak)<2']
scenarios: [{ name: s, executor: constant-vus, vus: 20, duration: 2s }]
`,
  );
  assert.equal(r.code, 99, r.stderr);
  assert.deepEqual(
    s.thresholds.map((x) => [x.expr, x.scope, x.ok]),
    [
      ['growth(rss)<500MB', 'rss', true],
      ['rate(cpu)<4', 'cpu', true],
      ['max(pool_peak)<2', 'pool_peak', false],
    ],
  );
  assert.ok(s.monitors.rss!.samples >= 8, `${s.monitors.rss!.samples} samples in 2 s at 200 ms`);
  assert.ok(s.monitors.pool_peak!.max >= 2 && s.monitors.pool_peak!.max <= 15);
  assert.equal(s.totals.requests, seen.total, '/metrics polls are not counted by the target as load');
  assert.match(r.stdout, /monitor\s+samples\s+first\s+last/);
});
