// Monitors: reading a Prometheus exposition, series statistics, and a poller
// against a real server on port 0 that keeps sampling on its interval.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { systemClock } from '@barrage/core';
import { uncheckedPlan } from '../src/monitor/monitor-plan.ts';
import { MonitorPoller } from '../src/monitor/monitor-poller.ts';
import { monitorStats } from '../src/monitor/monitor-stats.ts';
import { parseSelector, readPrometheus } from '../src/monitor/prometheus-text.ts';

const text = `# HELP process_resident_memory_bytes Resident memory.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 1.5e+08
process_resident_memory_bytes_total 7
db_pool_size{kind="base"} 5
db_pool_size{kind="overflow",pool="main"} 10 1700000000000
weird{a="x\\"y"} +Inf
`;

test('Prometheus text: a plain metric, a labelled one, exponent notation, escapes, and what is absent', () => {
  assert.equal(readPrometheus(text, parseSelector('process_resident_memory_bytes')), 1.5e8);
  assert.equal(readPrometheus(text, parseSelector('db_pool_size{kind="overflow"}')), 10);
  assert.equal(readPrometheus(text, parseSelector('db_pool_size')), 5, 'without labels: the first sample');
  assert.equal(readPrometheus(text, parseSelector('weird{a="x\\"y"}')), Infinity);
  assert.equal(readPrometheus(text, parseSelector('db_pool_size{kind="nope"}')), undefined);
  assert.equal(readPrometheus(text, parseSelector('missing')), undefined);
  assert.throws(() => parseSelector('bad name'), /not a metric selector/);
  assert.throws(() => parseSelector('x{a=b}'), /not a metric selector/);
});

test('series statistics: first, last, min, max, avg, growth, rate per second', () => {
  assert.deepEqual(
    monitorStats(
      [
        { t: 0, value: 10 },
        { t: 1000, value: 30 },
        { t: 2000, value: 20 },
      ],
      { 'HTTP 503': 1 },
    ),
    {
      first: 10,
      last: 20,
      min: 10,
      max: 30,
      avg: 20,
      growth: 10,
      rate: 5,
      samples: 3,
      errors: 1,
      failedPolls: 1,
      failures: { 'HTTP 503': 1 },
    },
  );
  assert.ok(Number.isNaN(monitorStats([]).growth));
});

test('the poller samples on its interval from the start instant, takes a last sample at stop, and counts failed polls', async (t) => {
  let n = 0;
  const srv = createServer((req, res) => {
    if (req.url === '/bad') {
      res.statusCode = 500;
      res.end();
      return;
    }
    n++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ pool: { in_use: n } }));
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.after(() => srv.close());
  const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  const def = { alternatives: [], optional: false, intervalMs: 100, timeoutMs: 1000 };
  const poller = new MonitorPoller(
    uncheckedPlan(
      [
        { ...def, name: 'pool', path: '/pool', json: '$.pool.in_use' },
        { ...def, name: 'broken', path: '/bad', json: '$.x' },
      ],
      base,
    ),
    systemClock,
  );
  poller.start(systemClock.now());
  while (n < 4) await once(srv, 'request');
  await poller.stop();
  const s = poller.stats();
  const samples = poller.samples().pool!;
  assert.ok(s.pool!.samples >= 5, `${s.pool!.samples} samples`);
  assert.deepEqual(
    samples.map((x) => x.value),
    samples.map((_x, i) => i + 1),
    'each poll one sample, in order',
  );
  assert.ok(samples.every((x, i) => i === 0 || x.t >= samples[i - 1]!.t));
  assert.equal(s.broken!.samples, 0);
  assert.ok(s.broken!.errors >= 4);
  assert.deepEqual(s.broken!.failures, { 'HTTP 500': s.broken!.failedPolls });
});
