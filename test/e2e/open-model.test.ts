// Open models across real agent processes: a fixed rate over 3 agents
// completes rate x duration requests (within 2 %, and in fact exactly: the
// planner splits the schedule's N arrivals), every one seen by the target; a
// ramping rate and the remaining closed models run by name of their executor
// with exact totals.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli, startTarget } from '../helpers/processes.ts';

async function run(t: { after: (fn: () => Promise<unknown>) => void }, yaml: string, agents: number) {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-open-'));
  writeFileSync(join(dir, 's.yaml'), yaml);
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 's.yaml'),
    '--target',
    target.url,
    '--local-agents',
    String(agents),
    '--out',
    join(dir, 'out.json'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  return {
    summary: JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary,
    seen: await target.stats(),
    stdout: r.stdout,
  };
}

test('constant-arrival-rate 200/s for 5 s on 3 agents: 1000 requests (+-2 %), all seen by the target, none dropped', async (t) => {
  const {
    summary: s,
    seen,
    stdout,
  } = await run(
    t,
    `
name: open
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }, { name: ready, path: /ready, weight: 3 }]
scenarios: [{ name: fixed, executor: constant-arrival-rate, rate: 200, duration: 5s, maxInFlight: 300 }]
`,
    3,
  );
  const expected = 200 * 5;
  assert.ok(Math.abs(s.totals.requests - expected) <= expected * 0.02, `${s.totals.requests} requests`);
  assert.equal(s.totals.requests, expected, 'the planner splits exactly N = rate x duration arrivals');
  assert.equal(s.totals.requests, seen.total);
  assert.equal(s.totals.dropped, 0);
  assert.equal(s.requests.health!.requests, 250, 'weights 1:3 hold exactly over the run');
  assert.equal(s.requests.ready!.requests, 750);
  assert.deepEqual(s.run.agents.map((a) => a.requests).sort(), [333, 333, 334]);
  assert.ok(s.totals.serviceTimeMs !== undefined, 'open models report service time beside latency');
  assert.ok(
    s.totals.serviceTimeMs.p50 <= s.totals.latencyMs.p50 + 0.001,
    'service time never exceeds latency from the intended send',
  );
  assert.match(stdout, /svc p50/);
  // The run lasts the schedule: the last arrival is due just before 5 s.
  assert.ok(s.run.activeWindowMs >= 4_990, `active window ${s.run.activeWindowMs} ms`);
});

test('an in-flight cap drops what cannot start, and says so', async (t) => {
  const { summary: s, seen } = await run(
    t,
    `
name: capped
baseUrl: http://127.0.0.1:1
requests: [{ name: slow, path: '/stall/capped?ms=1500&after=0' }]
scenarios: [{ name: capped, executor: constant-arrival-rate, rate: 50, duration: 1s, maxInFlight: 1, connections: 1 }]
`,
    1,
  );
  // The first request is held 1.5 s with the cap at 1: every later arrival (all due within 1 s) is dropped.
  assert.equal(s.totals.requests, 1);
  assert.equal(s.totals.dropped, 49);
  assert.equal(s.requests.slow!.dropped, 49);
  assert.equal(seen.total, 1, 'dropped arrivals never reached the target');
});

test('ramping-arrival-rate, per-vu-iterations and ramping-vus in one run, with a startTime: totals equal the target', async (t) => {
  const { summary: s, seen } = await run(
    t,
    `
name: models
baseUrl: http://127.0.0.1:1
requests: [{ name: a, path: /health }, { name: b, path: /ready }, { name: c, path: /live }]
scenarios:
  - { name: ramp-rate, executor: ramping-arrival-rate, startRate: 0, stages: [{ duration: 2s, target: 100 }, { duration: 1s, target: 100 }], requests: [a] }
  - { name: per-vu, executor: per-vu-iterations, vus: 5, iterations: 7, requests: [b] }
  - { name: ramp-vus, executor: ramping-vus, startVUs: 1, stages: [{ duration: 1s, target: 6 }, { duration: 1s, target: 0 }], thinkTime: 20ms, startTime: 1s, requests: [c] }
`,
    3,
  );
  assert.equal(s.requests.a!.requests, 200, '0 -> 100/s over 2 s (100) then 100/s for 1 s (100)');
  assert.equal(s.requests.b!.requests, 35, '5 VUs x 7 iterations, split over 3 agents');
  assert.ok(s.requests.c!.requests > 0);
  assert.equal(s.totals.requests, seen.total);
  assert.equal(seen.routes['GET /health']!['200'], 200);
  assert.equal(seen.routes['GET /ready']!['200'], 35);
  assert.equal(seen.routes['GET /live']!['200'], s.requests.c!.requests);
  const startGap = seen.times['GET /live']!.first - seen.times['GET /ready']!.first;
  assert.ok(startGap >= 950, `the startTime: 1s scenario began ${startGap} ms after the others`);
  assert.equal(s.run.status, 'passed');
});
