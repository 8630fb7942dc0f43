// Agents report their own health every interval: the event-loop delay p99 and
// max, and the CPU they used. An agent whose loop stalled (max over 250 ms, or
// p99 over 50 ms) fired and timed its requests late: the summary keeps its
// worst figures and a note says its latencies are suspect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '@barrage/core';
import { buildSummary } from '@barrage/controller';
import { inProcessCluster } from './helpers/in-process-cluster.ts';
import { startTarget } from './helpers/processes.ts';

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
  const c = await inProcessCluster(scenario, target.url, [systemClock], { intercept: (_session, env, deliver) => {
    deliver();
    // Agent and controller share this process: holding it 400 ms is the saturation being injected.
    if (!blocked && env.body === 'report' && env.report!.seq === 1) {
      blocked = true;
      const until = performance.now() + 400;
      while (performance.now() < until) { /* busy: the event loop cannot turn */ }
    }
  } });
  t.after(() => c.close());
  const result = await c.run.execute();
  const s = buildSummary('health', result);
  const [a] = s.run.agents;
  assert.ok(a!.eventLoopMaxMs >= 300, `event loop max ${a!.eventLoopMaxMs} ms`);
  assert.ok(a!.cpuCores > 0);
  assert.ok(s.run.notes.some((n) => /agent a1 was saturated: its event loop lagged up to .* its latencies are suspect/.test(n)), s.run.notes.join('\n'));
  assert.equal(s.totals.requests, (await target.stats()).total, 'the counts are still exact');

  const healthy = await c.nextRun('run-2').execute();
  const h = buildSummary('health', healthy);
  assert.ok(h.run.agents[0]!.eventLoopMaxMs < 300);
  assert.ok(!h.run.notes.some((n) => /saturated/.test(n)));
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
  // all the time while every timer still runs within a few ms (no lag to flag).
  let burning = true;
  const burn = () => {
    const until = performance.now() + 5;
    while (performance.now() < until) { /* busy */ }
    if (burning) setImmediate(burn);
  };
  burn();
  const busy = await c.run.execute().finally(() => { burning = false; });
  const s = buildSummary('busy', busy);
  const [a] = s.run.agents;
  assert.ok(a!.eventLoopUtilization >= 0.95, `utilisation ${a!.eventLoopUtilization}`);
  assert.ok(a!.busyIntervals >= 2, `${a!.busyIntervals} busy intervals`);
  assert.ok(a!.eventLoopP99Ms < 50, `p99 ${a!.eventLoopP99Ms} ms: busy, not stalled`);
  assert.ok(s.run.notes.some((n) => /agent a1 could not keep up: its event loop was busy \d+ % of the time in \d+ interval/.test(n)), s.run.notes.join('\n'));
  assert.equal(a!.workers, 1);
  assert.equal(s.totals.requests, (await target.stats()).total);

  const calm = buildSummary('busy', await c.nextRun('run-2').execute());
  assert.equal(calm.run.agents[0]!.busyIntervals, 0, `utilisation ${calm.run.agents[0]!.eventLoopUtilization}`);
  assert.ok(!calm.run.notes.some((n) => /could not keep up/.test(n)));
});
