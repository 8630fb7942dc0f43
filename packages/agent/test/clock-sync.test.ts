// Clock sync arithmetic: exact offset for symmetric delays, and the
// lowest-RTT round wins over noisier ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bestEstimate, estimateRound } from '../src/link/clock-sync.ts';

test('symmetric delays give the exact offset', () => {
  fc.assert(fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 500, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true }), (offset, oneWay, service) => {
    const t0 = 1_000_000;
    const t1 = t0 + oneWay + offset;
    const t2 = t1 + service;
    const t3 = t2 - offset + oneWay;
    const e = estimateRound({ t0, t1, t2, t3 });
    assert.ok(Math.abs(e.offsetMs - offset) < 1e-6);
    assert.ok(Math.abs(e.rttMs - 2 * oneWay) < 1e-6);
  }));
});

test('the round with the smallest RTT is kept', () => {
  const offset = 250;
  const round = (t0: number, up: number, down: number) => ({ t0, t1: t0 + up + offset, t2: t0 + up + offset, t3: t0 + up + down });
  const e = bestEstimate([round(0, 40, 2), round(100, 1, 1), round(200, 2, 30)]);
  assert.equal(e.rttMs, 2);
  assert.equal(e.offsetMs, offset);
  assert.throws(() => bestEstimate([]));
});
