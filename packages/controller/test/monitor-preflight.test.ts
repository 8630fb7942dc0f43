// The first poll of every monitor, before any load, against real servers on
// port 0: a missing metric fails with what the endpoint offers and the name
// most likely meant; a JSON path that matches nothing, a 404 and a timeout
// fail with their reason; an optional monitor is left out with a note; a
// default name falls back to the one alternative offered; monitors on one URL
// share the request.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import { preflightMonitors } from '../src/monitor/monitor-preflight.ts';
import { resolveEnv } from '../src/plan/setup.ts';
import { loadScenario } from '../src/scenario/read.ts';
import type { MonitorDef } from '../src/scenario/scenario.ts';

const METRICS = `# HELP db_pool_peak_in_use Most connections in use at once.
# TYPE db_pool_peak_in_use gauge
db_pool_peak_in_use 4
db_pool_in_use 1
process_resident_memory_bytes 52428800
process_cpu_seconds_total 1.5
http_requests_total{route="/health",status="200"} 12
`;

async function target(t: TestContext) {
  const hits: Record<string, number> = {};
  const held: ServerResponse[] = [];
  const srv = createServer((req, res) => {
    hits[req.url!] = (hits[req.url!] ?? 0) + 1;
    if (req.url === '/metrics') res.end(METRICS);
    else if (req.url === '/health') res.end(JSON.stringify({ status: 'healthy', pool: { inUse: 2, size: 5 } }));
    else if (req.url === '/slow')
      held.push(res); // never answers
    else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.after(() => {
    for (const r of held) r.destroy();
    srv.close();
  });
  return { hits, base: `http://127.0.0.1:${(srv.address() as AddressInfo).port}` };
}

const mon = (name: string, o: Partial<MonitorDef>): MonitorDef => ({
  name,
  path: '/metrics',
  alternatives: [],
  optional: false,
  intervalMs: 1000,
  timeoutMs: 2000,
  ...o,
});

async function failure(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { code?: string };
  }
  assert.fail('the preflight passed');
}

test('a missing metric fails before any load, listing what the endpoint offers and the name meant', async (t) => {
  const { hits, base } = await target(t);
  const err = await failure(
    preflightMonitors(
      [
        mon('rss', { prometheus: 'process_resident_memory_bytes' }),
        mon('pool_peak', { prometheus: 'db_pool_in_use_peak' }),
        mon('typo', { prometheus: 'proces_resident_memory_bytes' }),
      ],
      base,
      new Map(),
    ),
  );
  assert.equal(err.code, 'CTRL_MONITOR_PREFLIGHT');
  assert.match(err.message, /no load was sent/);
  assert.match(
    err.message,
    new RegExp(
      `- monitor pool_peak \\(${base}/metrics\\): metric db_pool_in_use_peak missing; did you mean db_pool_peak_in_use\\? The endpoint offers 5 metric\\(s\\): db_pool_peak_in_use, db_pool_in_use, `,
    ),
  );
  assert.match(err.message, /- monitor typo .*did you mean process_resident_memory_bytes\?/);
  assert.doesNotMatch(err.message, /monitor rss/, 'the monitor that reads fine is not named');
  assert.deepEqual(hits, { '/metrics': 1 }, 'three monitors on one URL: one request');
});

test('a JSON path that matches nothing, a 404 and a timeout each fail with their reason', async (t) => {
  const { hits, base } = await target(t);
  const err = await failure(
    preflightMonitors(
      [
        mon('pool', { path: '/health', json: '$.pool.in_use' }),
        mon('gone', { path: '/nope', json: '$.x' }),
        mon('slow', { path: '/slow', json: '$.x', timeoutMs: 200 }),
      ],
      base,
      new Map(),
    ),
  );
  assert.match(
    err.message,
    /- monitor pool \(.*\/health\): JSON path \$\.pool\.in_use matches nothing: \$\.pool has no "in_use" \(did you mean inUse\?\); its keys: inUse, size/,
  );
  assert.match(err.message, /- monitor gone \(.*\/nope\): HTTP 404/);
  assert.match(err.message, /- monitor slow \(.*\/slow\): timeout after 200 ms/);
  assert.deepEqual(hits, { '/health': 1, '/nope': 1, '/slow': 1 });
});

test('an optional monitor that fails is left out with a note; the others are polled', async (t) => {
  const { base } = await target(t);
  const plan = await preflightMonitors(
    [
      mon('rss', { prometheus: 'process_resident_memory_bytes' }),
      mon('pool_peak', { prometheus: 'db_pool_in_use_peak', optional: true }),
    ],
    base,
    new Map(),
  );
  assert.deepEqual(
    plan.active.map((m) => m.name),
    ['rss'],
  );
  assert.deepEqual(plan.leftOut, [{ name: 'pool_peak', reason: 'metric db_pool_in_use_peak missing' }]);
  assert.equal(plan.notes.length, 1);
  assert.match(
    plan.notes[0]!,
    /^monitor pool_peak \(optional\) left out, not polled: .*\/metrics: metric db_pool_in_use_peak missing; did you mean db_pool_peak_in_use\?/,
  );
  assert.deepEqual(plan.requests, { [`${base}/metrics`]: 1 });
});

test('a default metric name falls back to the one alternative offered, never an explicit one', async (t) => {
  const { base } = await target(t);
  const written = mon('pool_peak', {
    prometheus: '${env:BARRAGE_TARGET_POOL_PEAK_METRIC:-db_pool_in_use_peak}',
    alternatives: ['db_pool_peak_in_use', 'pool_peak_connections'],
  });
  const ref = 'env:BARRAGE_TARGET_POOL_PEAK_METRIC:-db_pool_in_use_peak';
  const plan = await preflightMonitors([written], base, new Map([[ref, 'db_pool_in_use_peak']]));
  assert.equal(plan.active[0]!.reading.text, 'db_pool_peak_in_use');
  assert.deepEqual(plan.notes, [
    'monitor pool_peak: db_pool_in_use_peak is missing, the endpoint offers db_pool_peak_in_use: using it (set BARRAGE_TARGET_POOL_PEAK_METRIC to choose)',
  ]);
  const chosen = await preflightMonitors([written], base, new Map([[ref, 'db_pool_in_use']]));
  assert.equal(chosen.active[0]!.reading.text, 'db_pool_in_use', 'the name given through the environment');
  const err = await failure(preflightMonitors([written], base, new Map([[ref, 'pool_max']])));
  assert.match(
    err.message,
    /metric pool_max missing.* \(BARRAGE_TARGET_POOL_PEAK_METRIC names it: set it to the right name\)/,
  );
});

test("the baseline built-in's monitors pass against the seed's kind of API, taking its pool metric name with a note", async (t) => {
  const { base, hits } = await target(t);
  const s = loadScenario('baseline');
  const plan = await preflightMonitors(s.monitors, base, resolveEnv(s, {}));
  assert.deepEqual(
    plan.active.map((m) => [m.name, m.reading.text]),
    [
      ['rss', 'process_resident_memory_bytes'],
      ['cpu', 'process_cpu_seconds_total'],
      ['pool_peak', 'db_pool_peak_in_use'],
    ],
  );
  assert.deepEqual(plan.notes, [
    'monitor pool_peak: db_pool_in_use_peak is missing, the endpoint offers db_pool_peak_in_use: using it (set BARRAGE_TARGET_POOL_PEAK_METRIC to choose)',
  ]);
  assert.deepEqual(hits, { '/metrics': 1 }, 'three monitors, one request');
  const named = await preflightMonitors(
    s.monitors,
    base,
    resolveEnv(s, { BARRAGE_TARGET_POOL_PEAK_METRIC: 'db_pool_in_use' }),
  );
  assert.deepEqual(named.notes, [], 'the name given through the environment, as is');
  assert.equal(named.active[2]!.reading.text, 'db_pool_in_use');
});
