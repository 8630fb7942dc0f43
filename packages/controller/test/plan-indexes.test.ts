// The plan's global indexes: each agent's VU and iteration (or arrival)
// offsets are the earlier agents' shares added up, so the agents' ranges tile
// the cluster's; a takeover's VUs get a block of fresh indexes of their own
// (never a planned one, never another takeover's), and taken arrivals keep the
// lost agent's offset.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { planRun } from '../src/plan/assignments.ts';
import { planTakeover } from '../src/plan/takeover.ts';
import { parseScenario } from '../src/scenario/read.ts';

const scenario = (vus: number, iterations: number, rate: number) =>
  parseScenario(
    `
name: ix
baseUrl: http://127.0.0.1:1
seed: 9
requests: [{ name: a, path: "/a?i=\${iteration}" }]
scenarios:
  - { name: shared, executor: shared-iterations, vus: ${vus}, iterations: ${iterations}, seed: own }
  - { name: steady, executor: constant-vus, vus: ${vus}, duration: 10s }
  - { name: open, executor: constant-arrival-rate, rate: ${rate}, duration: 10s }
`,
    'ix.yaml',
  );

const plan = (weights: number[], vus: number, iterations: number, rate: number) =>
  planRun({
    runId: 'r',
    scenario: scenario(vus, iterations, rate),
    baseUrl: 'http://127.0.0.1:1',
    agents: weights.map((weight, i) => ({ id: `a${i}`, weight })),
    vars: [],
    intervalMs: 1000,
  });

test("each agent's offsets start where the earlier agents' shares end; seeds and places travel with the plan", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 500 }),
      fc.integer({ min: 1, max: 50 }),
      (weights, vus, iterations, rate) => {
        const plans = plan(weights, vus, iterations, rate);
        for (const name of ['shared', 'steady', 'open']) {
          let vu = 0;
          let it = 0;
          // An open model's VU indexes are its session slots, one per in-flight iteration.
          const slots = (sc: { vus?: number | null; maxInFlight?: number | null }) =>
            name === 'open' ? (sc.maxInFlight ?? 0) : (sc.vus ?? 0);
          const span = plans.reduce((a, p) => {
            const sc = p.assign.scenarios!.find((s) => s.name === name);
            return a + (sc === undefined ? 0 : slots(sc));
          }, 0);
          for (const p of plans) {
            const sc = p.assign.scenarios!.find((s) => s.name === name);
            if (sc === undefined) continue;
            assert.equal(sc.vuOffset, vu, `${name} vu offset`);
            assert.equal(sc.iterationOffset, it, `${name} iteration offset`);
            assert.equal(sc.scenarioCount, 3);
            assert.equal(sc.seed, name === 'shared' ? 'own' : '9');
            vu += slots(sc);
            it += sc.iterations ?? 0;
            assert.equal(sc.vuSpan, name === 'open' ? span : vus);
          }
          if (name === 'shared') assert.equal(it, iterations);
          if (name === 'open') assert.equal(it, rate * 10);
        }
      },
    ),
    { numRuns: 100 },
  );
});

test('takeovers number their VUs past the plan and past each other; taken arrivals keep the lost offset', () => {
  const plans = plan([1, 1, 1, 1], 10, 100, 20);
  const lost = plans[1]!.assign;
  const takers = [0, 2, 3].map((i) => ({ id: `a${i}`, weight: 1, assign: plans[i]!.assign }));
  const lostOpen = lost.scenarios!.find((s) => s.name === 'open')!;
  const used = new Set<number>(Array.from({ length: 10 }, (_, i) => i));
  let added = 0;
  for (const id of [1, 2]) {
    for (const [takerId, shares] of planTakeover(lost, takers, id).shares) {
      const taker = takers.find((x) => x.id === takerId)!;
      for (const s of shares) {
        const name = taker.assign.scenarios![s.scenario!]!.name;
        if (name === 'open') assert.equal(s.arrivalOffset, lostOpen.iterationOffset);
        if (name !== 'steady') continue;
        for (let v = 0; v < s.vus!; v++) {
          assert.ok(!used.has(s.vuOffset! + v), `VU index ${s.vuOffset! + v} used twice`);
          used.add(s.vuOffset! + v);
          added++;
        }
      }
    }
  }
  assert.ok(lostOpen.iterationOffset! > 0);
  assert.equal(
    added,
    2 * lost.scenarios!.find((s) => s.name === 'steady')!.vus!,
    'both takeovers re-plan every lost VU',
  );
});
