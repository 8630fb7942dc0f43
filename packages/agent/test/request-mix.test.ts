// Smooth weighted round-robin: every window of sum(weights) picks matches the
// weights exactly, so the seed's 50/30/20 mix is exact, not approximate.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RequestMix } from '../src/load/request-mix.ts';

test('each full cycle picks every request exactly its weight', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 5 }),
      (weights, cycles) => {
        const mix = new RequestMix(weights);
        const total = weights.reduce((a, b) => a + b, 0);
        for (let c = 0; c < cycles; c++) {
          const counts = weights.map(() => 0);
          for (let i = 0; i < total; i++) counts[mix.next()]!++;
          assert.deepEqual(counts, weights);
        }
      },
    ),
  );
});

test('the seed mix 50/30/10/10 interleaves rather than bursts', () => {
  const mix = new RequestMix([50, 30, 10, 10]);
  const first10 = Array.from({ length: 10 }, () => mix.next());
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => first10.filter((x) => x === i).length),
    [5, 3, 1, 1],
  );
});
