// Clock skew with real agent processes: two of three agents run on clocks
// injected 5 s ahead and 3 s behind (BARRAGE_FAULT_CLOCK_SKEW_MS). Clock sync
// must measure the offsets, start every agent on the controller's instant,
// and put each agent's requests in the controller's interval buckets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterWithAgentProcesses } from './helpers/in-process-cluster.ts';
import { startTarget } from './helpers/processes.ts';

const SKEWS = [0, 5_000, -3_000];
const RATE = 30; // 10 per agent per second
const SECONDS = 6;

test('agents whose clocks are 5 s ahead and 3 s behind start on the controller instant, and report into the right intervals', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const c = await clusterWithAgentProcesses(`
name: skew
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
scenarios: [{ name: open, executor: constant-arrival-rate, rate: ${RATE}, duration: ${SECONDS}s }]
`, target.url, 3, { env: (i) => ({ BARRAGE_FAULT_CLOCK_SKEW_MS: String(SKEWS[i]) }) });
  t.after(() => c.close());
  // Per agent, per interval index it reported: responses counted.
  const perInterval = new Map<string, Map<number, number>>();
  const deliver = c.run.message.bind(c.run);
  c.run.message = (session, env) => {
    if (env.body === 'report' && env.report!.runId === c.run.runId) {
      const m = perInterval.get(session.name) ?? new Map<number, number>();
      perInterval.set(session.name, m);
      const r = env.report!;
      const k = r.interval ?? 0;
      const n = (r.stats ?? []).reduce((s, st) => s + (st.status ?? []).reduce((x, sc) => x + (sc.count ?? 0), 0), 0);
      m.set(k, (m.get(k) ?? 0) + n);
    }
    deliver(session, env);
  };
  const result = await c.run.execute();
  assert.equal(result.status, 'passed', result.notes.join('; '));
  for (const [i, skew] of SKEWS.entries()) {
    const p = result.participants.find((x) => x.name === `p${i + 1}`)!;
    // clockOffsetMs = controller - agent: the opposite of the injected skew, to a few ms on loopback.
    assert.ok(Math.abs(p.clockOffsetMs + skew) < 50, `p${i + 1}: offset ${p.clockOffsetMs} for skew ${skew}`);
    const startOff = p.startedAt - result.plannedStartAt;
    t.diagnostic(`p${i + 1}: skew ${skew} ms, measured offset ${p.clockOffsetMs.toFixed(2)} ms, started ${startOff.toFixed(2)} ms after the common instant`);
    // A skew left uncorrected would move the start by seconds.
    assert.ok(Math.abs(startOff) < 1_000, `p${i + 1} started ${startOff} ms off`);
    // 10 arrivals per second land in intervals 0..5; a completion may cross a boundary by a millisecond.
    const m = perInterval.get(p.name)!;
    const used = [...m.entries()].filter(([, n]) => n > 0).map(([k]) => k).sort((a, b) => a - b);
    assert.ok(used[0] === 0 && used.at(-1)! <= SECONDS, `p${i + 1} reported intervals ${used.join(',')}`);
    for (let k = 0; k < SECONDS; k++) {
      const n = m.get(k) ?? 0;
      assert.ok(n >= 8 && n <= 12, `p${i + 1} interval ${k}: ${n} responses (10 due)`);
    }
  }
  assert.equal(result.aggregate.total.requests, (await target.stats()).total);
  assert.equal(result.aggregate.total.requests, RATE * SECONDS);
});
