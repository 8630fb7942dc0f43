// Clock skew with real agent processes: two of three agents run on clocks
// injected 5 s ahead and 3 s behind (BARRAGE_FAULT_CLOCK_SKEW_MS). Clock sync
// over the real link must measure the offsets, and every agent must fire its
// exact share. That a corrected agent then starts on the controller's instant
// and counts each response in the controller's interval is proven on fake
// time (packages/agent/test/agent-run.test.ts, clock-sync.test.ts): nothing
// here rests on how fast this machine is.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterWithAgentProcesses } from '../helpers/in-process-cluster.ts';
import { startTarget } from '../helpers/processes.ts';

const SKEWS = [0, 5_000, -3_000];
const RATE = 30; // 10 per agent per second
const SECONDS = 6;

test('agents whose clocks are 5 s ahead and 3 s behind: clock sync measures the skews over the real link, and each agent fires exactly its share', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const c = await clusterWithAgentProcesses(
    `
name: skew
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
scenarios: [{ name: open, executor: constant-arrival-rate, rate: ${RATE}, duration: ${SECONDS}s }]
`,
    target.url,
    3,
    { env: (i) => ({ BARRAGE_FAULT_CLOCK_SKEW_MS: String(SKEWS[i]) }) },
  );
  t.after(() => c.close());
  // Per agent: responses it reported, over all its intervals.
  const reported = new Map<string, number>();
  const deliver = c.run.message.bind(c.run);
  c.run.message = (session, env) => {
    if (env.body === 'report' && env.report!.runId === c.run.runId) {
      const n = (env.report!.stats ?? []).reduce(
        (x, st) => x + (st.status ?? []).reduce((y, sc) => y + (sc.count ?? 0), 0),
        0,
      );
      reported.set(session.name, (reported.get(session.name) ?? 0) + n);
    }
    deliver(session, env);
  };
  const result = await c.run.execute();
  assert.equal(result.status, 'passed', result.notes.join('; '));
  for (const [i, skew] of SKEWS.entries()) {
    const p = result.participants.find((x) => x.name === `p${i + 1}`)!;
    // clockOffsetMs = controller - agent: the opposite of the injected skew, to within half the
    // RTT of the round it came from (NTP's bound), plus what the two processes' clocks differ by
    // without any skew: each fixes performance.timeOrigin from the wall clock when it starts, and
    // on a loaded machine (CI building images beside it) those origins were seen 4.7 ms apart.
    // 10 ms still tells a measured 3 s or 5 s skew from one that was not measured.
    const error = Math.abs(p.clockOffsetMs + skew);
    assert.ok(
      error <= p.clockRttMs / 2 + 10,
      `p${i + 1}: offset ${p.clockOffsetMs} for skew ${skew}, rtt ${p.clockRttMs}`,
    );
    const startOff = p.startedAt - result.plannedStartAt;
    t.diagnostic(
      `p${i + 1}: skew ${skew} ms, measured offset ${p.clockOffsetMs.toFixed(2)} ms (rtt ${p.clockRttMs.toFixed(2)} ms), started ${startOff.toFixed(2)} ms after the common instant`,
    );
    assert.equal(reported.get(p.name), (RATE * SECONDS) / SKEWS.length, `p${i + 1} fired its third`);
  }
  assert.equal(result.aggregate.total.requests, (await target.stats()).total);
  assert.equal(result.aggregate.total.requests, RATE * SECONDS);
});
