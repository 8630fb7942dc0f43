// Agents report their own health every interval: the event-loop delay p99 and
// max, and the CPU they used. An agent whose loop lagged (max over 250 ms, or
// p99 over 50 ms) fired and timed its requests late: the summary keeps its
// worst figures and a note says so (saturated when it was also busy, stalled
// when it was not).
//
// Here, a real agent and controller: a stall and a busy loop injected into
// this process are measured and flagged, and the counts stay exact. What
// depends on how fast this machine is (that ticks on time show no lag, that a
// loop busy in short slices does not lag) is proven on fake time in
// packages/agent/test/agent-health.test.ts; the runs that need those figures
// here get them written into the agent's reports on their way in, so the
// controller's reading of them is checked without trusting this machine.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSummary } from '@barrage/controller';
import { systemClock } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import { type InProcessCluster, inProcessCluster } from '../helpers/in-process-cluster.ts';
import { startTarget } from '../helpers/processes.ts';

type Health = Pick<barrage.v1.Report, 'eventLoopP99Ms' | 'eventLoopMaxMs' | 'eventLoopUtilization'>;

/** What an agent whose timers run on time reports (fake time: no lag, a loop mostly idle). */
const CALM: Health = { eventLoopP99Ms: 0, eventLoopMaxMs: 0, eventLoopUtilization: 0.2 };
/** A loop kept busy in 5 ms slices, as measured on fake time: a tick waits one slice at most. */
const ON_TIME: Omit<Health, 'eventLoopUtilization'> = { eventLoopP99Ms: 5, eventLoopMaxMs: 5 };

/** The run's reports carry these health figures instead of this machine's. */
function reportsSay(run: InProcessCluster['run'], figures: Partial<Health>): InProcessCluster['run'] {
  const deliver = run.message.bind(run);
  run.message = (session, env) => {
    if (env.body === 'report') Object.assign(env.report!, figures);
    deliver(session, env);
  };
  return run;
}

test('a saturated agent is flagged; a healthy one is not', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const scenario = `
name: health
baseUrl: http://127.0.0.1:1
requests: [{ name: a, path: /health }]
scenarios: [{ name: s, executor: constant-vus, vus: 2, duration: 2500ms }]
`;
  let blocked = false;
  const c = await inProcessCluster(scenario, target.url, [systemClock], {
    intercept: (_session, env, deliver) => {
      deliver();
      // Agent and controller share this process: holding it 400 ms is the saturation being injected.
      if (!blocked && env.body === 'report' && env.report!.seq === 1) {
        blocked = true;
        const until = systemClock.now() + 400;
        while (systemClock.now() < until) {
          /* busy: the event loop cannot turn */
        }
      }
    },
  });
  t.after(() => c.close());
  const result = await c.run.execute();
  const s = buildSummary('health', result);
  const [a] = s.run.agents;
  assert.ok(a!.eventLoopMaxMs >= 300, `event loop max ${a!.eventLoopMaxMs} ms`);
  assert.ok(a!.cpuCores > 0);
  assert.ok(
    // Saturated or stalled depends on how busy this machine kept the agent around the stall (the
    // rule is unit-tested in packages/controller/test/agent-load-note.test.ts); either note gives the lag.
    s.run.notes.some((n) =>
      /agent a1 (was saturated: its event loop lagged up to [\d.]+ ms|stalled for up to [\d.]+ ms)/.test(n),
    ),
    s.run.notes.join('\n'),
  );
  assert.equal(s.totals.requests, (await target.stats()).total, 'the counts are still exact');

  const before = (await target.stats()).total;
  const healthy = await reportsSay(c.nextRun('run-2'), CALM).execute();
  const h = buildSummary('health', healthy);
  assert.ok(h.run.agents[0]!.eventLoopMaxMs < 300);
  assert.ok(!h.run.notes.some((n) => /saturated|stalled/.test(n)));
  assert.equal(h.totals.requests, (await target.stats()).total - before);
});

test('an agent whose event loop never rests is flagged as the bottleneck, without lagging', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const scenario = `
name: busy
baseUrl: http://127.0.0.1:1
requests: [{ name: a, path: /health }]
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 3500ms, thinkTime: 50ms }]
`;
  const c = await inProcessCluster(scenario, target.url, [systemClock]);
  t.after(() => c.close());
  // The agent shares this thread: 5 ms slices of work back to back keep its loop busy
  // all the time. The utilisation is this machine's own; the lag is what such slices
  // cause on fake time (a loaded machine may add its own, which is not the subject).
  reportsSay(c.run, ON_TIME);
  let burning = true;
  const burn = () => {
    const until = systemClock.now() + 5;
    while (systemClock.now() < until) {
      /* busy */
    }
    if (burning) setImmediate(burn);
  };
  burn();
  const busy = await c.run.execute().finally(() => {
    burning = false;
  });
  const s = buildSummary('busy', busy);
  const [a] = s.run.agents;
  assert.ok(a!.eventLoopUtilization >= 0.95, `utilisation ${a!.eventLoopUtilization}`);
  assert.ok(a!.busyIntervals >= 2, `${a!.busyIntervals} busy intervals`);
  assert.ok(a!.eventLoopP99Ms < 50, `p99 ${a!.eventLoopP99Ms} ms: busy, not stalled`);
  assert.ok(
    s.run.notes.some((n) =>
      /agent a1 could not keep up: its event loop was busy \d+ % of the time in \d+ interval/.test(n),
    ),
    s.run.notes.join('\n'),
  );
  assert.equal(a!.workers, 1);
  assert.equal(s.totals.requests, (await target.stats()).total);

  const calm = buildSummary('busy', await reportsSay(c.nextRun('run-2'), CALM).execute());
  assert.equal(calm.run.agents[0]!.busyIntervals, 0, `utilisation ${calm.run.agents[0]!.eventLoopUtilization}`);
  assert.ok(!calm.run.notes.some((n) => /could not keep up/.test(n)));
});
