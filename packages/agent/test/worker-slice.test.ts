// A multi-worker agent fires exactly its share: the workers' parts of VUs,
// iterations, connections, in-flight caps, ramps and arrivals add up to the
// agent's, for every count of workers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arrivalsOf, clusterVusAt, evenShare, ownsArrival, segmentShare, subSegment } from '@barrage/core';
import type { PreparedScenario } from '../src/run/assignment.ts';
import { sliceScenario } from '../src/workers/worker-slice.ts';

const base: PreparedScenario = {
  name: 's',
  executor: 1,
  vus: 0,
  iterations: 0,
  iterationsPerVu: 0,
  durationMs: 1000,
  startOffsetMs: 0,
  gracefulStopMs: 0,
  thinkTimeMs: 0,
  stages: [],
  startTarget: 0,
  totalArrivals: 0,
  maxInFlight: 0,
  connections: 0,
  entries: [],
  vuOffset: 0,
  iterationOffset: 0,
  vuSpan: 0,
  seed: '',
  scenarioIndex: 0,
  scenarioCount: 1,
  maxSteps: 1,
  data: [],
};
const slots = (count: number) => Array.from({ length: count }, (_, index) => ({ index, count }));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test("VUs, shared iterations and connections: parts sum to the agent's, iterations follow the VUs", () => {
  for (const count of [1, 2, 3, 4, 7, 16]) {
    for (const vus of [0, 1, 2, 5, 13, 100]) {
      for (const iterations of [0, 1, 37, 1000]) {
        for (const connections of [0, 1, 3, 50]) {
          const parts = slots(count).map((w) => sliceScenario({ ...base, vus, iterations, connections }, w, false));
          assert.equal(sum(parts.map((p) => p.vus)), vus);
          assert.equal(
            sum(parts.map((p) => p.iterations)),
            vus === 0 ? 0 : iterations,
            `${count} workers, ${vus} VUs, ${iterations} iterations`,
          );
          for (const p of parts) {
            if (p.vus === 0) assert.equal(p.iterations, 0, 'a worker without VUs runs no iterations');
            assert.ok(Math.abs(p.vus - vus / count) < 1);
          }
          if (connections === 0) assert.ok(parts.every((p) => p.connections === 0));
          else if (connections >= count) assert.equal(sum(parts.map((p) => p.connections)), connections);
          else
            assert.ok(
              parts.every((p) => p.connections >= 1),
              'every worker keeps a connection',
            );
        }
      }
    }
  }
});

test('open models: every arrival of the agent is fired by exactly one worker; in-flight caps follow', () => {
  for (const count of [1, 2, 3, 5]) {
    for (const n of [0, 1, 2, 4, 999, 1000]) {
      const owners = Array.from({ length: n }, (_, j) => slots(count).filter((w) => ownsArrival(j, w)).length);
      assert.ok(owners.every((o) => o === 1));
      assert.equal(sum(slots(count).map((w) => arrivalsOf(n, w))), n);
      for (const w of slots(count))
        assert.equal(arrivalsOf(n, w), Array.from({ length: n }, (_, j) => j).filter((j) => ownsArrival(j, w)).length);
      const parts = slots(count).map((w) =>
        sliceScenario({ ...base, executor: 5, iterations: n, totalArrivals: n, maxInFlight: 10 }, w, true),
      );
      assert.ok(
        parts.every((p) => p.iterations === n),
        "each worker walks the agent's arrivals",
      );
      parts.forEach((p, k) => assert.equal(p.maxInFlight > 0, arrivalsOf(n, { index: k, count }) > 0));
      if (n >= count) assert.equal(sum(parts.map((p) => p.maxInFlight)), Math.max(10, count));
    }
  }
});

test("ramping-vus: the workers' sub-segments give the agent's VUs at every instant", () => {
  const stages = [
    { durationMs: 1000, target: 37 },
    { durationMs: 1000, target: 3 },
  ];
  for (const seg of [
    { start: 0, end: 1 },
    { start: 0.25, end: 0.5 },
    { start: 2 / 3, end: 1 },
  ]) {
    for (const count of [1, 2, 3, 4]) {
      const subs = slots(count).map((w) => subSegment(seg, w));
      assert.equal(subs[0]!.start, seg.start);
      assert.equal(subs.at(-1)!.end, seg.end);
      for (let t = 0; t <= 2000; t += 10) {
        const total = clusterVusAt(0, stages, t);
        assert.equal(
          sum(subs.map((s) => segmentShare(total, s.start, s.end))),
          segmentShare(total, seg.start, seg.end),
          `t=${t}`,
        );
      }
    }
  }
});

test('evenShare is the cumulative rule: parts differ by at most one', () => {
  for (let total = 0; total < 50; total++) {
    const parts = [0, 1, 2, 3, 4, 5].map((i) => evenShare(total, i, 6));
    assert.equal(sum(parts), total);
    assert.ok(Math.max(...parts) - Math.min(...parts) <= 1);
  }
});

test("global indexes: the workers' VUs and shared iterations follow on from each other, from the agent's offsets", () => {
  for (const count of [1, 2, 3, 7]) {
    for (const vus of [1, 2, 5, 13]) {
      for (const iterations of [0, 1, 37, 300]) {
        const agent = { ...base, executor: 2, vus, iterations, vuOffset: 40, iterationOffset: 1000 };
        const parts = slots(count).map((w) => sliceScenario(agent, w, false));
        let vu = 40;
        let it = 1000;
        for (const p of parts) {
          assert.equal(p.vuOffset, vu);
          assert.equal(p.iterationOffset, it);
          vu += p.vus;
          it += p.iterations;
        }
        assert.equal(vu, 40 + vus);
        assert.equal(it, 1000 + iterations);
      }
    }
  }
});
