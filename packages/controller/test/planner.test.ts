// Planner properties: exact sums, house monotonicity, proportionality.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { apportion, segments } from '../src/plan/apportion.ts';

const weightsArb = fc.array(
  fc.oneof(fc.integer({ min: 1, max: 10 }), fc.double({ min: 0.01, max: 100, noNaN: true })),
  { minLength: 1, maxLength: 12 },
);

test('shares always sum exactly to the total', () => {
  fc.assert(
    fc.property(weightsArb, fc.integer({ min: 0, max: 1_000_000 }), (w, q) => {
      const shares = apportion(q, w);
      assert.equal(
        shares.reduce((a, b) => a + b, 0),
        q,
      );
      assert.ok(shares.every((s) => Number.isInteger(s) && s >= 0));
    }),
    { numRuns: 2000 },
  );
});

test('no share shrinks when the total grows', () => {
  fc.assert(
    fc.property(weightsArb, fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 50 }), (w, q, step) => {
      const a = apportion(q, w);
      const b = apportion(q + step, w);
      a.forEach((s, i) => assert.ok(b[i]! >= s, `agent ${i}: ${s} -> ${b[i]} when ${q} -> ${q + step}`));
    }),
    { numRuns: 2000 },
  );
});

test('every total from 0 to 400 grows one unit at a time', () => {
  fc.assert(
    fc.property(weightsArb, (w) => {
      let prev = apportion(0, w);
      for (let q = 1; q <= 400; q++) {
        const next = apportion(q, w);
        const grew = next.map((s, i) => s - prev[i]!);
        assert.deepEqual(
          grew.filter((d) => d !== 0),
          [1],
          `total ${q}`,
        );
        prev = next;
      }
    }),
    { numRuns: 100 },
  );
});

// Divisor methods can miss the exact quota by more than one unit when weight
// ratios are extreme (0.01 beside 95) and agents many; the miss grows slowly
// with the agent count. We test the bound that held in random trials: n/2.
test('shares stay within max(1, n/2) of the exact quota', () => {
  fc.assert(
    fc.property(weightsArb, fc.integer({ min: 0, max: 100_000 }), (w, q) => {
      const sum = w.reduce((a, b) => a + b, 0);
      apportion(q, w).forEach((s, i) => {
        const quota = (q * w[i]!) / sum;
        assert.ok(
          Math.abs(s - quota) < Math.max(1, w.length / 2),
          `share ${s} vs quota ${quota.toFixed(3)} with ${w.length} agents`,
        );
      });
    }),
    { numRuns: 2000 },
  );
});

test('matches the sequential highest-priority allocation it is defined by', () => {
  const greedy = (q: number, w: number[]) => {
    const c = w.map(() => 0);
    for (let t = 0; t < q; t++) {
      let b = 0;
      for (let i = 1; i < w.length; i++) if (w[i]! * (c[b]! + 0.5) > w[b]! * (c[i]! + 0.5)) b = i;
      c[b]!++;
    }
    return c;
  };
  fc.assert(
    fc.property(weightsArb, fc.integer({ min: 0, max: 3000 }), (w, q) => {
      assert.deepEqual(apportion(q, w), greedy(q, w));
    }),
    { numRuns: 300 },
  );
});

test('equal weights give floor/ceil shares, extras to the first agents', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 1_000_000 }), (n, q) => {
      const shares = apportion(q, new Array(n).fill(1));
      shares.forEach((s, i) => assert.equal(s, Math.floor(q / n) + (i < q % n ? 1 : 0)));
    }),
    { numRuns: 300 },
  );
  assert.deepEqual(apportion(150, [1, 1, 1]), [50, 50, 50]);
  assert.deepEqual(apportion(10, [1, 1, 1]), [4, 3, 3]);
  assert.deepEqual(apportion(100, [1, 1]), [50, 50]);
  assert.deepEqual(apportion(7, [0.3 / 0.5, 0.2 / 0.5]), [4, 3]);
});

test('segments cover [0,1) in proportion to weights', () => {
  fc.assert(
    fc.property(weightsArb, (w) => {
      const segs = segments(w.map((weight, i) => ({ id: String(i), weight })));
      assert.equal(segs[0]!.start, 0);
      assert.equal(segs.at(-1)!.end, 1);
      for (let i = 1; i < segs.length; i++) assert.equal(segs[i]!.start, segs[i - 1]!.end);
    }),
  );
});

test("every load model splits exactly: VUs, iterations, arrivals and in-flight caps sum to the scenario's", async () => {
  const { shares } = await import('../src/plan/assignments.ts');
  const { parseScenario } = await import('../src/scenario/read.ts');
  const { ArrivalSchedule } = await import('@barrage/core');
  const s = parseScenario(`
name: all
baseUrl: http://h
requests: [{ name: a, path: /a }]
scenarios:
  - { name: cv, executor: constant-vus, vus: 37, duration: 1s, connections: 11 }
  - { name: si, executor: shared-iterations, vus: 13, iterations: 1001 }
  - { name: pv, executor: per-vu-iterations, vus: 13, iterations: 7 }
  - { name: car, executor: constant-arrival-rate, rate: 333, duration: 7s, maxInFlight: 41 }
  - { name: rar, executor: ramping-arrival-rate, stages: [{ duration: 3s, target: 77 }, { duration: 2s, target: 5 }], maxInFlight: 9 }
`);
  fc.assert(
    fc.property(weightsArb, (w) => {
      const segs = segments(w.map((weight, i) => ({ id: String(i), weight })));
      const sum = (xs: Array<Record<string, unknown> | null>, k: string) =>
        xs.reduce((n, x) => n + ((x?.[k] as number | undefined) ?? 0), 0);
      const [cv, si, pv, car, rar] = s.scenarios.map((sc) => shares(sc, segs));
      assert.equal(sum(cv!, 'vus'), 37);
      // Connections follow the VUs; an agent with VUs keeps at least one, so the sum only exceeds 11 by those.
      const loaded = cv!.filter((x) => x !== null);
      assert.ok(loaded.every((x) => x.connections! >= 1));
      assert.ok(sum(cv!, 'connections') >= 11 && sum(cv!, 'connections') <= 11 + loaded.length);
      assert.equal(sum(si!, 'iterations'), 1001);
      assert.ok(si!.every((x) => x === null || (x.vus! > 0 && x.iterations! >= 0)));
      assert.equal(sum(pv!, 'vus'), 13);
      assert.ok(pv!.every((x) => x === null || x.iterationsPerVu === 7));
      assert.equal(sum(car!, 'iterations'), 333 * 7);
      const carLoaded = car!.filter((x) => x !== null);
      assert.ok(
        carLoaded.every((x) => x.maxInFlight! >= 1),
        'an agent with arrivals has a slot',
      );
      assert.ok(sum(car!, 'maxInFlight') >= 41 && sum(car!, 'maxInFlight') <= 41 + carLoaded.length);
      const n = new ArrivalSchedule(0, s.scenarios[4]!.stages).total;
      assert.equal(n, Math.floor(77 * 1.5 + ((77 + 5) / 2) * 2));
      assert.equal(sum(rar!, 'iterations'), n);
      const rarLoaded = rar!.filter((x) => x !== null);
      assert.ok(sum(rar!, 'maxInFlight') >= 9 && sum(rar!, 'maxInFlight') <= 9 + rarLoaded.length);
    }),
    { numRuns: 300 },
  );
});
