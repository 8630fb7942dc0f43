// Monitors checked before the load, end to end, against a small target in the
// test that counts every request by path: a monitor naming a metric the
// target calls otherwise fails the run before any request of the load reaches
// the target, through `controller start` (exit 1) and through `controller
// serve` (the run ends in `error`), and the message suggests the right name.
// With the monitor optional, the run goes on with a note; monitors on one URL
// share its polls, polls that fail later say why, and the summary's
// monitorRequests equals what the target counted.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli } from '../helpers/processes.ts';
import { serveWithAgents } from '../helpers/serve-cluster.ts';

/** A target whose pool metric is named as the seed's kind of API names it; /flaky answers once, then 503. */
async function countingTarget(t: TestContext) {
  const hits: Record<string, number> = {};
  const srv = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    hits[path] = (hits[path] ?? 0) + 1;
    if (path === '/metrics')
      res.end(
        `db_pool_peak_in_use 3\nprocess_resident_memory_bytes ${process.memoryUsage.rss()}\nprocess_cpu_seconds_total ${process.cpuUsage().user / 1e6}\n`,
      );
    else if (path === '/flaky' && hits[path] > 1) {
      res.statusCode = 503;
      res.end();
    } else res.end(JSON.stringify({ status: 'healthy', pool: { in_use: 1 } }));
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.after(() => srv.close());
  return { hits, url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}` };
}

const scenario = (monitors: string) => `
name: monitored
requests: [{ name: health, path: /health }]
scenarios: [{ name: paced, executor: shared-iterations, vus: 1, iterations: 20, thinkTime: 50ms }]
monitors:
${monitors}
`;

const WRONG = '  - { name: pool_peak, path: /metrics, prometheus: db_pool_in_use_peak }';

test('controller start: a wrong metric name fails the run before any load, suggesting the right name', async (t) => {
  const target = await countingTarget(t);
  const dir = mkdtempSync(join(tmpdir(), 'barrage-monitor-'));
  writeFileSync(join(dir, 's.yaml'), scenario(WRONG));
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 's.yaml'),
    '--target',
    target.url,
    '--local-agents',
    '1',
  ]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /CTRL_MONITOR_PREFLIGHT/);
  assert.match(
    r.stderr,
    /monitor pool_peak \(http:\/\/127\.0\.0\.1:\d+\/metrics\): metric db_pool_in_use_peak missing; did you mean db_pool_peak_in_use\?/,
  );
  assert.deepEqual(target.hits, { '/metrics': 1 }, 'the preflight poll only: no load request reached the target');
});

test('controller serve: the submitted run ends in error with the preflight message, and no load was sent', async (t) => {
  const target = await countingTarget(t);
  const c = await serveWithAgents(t, { token: 'monitor-preflight-token', agents: ['a1'] });
  const auth = { authorization: 'Bearer monitor-preflight-token', 'content-type': 'application/json' };
  const res = await fetch(`${c.api}/runs`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ scenario: scenario(WRONG), target: target.url }),
  });
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = (await res.json()) as { id: string };
  let run: { status: string; error: string | null };
  // An HTTP condition, bounded by the test's timeout: the run record once it has ended.
  for (;;) {
    run = (await (await fetch(`${c.api}/runs/${id}`, { headers: auth })).json()) as typeof run;
    if (run.status !== 'running' && run.status !== 'pending') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(run.status, 'error');
  assert.match(
    run.error ?? '',
    /^CTRL_MONITOR_PREFLIGHT: .*\n- monitor pool_peak .*did you mean db_pool_peak_in_use\?/s,
  );
  assert.deepEqual(target.hits, { '/metrics': 1 });
});

test('an optional monitor is left out with a note; shared polls, failure reasons and monitorRequests in the summary', async (t) => {
  const target = await countingTarget(t);
  const dir = mkdtempSync(join(tmpdir(), 'barrage-monitor-'));
  writeFileSync(
    join(dir, 's.yaml'),
    scenario(`  - { name: pool_peak, path: /metrics, prometheus: db_pool_in_use_peak, optional: true }
  - { name: rss, path: /metrics, prometheus: process_resident_memory_bytes, interval: 100ms }
  - { name: cpu, path: /metrics, prometheus: process_cpu_seconds_total, interval: 100ms }
  - { name: pool, path: /metrics, prometheus: db_pool_peak_in_use, interval: 100ms }
  - { name: flaky, path: /flaky, json: $.pool.in_use, interval: 100ms }`),
  );
  const out = join(dir, 'summary.json');
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 's.yaml'),
    '--target',
    target.url,
    '--local-agents',
    '1',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(out, 'utf8')) as Summary;
  assert.equal(s.run.status, 'passed');
  assert.equal(target.hits['/health'], 20);
  assert.ok(
    s.run.notes.some((n) =>
      /^monitor pool_peak \(optional\) left out, not polled: .*did you mean db_pool_peak_in_use\?/.test(n),
    ),
    JSON.stringify(s.run.notes),
  );
  assert.deepEqual(
    [s.monitors.pool_peak!.samples, s.monitors.pool_peak!.failures],
    [0, { 'metric db_pool_in_use_peak missing': 1 }],
  );
  const rss = s.monitors.rss!;
  assert.ok(rss.samples >= 5 && rss.failedPolls === 0, JSON.stringify(rss));
  // One request per tick for the three monitors of /metrics (and the preflight's, shared with pool_peak).
  assert.equal(target.hits['/metrics'], rss.samples + 1);
  assert.equal(s.monitors.cpu!.samples, rss.samples);
  assert.equal(s.monitors.pool!.samples, rss.samples);
  const flaky = s.monitors.flaky!;
  assert.equal(flaky.samples, 0);
  assert.ok(flaky.failedPolls >= 5);
  assert.deepEqual(flaky.failures, { 'HTTP 503': flaky.failedPolls });
  assert.ok(
    s.run.notes.includes(
      `monitor flaky: ${flaky.failedPolls} poll(s) failed (HTTP 503 ×${flaky.failedPolls}), no sample at all`,
    ),
  );
  assert.deepEqual(s.monitorRequests, {
    [`${target.url}/metrics`]: target.hits['/metrics'],
    [`${target.url}/flaky`]: target.hits['/flaky'],
  });
});
