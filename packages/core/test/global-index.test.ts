// Global indexes and row assignment across a simulated cluster: the
// controller's apportionment, each agent's offsets, worker slices and
// takeovers, checked for disjointness, completeness and takeover stability.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { apportion, segments } from '../../controller/src/plan/apportion.ts';
import { globalIteration, offsetsOf, pairIndex, rampWorkerVuOffset, workerOffsets } from '../src/global-index.ts';
import { rowFor } from '../src/row-assignment.ts';
import { peakShare, segmentShare } from '../src/vu-ramp.ts';
import { evenShare, ownsArrival, subSegment } from '../src/worker-split.ts';

const weightsArb = fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 6 });
const workersArb = fc.integer({ min: 1, max: 4 });

/** Every index fired by a simulated shared-iterations run: agents by weight, each split across `workers` threads. */
function sharedIterationIndexes(vus: number, iterations: number, weights: number[], workers: number): number[] {
  const segs = segments(weights.map((weight, i) => ({ id: String(i), weight })));
  const agentVus = apportion(
    vus,
    segs.map((s) => s.end - s.start),
  );
  const agentIterations = apportion(iterations, agentVus);
  const vuOffsets = offsetsOf(agentVus);
  const iterationOffsets = offsetsOf(agentIterations);
  const out: number[] = [];
  agentVus.forEach((v, a) => {
    const agent = {
      vuOffset: vuOffsets[a]!,
      iterationOffset: iterationOffsets[a]!,
      vus: v,
      iterations: agentIterations[a]!,
    };
    for (let index = 0; index < workers; index++) {
      const w = { index, count: workers };
      const wVus = evenShare(v, index, workers);
      const before = Math.floor((v * index) / workers);
      const wIterations =
        v === 0
          ? 0
          : Math.floor((agent.iterations * (before + wVus)) / v) - Math.floor((agent.iterations * before) / v);
      const o = workerOffsets(agent, w);
      const part = {
        kind: 'shared' as const,
        vuOffset: o.vuOffset,
        iterationOffset: o.iterationOffset,
        iterationsPerVu: 0,
      };
      for (let n = 0; n < wIterations; n++) out.push(globalIteration(part, n % Math.max(1, wVus), 0, n));
    }
  });
  return out;
}

test('shared-iterations: the agents and workers fire every global iteration 0..M-1 exactly once', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.integer({ min: 0, max: 400 }),
      weightsArb,
      workersArb,
      (vus, m, weights, workers) => {
        const got = sharedIterationIndexes(vus, m, weights, workers).sort((x, y) => x - y);
        assert.deepEqual(
          got,
          Array.from({ length: m }, (_, i) => i),
        );
      },
    ),
  );
});

test('VU indexes: agents and workers hold disjoint ranges that cover 0..V-1', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 80 }), weightsArb, workersArb, (vus, weights, workers) => {
      const segs = segments(weights.map((weight, i) => ({ id: String(i), weight })));
      const agentVus = apportion(
        vus,
        segs.map((s) => s.end - s.start),
      );
      const offsets = offsetsOf(agentVus);
      const seen: number[] = [];
      agentVus.forEach((v, a) => {
        for (let index = 0; index < workers; index++) {
          const o = workerOffsets(
            { vuOffset: offsets[a]!, iterationOffset: 0, vus: v, iterations: 0 },
            { index, count: workers },
          );
          for (let i = 0; i < evenShare(v, index, workers); i++) seen.push(o.vuOffset + i);
        }
      });
      assert.deepEqual(
        seen.sort((x, y) => x - y),
        Array.from({ length: vus }, (_, i) => i),
      );
    }),
  );
});

test('per-vu-iterations: VU v iteration k is v·n + k, covering 0..V·n-1 once', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 20 }), weightsArb, (vus, n, weights) => {
      const segs = segments(weights.map((weight, i) => ({ id: String(i), weight })));
      const agentVus = apportion(
        vus,
        segs.map((s) => s.end - s.start),
      );
      const offsets = offsetsOf(agentVus);
      const seen = new Set<number>();
      agentVus.forEach((v, a) => {
        const part = { kind: 'perVu' as const, vuOffset: offsets[a]!, iterationOffset: 0, iterationsPerVu: n };
        for (let vu = 0; vu < v; vu++)
          for (let k = 0; k < n; k++) {
            const g = globalIteration(part, vu, k, 0);
            assert.ok(!seen.has(g) && g < vus * n);
            seen.add(g);
          }
      });
      assert.equal(seen.size, vus * n);
    }),
  );
});

