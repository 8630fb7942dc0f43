// The wire histogram codec: lossless for any samples, and every hostile shape
// rejected before the target histogram is touched.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HIGHEST_US, newIntervalHistogram, newTotalHistogram } from '../src/histogram/config.ts';
import { encodeHistogram } from '../src/histogram/encode.ts';
import { addWireHistogram } from '../src/histogram/merge.ts';

test('encode then add reproduces every bucket, min and max', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: HIGHEST_US }), { maxLength: 300 }), (values) => {
      const h = newIntervalHistogram();
      for (const v of values) h.recordValue(v);
      const back = newTotalHistogram();
      assert.equal(addWireHistogram(back, encodeHistogram(h)), values.length);
      assert.equal(back.totalCount, h.totalCount);
      assert.equal(back.maxValue, h.maxValue);
      assert.equal(back.minNonZeroValue, h.minNonZeroValue);
      for (const p of [50, 90, 99, 99.9, 100]) assert.equal(back.getValueAtPercentile(p), h.getValueAtPercentile(p));
    }),
  );
});

test('hostile histograms are rejected and leave the target unchanged', () => {
  const target = newTotalHistogram();
  target.recordValue(500);
  const cases = [
    { config: 2, counts: [1], min: 1, max: 1 },
    { config: 1, counts: [-2_000_000_000, 1], min: 1, max: 1 },
    { config: 1, counts: [0], min: 0, max: 0 },
    { config: 1, counts: [1.5], min: 1, max: 1 },
    { config: 1, counts: [5, 1], min: 1, max: HIGHEST_US + 1 },
    { config: 1, counts: [-10, 3], min: 9, max: 9 },
    { config: 1, counts: new Array(30_000).fill(1), min: 1, max: 1 },
  ];
  for (const w of cases) {
    assert.throws(
      () => addWireHistogram(target, w),
      { code: 'PROTO_HISTOGRAM_INVALID' },
      JSON.stringify(w).slice(0, 60),
    );
    assert.equal(target.totalCount, 1);
    assert.equal(target.maxValue, 500);
  }
});

test('counts past one interval, or a merge past 2^53 samples, are refused before the target is touched', () => {
  // Past sint32: not on the wire, but the bound holds for objects handed in too.
  assert.throws(
    () => addWireHistogram(newTotalHistogram(), { config: 1, counts: [-1, 2 ** 52, 2 ** 52], min: 1, max: 2 }),
    { code: 'PROTO_HISTOGRAM_INVALID' },
  );
  // hdr-histogram-js would throw a bare string past 2^53; the codec refuses first, coded.
  const target = newTotalHistogram();
  target.recordValueWithCount(999, 2 ** 53 - 10);
  assert.throws(() => addWireHistogram(target, { config: 1, counts: [-999, 11], min: 999, max: 999 }), {
    code: 'PROTO_HISTOGRAM_INVALID',
  });
  assert.equal(target.totalCount, 2 ** 53 - 10);
  assert.equal(addWireHistogram(target, { config: 1, counts: [-999, 9], min: 999, max: 999 }), 9);
  assert.equal(target.totalCount, Number.MAX_SAFE_INTEGER);
});
