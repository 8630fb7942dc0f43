// rowIteration, the dense numbering data rows follow: in unbounded closed
// models every part (agent or worker) owns one stripe of each round of the
// plan's VU span, so parts never take the same row and, when all ran the same
// rounds, the rows taken are exactly 0..N-1; in the other models it is the
// global iteration. Property tests over random agent and worker splits.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { apportion, segments } from '../../controller/src/plan/apportion.ts';
import {
  globalIteration,
  type IndexKind,
  offsetsOf,
  type PartIndexes,
  rampVuBlock,
  rampWorkerVuOffset,
  rowIteration,
  workerOffsets,
} from '../src/global-index.ts';
import { peakShare } from '../src/vu-ramp.ts';
import { evenShare, subSegment } from '../src/worker-split.ts';

/** Unbounded parts of the given VU counts, numbered one after another: offsets are prefix sums, the span their sum. */
function unboundedParts(partVus: readonly number[]): PartIndexes[] {
  const offsets = offsetsOf(partVus);
  const span = partVus.reduce((a, v) => a + v, 0);
  return partVus.map((v, i) => ({
    kind: 'unbounded',
    vuOffset: offsets[i]!,
    iterationOffset: 0,
    iterationsPerVu: 0,
    partVus: v,
    vuSpan: span,
  }));
}

/** The row numbers `part` gives its first `count` iterations (VUs taking turns, as a closed model's do). */
function rowsOf(part: PartIndexes, count: number): number[] {
  const vus = Math.max(1, part.partVus ?? 1);
  return Array.from({ length: count }, (_v, n) => rowIteration(part, n % vus, Math.floor(n / vus), n));
}

/** Asserts no number appears twice in `all`, naming the first that does. */
function assertDisjoint(all: readonly number[], what = 'row'): void {
  const seen = new Set<number>();
  for (const g of all) {
    assert.ok(!seen.has(g), `${what} ${g} used twice`);
    seen.add(g);
  }
}

const partVusArb = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 8 });

test('unbounded: parts of any split, each running any number of iterations, never take the same row', () => {
  fc.assert(
    fc.property(
      partVusArb.chain((vus) =>
        fc.tuple(fc.constant(vus), fc.array(fc.nat(300), { minLength: vus.length, maxLength: vus.length })),
      ),
      ([partVus, counts]) => {
        const parts = unboundedParts(partVus);
        const all = parts.flatMap((p, i) => rowsOf(p, counts[i]!));
        assertDisjoint(all);
        assert.ok(all.every((g) => Number.isSafeInteger(g) && g >= 0));
        // A part's rows rise with its iterations: rows are used in order.
        parts.forEach((p, i) => {
          const mine = rowsOf(p, counts[i]!);
          for (let n = 1; n < mine.length; n++) assert.ok(mine[n]! > mine[n - 1]!);
        });
      },
    ),
  );
});

test('unbounded: when every part ran the same rounds, the rows taken are exactly 0..N-1', () => {
  fc.assert(
    fc.property(partVusArb, fc.integer({ min: 0, max: 40 }), (partVus, rounds) => {
      const parts = unboundedParts(partVus);
      const all = parts.flatMap((p) => rowsOf(p, rounds * p.partVus!));
      const span = parts[0]!.vuSpan!;
      assert.equal(all.length, rounds * span);
      assert.deepEqual(
        [...all].sort((a, b) => a - b),
        Array.from({ length: rounds * span }, (_v, i) => i),
      );
    }),
  );
});

test('unbounded: a part that ran fewer rounds leaves holes only past what the others took in its rounds', () => {
  fc.assert(
    fc.property(partVusArb, fc.integer({ min: 1, max: 20 }), fc.nat(), (partVus, rounds, pick) => {
      const parts = unboundedParts(partVus);
      const slow = pick % parts.length;
      const all = parts.flatMap((p, i) => rowsOf(p, (i === slow ? rounds - 1 : rounds) * p.partVus!));
      const span = parts[0]!.vuSpan!;
      const taken = new Set(all);
      // Rounds 0..rounds-2 are whole; the last round misses exactly the slow part's stripe.
      for (let g = 0; g < (rounds - 1) * span; g++) assert.ok(taken.has(g), `row ${g} skipped`);
      const stripe = parts[slow]!;
      for (let g = (rounds - 1) * span; g < rounds * span; g++) {
        const inStripe = g - (rounds - 1) * span - stripe.vuOffset;
        assert.equal(taken.has(g), !(inStripe >= 0 && inStripe < stripe.partVus!), `row ${g}`);
      }
    }),
  );
});

