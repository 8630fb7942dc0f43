// The poller on fake time against a real server on port 0: monitors on one URL
// share each poll (the server counts one request per tick, not one per
// monitor), a monitor with a longer interval reads only on its own ticks, and
// failed polls are counted by reason, bounded.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { FakeTime } from '../../agent/test/helpers/fake-time.ts';
import { uncheckedPlan } from '../src/monitor/monitor-plan.ts';
import { MonitorPoller } from '../src/monitor/monitor-poller.ts';
import { FailureTally, MAX_REASONS, OTHER_REASONS } from '../src/monitor/monitor-stats.ts';
import type { MonitorDef } from '../src/scenario/scenario.ts';

async function metricsServer(t: import('node:test').TestContext) {
  const hits: Record<string, number> = {};
  const srv = createServer((req, res) => {
    hits[req.url!] = (hits[req.url!] ?? 0) + 1;
    if (req.url === '/gone') {
      res.statusCode = 404;
      res.end();
      return;
    }
    const n = hits[req.url!]!;
    res.end(`process_resident_memory_bytes ${1000 * n}\nprocess_cpu_seconds_total ${n / 10}\ndb_pool_in_use 3\n`);
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.after(() => srv.close());
  return { hits, base: `http://127.0.0.1:${(srv.address() as AddressInfo).port}` };
}

const def = (name: string, prometheus: string, intervalMs = 100, path = '/metrics'): MonitorDef => ({
  name,
  path,
  prometheus,
  alternatives: [],
  optional: false,
  intervalMs,
  timeoutMs: 2000,
});

test('four monitors on one URL: one request per tick, a sample each', async (t) => {
  const { hits, base } = await metricsServer(t);
  const time = new FakeTime();
  const plan = uncheckedPlan(
    [
      def('rss', 'process_resident_memory_bytes'),
      def('cpu', 'process_cpu_seconds_total'),
      def('pool', 'db_pool_in_use'),
      def('missing', 'db_pool_in_use_peak'),
    ],
    base,
  );
  const poller = new MonitorPoller({ ...plan, requests: { [`${base}/metrics`]: 1 } }, time, time);
  poller.start(time.now());
  for (let tick = 0; tick < 5; tick++) {
    await time.advance(tick === 0 ? 0 : 100);
    await poller.idle();
    assert.equal(hits['/metrics'], tick + 1, `after tick ${tick}: one request, whatever the number of monitors`);
  }
  await poller.stop();
  assert.equal(hits['/metrics'], 6, 'five ticks and the last poll at stop');
  const s = poller.stats();
  assert.deepEqual(
    poller.samples().rss!.map((x) => [x.t, x.value]),
    [
      [0, 1000],
      [100, 2000],
      [200, 3000],
      [300, 4000],
      [400, 5000],
      [400, 6000],
    ],
    'one sample per poll, at its instant from the start',
  );
  assert.equal(s.cpu!.samples, 6);
  assert.equal(s.pool!.samples, 6);
  assert.deepEqual(
    { samples: s.missing!.samples, failedPolls: s.missing!.failedPolls, failures: s.missing!.failures },
    { samples: 0, failedPolls: 6, failures: { 'metric db_pool_in_use_peak missing': 6 } },
  );
  assert.deepEqual(poller.requestCounts(), { [`${base}/metrics`]: 7 }, "the preflight's request and the poller's");
  assert.deepEqual(poller.notes(), [
    'monitor missing: 6 poll(s) failed (metric db_pool_in_use_peak missing ×6), no sample at all',
  ]);
});

test('a longer interval on a shared URL reads only on its own ticks; another URL is polled apart', async (t) => {
  const { hits, base } = await metricsServer(t);
  const time = new FakeTime();
  const poller = new MonitorPoller(
    uncheckedPlan(
      [
        def('rss', 'process_resident_memory_bytes', 100),
        def('cpu', 'process_cpu_seconds_total', 250),
        def('gone', 'process_cpu_seconds_total', 200, '/gone'),
      ],
      base,
    ),
    time,
    time,
  );
  poller.start(time.now());
  await time.advance(0);
  await poller.idle();
  for (let i = 0; i < 5; i++) {
    await time.advance(100);
    await poller.idle();
  }
  assert.equal(hits['/metrics'], 6, 'ticks 0..500 ms at the shortest interval');
  assert.equal(hits['/gone'], 3, 'ticks 0, 200, 400 ms');
  assert.deepEqual(
    poller.samples().cpu!.map((x) => x.t),
    [0, 300, 500],
    'due at 0, 250, 500: read at the first shared tick at or after each',
  );
  await poller.stop();
  assert.deepEqual(poller.stats().gone!.failures, { 'HTTP 404': 4 });
  assert.equal(poller.stats().gone!.errors, 4, 'errors keeps counting failed polls');
});

test('failure reasons are bounded: at most 10 kept, the rest counted together', () => {
  const tally = new FailureTally();
  for (let i = 0; i < 25; i++) tally.add(`HTTP ${500 + i}`);
  tally.add('HTTP 500');
  const r = tally.record();
  assert.equal(Object.keys(r).length, MAX_REASONS);
  assert.equal(r['HTTP 500'], 2);
  assert.equal(r[OTHER_REASONS], 16);
  assert.equal(tally.total, 26);
});
