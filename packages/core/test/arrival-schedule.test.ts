// The open-model schedule and the ramping-VU split: exact counts, even
// spacing, and cluster splits that sum to the total at every instant.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { apportion, segments } from '../../controller/src/plan/apportion.ts';
import { ArrivalSchedule } from '../src/arrival-schedule.ts';
import { clusterVusAt, peakShare, segmentShare } from '../src/vu-ramp.ts';

test('a constant rate gives exactly rate x duration fire times, evenly spaced from 0', () => {
  for (const [rate, seconds] of [
    [100, 10],
    [1.6666666666666667, 300],
    [7, 3],
    [1000, 1],
    [0.5, 9],
  ] as const) {
    const s = new ArrivalSchedule(rate, [{ durationMs: seconds * 1000, target: rate }]);
    const n = Math.floor(rate * seconds + 1e-6);
    assert.equal(s.total, n, `${rate}/s over ${seconds}s`);
    const gap = 1000 / rate;
    for (let u = 0; u < n; u++)
      assert.ok(Math.abs(s.timeOf(u) - u * gap) < 1e-6, `arrival ${u} at ${s.timeOf(u)}, expected ${u * gap}`);
    assert.ok(s.timeOf(n - 1) < seconds * 1000);
  }
  // The seed's sustained test: 500 requests over 300 s is 500, not 499.
  assert.equal(new ArrivalSchedule(500 / 300, [{ durationMs: 300_000, target: 500 / 300 }]).total, 500);
});

test('split across agents: counts sum to N, fire times lie in the run, the cluster never runs more than one arrival per agent ahead or behind', () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant(1), fc.double({ min: 0.05, max: 20, noNaN: true })), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.double({ min: 0.5, max: 2000, noNaN: true }),
      fc.integer({ min: 100, max: 20_000 }),
      (weights, rate, durationMs) => {
        const s = new ArrivalSchedule(rate, [{ durationMs, target: rate }]);
        const segs = segments(weights.map((weight, i) => ({ id: String(i), weight })));
        const counts = apportion(
          s.total,
          segs.map((g) => g.end - g.start),
        );
        assert.equal(
          counts.reduce((a, b) => a + b, 0),
          s.total,
        );
        const all: number[] = [];
        counts.forEach((n, k) => {
          let prev = -1;
          for (let j = 0; j < n; j++) {
            const t = s.agentTime(j, n, segs[k]!.start);
            assert.ok(t >= 0 && t < durationMs && t > prev, `agent ${k} arrival ${j} at ${t}`);
            prev = t;
            all.push(t);
          }
        });
        assert.equal(all.length, s.total);
        all.sort((a, b) => a - b);
        // Merged, the i-th arrival is due at position i of the cluster schedule, give or take one per agent.
        all.forEach((t, i) =>
          assert.ok(
            Math.abs(s.cumulative(t) - i) <= counts.length + 1e-6,
            `merged arrival ${i} at position ${s.cumulative(t)}`,
          ),
        );
        // Equal counts interleave into exactly the cluster's schedule.
        if (weights.every((w) => w === 1) && counts.every((n) => n === counts[0])) {
          all.forEach((t, u) =>
            assert.ok(Math.abs(t - s.timeOf(u)) < 1e-6, `merged arrival ${u}: ${t} vs ${s.timeOf(u)}`),
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('ramping rates: A(t) is the integral of the rate and timeOf inverts it', () => {
  const s = new ArrivalSchedule(0, [
    { durationMs: 10_000, target: 100 },
    { durationMs: 5_000, target: 100 },
    { durationMs: 0, target: 10 },
    { durationMs: 5_000, target: 0 },
  ]);
  // 0 -> 100/s over 10 s: 500; hold 5 s: 500; 10 -> 0 over 5 s: 25.
  assert.equal(s.total, 1025);
  assert.equal(s.durationMs, 20_000);
  for (const u of [0, 1, 10, 499.5, 500, 700, 1000, 1010, 1024]) {
    const t = s.timeOf(u);
    assert.ok(Math.abs(s.cumulative(t) - u) < 1e-6, `A(timeOf(${u})) = ${s.cumulative(t)}`);
  }
  // Gaps shrink while the rate ramps up.
  assert.ok(s.timeOf(11) - s.timeOf(10) > s.timeOf(401) - s.timeOf(400));
  assert.equal(new ArrivalSchedule(0, [{ durationMs: 5000, target: 0 }]).total, 0);
  assert.throws(() => new ArrivalSchedule(-1, []), RangeError);
});

test("ramping VUs: the agents' shares sum to the cluster target at every instant", () => {
  const stages = [
    { durationMs: 10_000, target: 50 },
    { durationMs: 10_000, target: 120 },
    { durationMs: 5_000, target: 0 },
  ];
  assert.equal(clusterVusAt(0, stages, 0), 0);
  assert.equal(clusterVusAt(0, stages, 5_000), 25);
  assert.equal(clusterVusAt(0, stages, 15_000), 85);
  assert.equal(clusterVusAt(0, stages, 25_000), 0);
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: 1, maxLength: 10 }),
      fc.integer({ min: 0, max: 25_000 }),
      (weights, t) => {
        const segs = segments(weights.map((weight, i) => ({ id: String(i), weight })));
        const total = clusterVusAt(0, stages, t);
        assert.equal(
          segs.reduce((n, g) => n + segmentShare(total, g.start, g.end), 0),
          total,
        );
        for (const g of segs) assert.ok(segmentShare(total, g.start, g.end) <= peakShare(0, stages, g.start, g.end));
      },
    ),
    { numRuns: 1000 },
  );
});