test('unbounded constant-vus as planned: agents by weight, each split among its workers, never share a row', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 12 }),
      (vus, weights, workers, rounds) => {
        const segs = segments(weights.map((weight, i) => ({ id: String(i), weight })));
        const agentVus = apportion(
          vus,
          segs.map((s) => s.end - s.start),
        );
        const agentOffsets = offsetsOf(agentVus);
        const span = agentVus.reduce((a, v) => a + v, 0);
        const parts: PartIndexes[] = [];
        agentVus.forEach((v, a) => {
          for (let index = 0; index < workers; index++) {
            const partVus = evenShare(v, index, workers);
            if (partVus === 0) continue;
            const agent = { vuOffset: agentOffsets[a]!, iterationOffset: 0, vus: v, iterations: 0 };
            const { vuOffset } = workerOffsets(agent, { index, count: workers });
            parts.push({ kind: 'unbounded', vuOffset, iterationOffset: 0, iterationsPerVu: 0, partVus, vuSpan: span });
          }
        });
        const all = parts.flatMap((p) => rowsOf(p, rounds * p.partVus!));
        assert.deepEqual(
          [...all].sort((a, b) => a - b),
          Array.from({ length: rounds * vus }, (_v, i) => i),
        );
      },
    ),
  );
});

/** Every global VU index the agents' workers of a ramp use, with each worker's part (as own-part.ts builds it). */
function rampParts(peak: number, agents: number, workers: number): { vuIndexes: number[]; parts: PartIndexes[] } {
  const stages = [{ durationMs: 1000, target: peak }];
  const segs = segments(Array.from({ length: agents }, (_v, i) => ({ id: String(i), weight: 1 })));
  // The planner's blocks: each agent's workers' peaks added up (rampVuBlock).
  const blocks = segs.map((s) => rampVuBlock(0, stages, s, workers));
  const offsets = offsetsOf(blocks);
  const span = blocks.reduce((a, v) => a + v, 0);
  const vuIndexes: number[] = [];
  const parts: PartIndexes[] = [];
  segs.forEach((seg, a) => {
    for (let index = 0; index < workers; index++) {
      const w = { index, count: workers };
      const sub = subSegment(seg, w);
      const partVus = peakShare(0, stages, sub.start, sub.end);
      if (partVus === 0) continue;
      const vuOffset = rampWorkerVuOffset(offsets[a]!, 0, stages, seg, w);
      for (let i = 0; i < partVus; i++) vuIndexes.push(vuOffset + i);
      parts.push({ kind: 'unbounded', vuOffset, iterationOffset: 0, iterationsPerVu: 0, partVus, vuSpan: span });
    }
  });
  return { vuIndexes, parts };
}

// A worker's ramp share peaks at another cluster total than its neighbours'
// (segmentShare is not monotone), so the workers' peak shares can add up to more
// than their agent's peak share: ramp 0→3 VUs, 2 agents of 3 workers — agent 0's
// workers peak at 1 VU each but agent 0 peaks at 1. The planner sizes each
// agent's block by rampVuBlock, so worker numbers never reach the next agent's.
test('ramping-vus with workers: no two VUs of the cluster share a global VU index or a row', () => {
  const example = rampParts(3, 2, 3);
  assertDisjoint(example.vuIndexes, 'global VU');
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 5 }),
      (peak, agents, workers, rounds) => {
        const { vuIndexes, parts } = rampParts(peak, agents, workers);
        assertDisjoint(vuIndexes, 'global VU');
        assertDisjoint(parts.flatMap((p) => rowsOf(p, rounds * p.partVus!)));
      },
    ),
  );
});

test('shared, perVu and open parts: rowIteration is the global iteration', () => {
  fc.assert(
    fc.property(
      fc.constantFrom<IndexKind>('shared', 'perVu', 'open'),
      fc.nat(10_000),
      fc.nat(10_000),
      fc.integer({ min: 0, max: 50 }),
      fc.nat(100),
      fc.nat(100),
      fc.nat(10_000),
      fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
      (kind, vuOffset, iterationOffset, iterationsPerVu, localVu, vuIteration, partIteration, partVus) => {
        const p: PartIndexes = {
          kind,
          vuOffset,
          iterationOffset,
          iterationsPerVu,
          ...(partVus === undefined ? {} : { partVus, vuSpan: vuOffset + partVus }),
        };
        assert.equal(
          rowIteration(p, localVu, vuIteration, partIteration),
          globalIteration(p, localVu, vuIteration, partIteration),
        );
      },
    ),
  );
});

test('unbounded: rows are not the sparse pairing of global iterations', () => {
  const [p] = unboundedParts([3]);
  assert.deepEqual(rowsOf(p!, 7), [0, 1, 2, 3, 4, 5, 6]);
  assert.notDeepEqual(
    Array.from({ length: 7 }, (_v, n) => globalIteration(p!, n % 3, Math.floor(n / 3), n)),
    [0, 1, 2, 3, 4, 5, 6],
  );
  // Two parts of 2 and 3 VUs in a span of 5: part 1 takes 2, 3, 4, then 7, 8, 9.
  const [, q] = unboundedParts([2, 3]);
  assert.deepEqual(rowsOf(q!, 6), [2, 3, 4, 7, 8, 9]);
});