test('unbounded models: pairIndex gives every (VU, iteration) its own number, and every number is one pair', () => {
  const seen = new Map<number, string>();
  for (let v = 0; v < 40; v++)
    for (let k = 0; k < 40; k++) {
      const g = pairIndex(v, k);
      assert.equal(seen.get(g), undefined, `(${v},${k}) and ${seen.get(g)}`);
      seen.set(g, `${v},${k}`);
    }
  for (let g = 0; g < 40 * 40; g++) assert.ok(seen.has(g), `${g} is no pair`);
});

test('ramping-vus: workers number their VUs past the earlier workers, never over the agent peak', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 50 }),
      fc.array(fc.record({ durationMs: fc.integer({ min: 1, max: 1000 }), target: fc.integer({ min: 0, max: 50 }) }), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.double({ min: 0, max: 0.9, noNaN: true }),
      fc.double({ min: 0.05, max: 1, noNaN: true }),
      workersArb,
      (start, stages, a, width, workers) => {
        const seg = { start: a, end: Math.min(1, a + width) };
        const used = new Set<number>();
        for (let index = 0; index < workers; index++) {
          const w = { index, count: workers };
          const off = rampWorkerVuOffset(100, start, stages, seg, w);
          const sub = subSegment(seg, w);
          for (let i = 0; i < peakShare(start, stages, sub.start, sub.end); i++) {
            assert.ok(!used.has(off + i));
            used.add(off + i);
          }
        }
        // The agent's workers together stay within 100 + the sum of their peaks.
        assert.ok([...used].every((g) => g >= 100));
        assert.ok(segmentShare(0, seg.start, seg.end) === 0);
      },
    ),
  );
});

test('open models and takeover: a taken-over arrival keeps its global index, and no index is fired twice', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 500 }),
      weightsArb,
      fc.nat(),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 500 }),
      workersArb,
      (total, weights, lostPick, takers, cut, workers) => {
        const segs = segments(weights.map((weight, i) => ({ id: String(i), weight })));
        const arrivals = apportion(
          total,
          segs.map((s) => s.end - s.start),
        );
        const offsets = offsetsOf(arrivals);
        const lost = lostPick % arrivals.length;
        const fired: number[] = [];
        arrivals.forEach((n, a) => {
          for (let index = 0; index < workers; index++)
            for (let j = 0; j < n; j++) {
              if (!ownsArrival(j, { index, count: workers })) continue;
              // The lost agent fires its arrivals before `cut`; the takers fire the rest.
              if (a === lost && j >= cut) continue;
              fired.push(
                globalIteration(
                  { kind: 'open', vuOffset: 0, iterationOffset: offsets[a]!, iterationsPerVu: 0 },
                  0,
                  0,
                  j,
                ),
              );
            }
        });
        // Takers split the lost agent's remaining arrivals between them (each j to exactly one part).
        const parts = segments(Array.from({ length: takers }, (_, i) => ({ id: String(i), weight: 1 })));
        for (let j = cut; j < arrivals[lost]!; j++) {
          const u = (((j + 1) * (Math.sqrt(5) - 1)) / 2) % 1;
          const owners = parts.filter((p) => u >= p.start && u < p.end);
          assert.equal(owners.length, 1);
          fired.push(
            globalIteration(
              { kind: 'open', vuOffset: 0, iterationOffset: offsets[lost]!, iterationsPerVu: 0 },
              0,
              0,
              j,
            ),
          );
        }
        assert.deepEqual(
          fired.sort((x, y) => x - y),
          Array.from({ length: total }, (_, i) => i),
        );
      },
    ),
  );
});

test('rowFor: unique and perVU give each index its own row until the rows run out; random is reproducible', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 400 }), fc.string(), (rows, n, seed) => {
      const unique = Array.from({ length: n }, (_, i) => rowFor('unique', i, rows));
      const used = unique.filter((r) => r !== undefined);
      assert.equal(new Set(used).size, used.length);
      assert.equal(used.length, Math.min(rows, n));
      for (let i = 0; i < n; i++) {
        assert.equal(rowFor('perVU', i, rows), i < rows ? i : undefined);
        const c = rowFor('circular', i, rows);
        const r = rowFor('random', i, rows, seed);
        if (rows === 0) assert.equal(c, r);
        else {
          assert.equal(c, i % rows);
          assert.ok(Number.isInteger(r) && r! >= 0 && r! < rows);
          assert.equal(r, rowFor('random', i, rows, seed));
        }
      }
    }),
  );
});

test('rowFor random: a different seed draws different rows', () => {
  const a = Array.from({ length: 50 }, (_, i) => rowFor('random', i, 1000, 'a'));
  const b = Array.from({ length: 50 }, (_, i) => rowFor('random', i, 1000, 'b'));
  assert.notDeepEqual(a, b);
});
