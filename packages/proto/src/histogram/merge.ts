// The exact merge of a wire histogram into latency histograms: afterwards each
// target holds what recording every sample into it would have. All or nothing:
// every bound is checked (scan.ts) before the first target is touched.
import type { barrage } from '../generated/barrage.js';
import type { LatencyHistogram } from './config.ts';
import { DecodedHistogram } from './decoded.ts';
import { INDEXER, invalidHistogram, sameLayout } from './layout.ts';
import { checkHistogram, HistogramCheck } from './scan.ts';

type WireHistogram = barrage.v1.Histogram.$Properties;

/**
 * Adds a wire histogram into `target` (a merge: exact, like HdrHistogram add).
 * Validation happens first; on any error `target` is unchanged. Returns the sample count added.
 */
export function addWireHistogram(target: LatencyHistogram, w: WireHistogram | null | undefined): number {
  return addWireHistogramTo([target], w);
}

/**
 * Adds one wire histogram into each of `targets` (e.g. a name's, the run's and an interval's):
 * scanned once, then bucket counts added straight into each target's counts. Every bound is
 * checked before any target is touched; on an error all of them are unchanged. Afterwards each
 * target holds what recording every sample into it would have: the same bucket counts and
 * total, and min/max merged from the exact extremes the wire carries.
 */
export function addWireHistogramTo(targets: readonly LatencyHistogram[], w: WireHistogram | null | undefined): number {
  const scan = new HistogramCheck();
  checkHistogram(w, scan);
  const total = scan.total;
  if (total === 0) return 0;
  // Everything below reads what the check found, never `w` again.
  const m = scan.buckets;
  const decoded = scan.decoded;
  const pairs = scan.pairs;
  const min = scan.min;
  const max = scan.max;
  // hdr-histogram-js throws (a bare string) once a bucket passes 2^53: refuse before touching any target.
  for (const target of targets) {
    if (target.totalCount + total > Number.MAX_SAFE_INTEGER) {
      throw invalidHistogram(`adding ${total} samples to ${target.totalCount} would pass 2^53`);
    }
  }
  let fast = decoded !== null;
  for (const target of targets) fast &&= target._counts instanceof Float64Array && sameLayout(target);
  if (fast) {
    // Straight from the checked copy: one pass for two targets (a name's and an interval's).
    for (let t = 0; t < targets.length; t += 2) {
      DecodedHistogram.addTo(
        decoded!,
        targets[t]!._counts as Float64Array,
        (targets[t + 1]?._counts as Float64Array | undefined) ?? null,
      );
    }
  } else if (decoded !== null) {
    DecodedHistogram.pairs(decoded, pairs);
  }
  for (const target of targets) {
    const c = target._counts;
    if (c instanceof Float64Array && sameLayout(target)) {
      // Exact: each count and their sum stay below 2^53 (checked above).
      if (!fast) addPairs(c, pairs, m);
      target.setTotalCount(target.totalCount + total);
      // A zero count at the extremes moves min/max through the library's own bookkeeping.
      target.recordValueWithCount(min, 0);
      target.recordValueWithCount(max, 0);
    } else {
      addByValue(target, pairs, m, scan.first, scan.last, min, max);
    }
  }
  return total;
}

/** Pairs added into `c` (every index < COUNTS_LENGTH, checked by the scan). */
function addPairs(c: Float64Array, pairs: Int32Array, m: number): void {
  for (let j = 0; j < 2 * m; j += 2) {
    const i = pairs[j]!;
    c[i] = c[i]! + pairs[j + 1]!;
  }
}

/** Any other target (32-bit counts, another layout): value by value through the library. */
function addByValue(
  target: LatencyHistogram,
  pairs: Int32Array,
  m: number,
  first: number,
  last: number,
  min: number,
  max: number,
): void {
  for (let j = 0; j < m; j++) {
    const index = pairs[2 * j]!;
    const v = pairs[2 * j + 1]!;
    // The extreme buckets are recorded at the exact min/max so both survive the merge.
    if (index === first && index === last) {
      if (v > 1) target.recordValueWithCount(min, v - 1);
      target.recordValueWithCount(max, 1);
    } else {
      const value = index === first ? min : index === last ? max : INDEXER.valueFromIndex(index);
      target.recordValueWithCount(value, v);
    }
  }
}
