// Agent loss with real agent processes on loopback: one of three is killed
// with SIGKILL mid-run, and each onAgentLoss policy does what it says. The
// kill happens once every agent's report for interval 2 is merged (an event,
// not a sleep); counts are reconciled with the target's own /__stats.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSummary } from '@barrage/controller';
import { ArrivalSchedule } from '@barrage/core';
import { clusterWithAgentProcesses } from '../helpers/in-process-cluster.ts';
import { startTarget } from '../helpers/processes.ts';

const RATE = 60;
const SECONDS = 10;
const scenario = (policy: string) => `
name: loss-${policy}
baseUrl: http://127.0.0.1:1
onAgentLoss: ${policy}
agentTimeout: 2s
lease: ${policy === 'rebalance' ? '2s' : '3s'}
requests: [{ name: health, path: /health }]
scenarios: [{ name: open, executor: constant-arrival-rate, rate: ${RATE}, duration: ${SECONDS}s }]
`;

async function runWithKill(policy: string) {
  const target = await startTarget();
  let killedAt = 0;
  const c = await clusterWithAgentProcesses(scenario(policy), target.url, 3, {
    onProgress: (run) => {
      if (killedAt > 0 || run.completeInterval < 2) return;
      killedAt = Date.now();
      c.children[2]!.kill('SIGKILL');
    },
  });
  try {
    const result = await c.run.execute();
    const seen = await target.stats();
    return { result, seen, killedAt };
  } finally {
    await c.close();
    await target.stop();
  }
}

test('continue (the default): an agent killed with SIGKILL is lost, the run goes on, degraded; totals never exceed the target, the gap is its unreported tail', async (t) => {
  const { result, seen, killedAt } = await runWithKill('continue');
  assert.ok(killedAt > 0, 'the agent was killed');
  const p3 = result.participants.find((p) => p.name === 'p3')!;
  assert.equal(result.status, 'degraded');
  assert.equal(p3.final, false);
  assert.equal(p3.lost?.policy, 'continue');
  assert.ok(Math.abs(p3.lost!.share - 1 / 3) < 1e-9);
  assert.ok(p3.lost!.at >= killedAt, 'lost after it died');
  const summary = buildSummary('loss-continue', result);
  const lost = summary.run.agents.find((a) => a.name === 'p3')!.lost!;
  assert.equal(lost.finalReport, false);
  assert.match(
    summary.run.notes.join('\n'),
    /agent p3 \(.*\) lost at \+\d+\.\d s \(silent \d+\.\d s\), carrying 33\.3 % of the load: the run went on without it/,
  );
  // The two others fired their whole share.
  for (const name of ['p1', 'p2']) {
    const p = result.participants.find((x) => x.name === name)!;
    const a = result.aggregate.agents.get(p.id)!;
    assert.equal(p.final, true);
    assert.equal(a.requests, (RATE * SECONDS) / 3, `${name} fired its share`);
  }
  const counted = result.aggregate.total.requests;
  assert.ok(counted <= seen.total, `counted ${counted} <= target ${seen.total}`);
  // What is missing is what p3 fired after the end of its last reported interval.
  const last = result.aggregate.agents.get(p3.id)!.lastInterval;
  const unreportedMs = killedAt - (result.plannedStartAt + (last + 1) * 1000);
  const bound = Math.ceil(((RATE / 3) * Math.max(0, unreportedMs)) / 1000) + 3;
  t.diagnostic(
    `continue: controller ${counted}, target ${seen.total}, gap ${seen.total - counted} (bound ${bound}); p3 lost ${(p3.lost!.at - killedAt).toFixed(0)} ms after the kill`,
  );
  assert.ok(
    seen.total - counted <= bound,
    `gap ${seen.total - counted} <= ${bound} (p3's last reported interval ${last}, killed ${unreportedMs} ms after its end)`,
  );
});

test('abort: a lost agent stops the run; every other agent still delivers its final report', async (t) => {
  const { result, seen } = await runWithKill('abort');
  assert.equal(result.status, 'aborted');
  assert.match(result.notes.join('\n'), /agent p3 .* lost at .*: run aborted \(onAgentLoss: abort\)/);
  const rest = result.participants.filter((p) => p.name !== 'p3');
  assert.ok(rest.every((p) => p.final));
  assert.ok(result.aggregate.total.requests <= seen.total);
  t.diagnostic(
    `abort: controller ${result.aggregate.total.requests}, target ${seen.total} of ${RATE * SECONDS} scheduled`,
  );
  assert.ok(seen.total < RATE * SECONDS, `the run stopped early (${seen.total} of ${RATE * SECONDS})`);
});

