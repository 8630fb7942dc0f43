// Aborting a run mid-way keeps every request that was fired; agents whose
// clocks are far off still start on the controller's instant.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offsetClock, systemClock } from '@barrage/core';
import { inProcessCluster } from '../helpers/in-process-cluster.ts';
import { startTarget } from '../helpers/processes.ts';

test('abort: every agent delivers its final report; totals equal the target; late scenarios never start', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const scenario = `
name: long
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }, { name: live, path: /live }]
scenarios:
  - { name: now, executor: constant-vus, vus: 6, duration: 60s, requests: [health] }
  - { name: later, executor: constant-vus, vus: 3, duration: 10s, startTime: 5m, requests: [live] }
`;
  let aborted = false;
  const c = await inProcessCluster(scenario, target.url, [systemClock, systemClock, systemClock], {
    intercept: (_session, env, deliver) => {
      deliver();
      if (!aborted && env.body === 'report' && env.report!.seq === 2) {
        aborted = true;
        c.run.abort('test');
      }
    },
  });
  t.after(() => c.close());
  const result = await c.run.execute();
  const seen = await target.stats();
  assert.equal(result.status, 'aborted');
  assert.ok(
    result.participants.every((p) => p.final),
    'every agent sent its final report',
  );
  assert.equal(result.aggregate.total.requests, seen.total, 'every fired request is counted');
  assert.equal(seen.routes['GET /live'], undefined, 'the 5-minute-later scenario never fired');
  assert.ok(
    result.participants.every((p) => p.finished?.stopId === 2),
    'all answered the closing Stop',
  );
});

test('agents whose clocks are off by -9 s and +4 s start on the controller instant', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const scenario = `
name: short
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
scenarios: [{ name: s, executor: constant-vus, vus: 2, duration: 1s }]
`;
  const c = await inProcessCluster(scenario, target.url, [
    offsetClock(systemClock, -9_000),
    offsetClock(systemClock, 4_000),
  ]);
  t.after(() => c.close());
  const begun = systemClock.now();
  const result = await c.run.execute();
  const took = systemClock.now() - begun;
  const [a1, a2] = result.participants;
  // Offsets measured by clock sync (controller - agent): +9 s and -4 s, to a few ms on loopback.
  assert.ok(Math.abs(a1!.clockOffsetMs - 9_000) < 50, `a1 offset ${a1!.clockOffsetMs}`);
  assert.ok(Math.abs(a2!.clockOffsetMs + 4_000) < 50, `a2 offset ${a2!.clockOffsetMs}`);
  // Had an agent used its own clock, its start (and the run) would be seconds away; a
  // 1 s run plus a generous allowance for a slow machine stays far below a 4 s error.
  assert.ok(took < 1_000 + 3_500, `run took ${took} ms`);
  for (const p of result.participants)
    assert.ok(
      Math.abs(p.startedAt - result.plannedStartAt) < 1_000,
      `${p.name} started ${p.startedAt - result.plannedStartAt} ms off`,
    );
  assert.equal(result.aggregate.total.requests, (await target.stats()).total);
});

test('a run that cannot start releases its agents for the next run', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const scenario = `
name: tiny
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
scenarios: [{ name: s, executor: shared-iterations, vus: 2, iterations: 10 }]
`;
  let holdReady = true;
  const c = await inProcessCluster(scenario, target.url, [systemClock, systemClock], {
    intercept: (session, env, deliver) => {
      if (holdReady && session.name === 'a2' && env.body === 'ready') return; // a2 never looks ready
      deliver();
    },
    readyTimeoutMs: 1_000,
  });
  t.after(() => c.close());
  await assert.rejects(c.run.execute(), { code: 'CTRL_AGENTS_NOT_READY', message: /a2/ });
  holdReady = false;
  const second = await c.nextRun('run-2').execute();
  assert.equal(second.status, 'passed', second.notes.join('; '));
  assert.equal(second.aggregate.total.requests, 10);
  assert.equal((await target.stats()).total, 10, 'the failed run fired nothing');
});