test("rebalance: the lost agent's remaining arrivals are fired by the others, exactly once each", async (t) => {
  const { result, seen, killedAt } = await runWithKill('rebalance');
  const p3 = result.participants.find((p) => p.name === 'p3')!;
  assert.equal(p3.lost?.policy, 'rebalance');
  assert.deepEqual([...p3.lost!.takenBy].sort(), ['p1', 'p2']);
  assert.equal(result.status, 'degraded', 'p3 sent no final report');
  // p3's arrivals (120 at phase 2/3 of the cluster's 360) due at or after the takeover instant.
  const schedule = new ArrivalSchedule(RATE, [{ durationMs: SECONDS * 1000, target: RATE }]);
  const n = (RATE * SECONDS) / 3;
  let takenOver = 0;
  const from = p3.lost!.takenFrom;
  // Past p3's lease (2 s, the agentTimeout) and a margin: p3 cannot be firing any more by then.
  assert.ok(from >= p3.lost!.at + 2_000, `taken over from ${from - p3.lost!.at} ms after the loss`);
  for (let j = 0; j < n; j++)
    if (result.plannedStartAt + schedule.agentTime(j, n, p3.segment.start) >= from) takenOver++;
  assert.ok(takenOver > 0);
  const rest = result.participants.filter((p) => p.name !== 'p3');
  const fired = rest.reduce((s, p) => s + result.aggregate.agents.get(p.id)!.requests, 0);
  const dropped = result.aggregate.total.dropped;
  assert.ok(
    Math.abs(fired + dropped - (2 * n + takenOver)) <= 1,
    `p1+p2 fired ${fired} + dropped ${dropped}: their ${2 * n} and p3's ${takenOver} from the takeover on`,
  );
  // Nobody fired p3's arrivals twice: the target saw at most the schedule, and missed only
  // what fell between p3's death and the takeover.
  t.diagnostic(
    `rebalance: p1+p2 fired ${fired} (+${dropped} dropped) = ${2 * n} own + ${takenOver} taken over; target ${seen.total} of ${RATE * SECONDS}; controller ${result.aggregate.total.requests}`,
  );
  assert.ok(seen.total <= RATE * SECONDS, `target ${seen.total} <= ${RATE * SECONDS}`);
  const hole = Math.ceil(((RATE / 3) * (from - killedAt)) / 1000) + 2;
  assert.ok(seen.total >= RATE * SECONDS - hole, `target ${seen.total} >= ${RATE * SECONDS} - ${hole}`);
  assert.ok(result.aggregate.total.requests <= seen.total);
});

test("rebalance, closed model: the remaining agents add the lost agent's VUs, so the cluster runs all of them again", async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  let killed = false;
  let running: number | undefined;
  const c = await clusterWithAgentProcesses(
    `
name: loss-closed
baseUrl: http://127.0.0.1:1
onAgentLoss: rebalance
agentTimeout: 2s
requests: [{ name: health, path: /health }]
scenarios: [{ name: closed, executor: constant-vus, vus: 7, duration: 12s, thinkTime: 20ms }]
`,
    target.url,
    3,
    {
      onProgress: (run) => {
        if (!killed && run.completeInterval >= 2) {
          killed = true;
          c.children[2]!.kill('SIGKILL');
        }
        const lost = [...run.participants.values()].find((p) => p.name === 'p3')?.lost;
        if (lost === undefined || running !== undefined) return;
        // VUs running on the two others, from Status messages sent a second after the takeover.
        const statuses = [...run.participants.values()].filter((p) => p.name !== 'p3').map((p) => p.session.status);
        if (lost.takenFrom > 0 && statuses.every((s) => s !== undefined && s.at > lost.takenFrom + 1_000))
          running = statuses.reduce((n, s) => n + s!.activeVus, 0);
      },
    },
  );
  t.after(() => c.close());
  const result = await c.run.execute();
  const p3 = result.participants.find((p) => p.name === 'p3')!;
  assert.ok(p3.lost !== undefined);
  // 7 VUs over 3 equal agents are 3/2/2 (agents in connection order); after the takeover the
  // two left run all 7 between them, whichever share p3 had.
  assert.equal(running, 7, `VUs running after the takeover: ${running}`);
  assert.ok(result.aggregate.total.requests <= (await target.stats()).total);
  t.diagnostic(`closed rebalance: ${running} VUs on p1+p2 after p3 was lost`);
});
