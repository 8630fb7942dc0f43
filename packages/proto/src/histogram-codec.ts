// Bounded wire codec for latency histograms: run-length coded bucket counts in
// protobuf, no deflate. Decoding validates the whole payload before touching
// the target, so a hostile or corrupt report can neither hang the receiver,
// grow its memory, nor leave a half-merged histogram behind.
import type { barrage } from './generated/barrage.js';
import { ProtoErrors } from './errors.ts';
import { HISTOGRAM_CONFIG_V1, HIGHEST_US, newIntervalHistogram, type LatencyHistogram } from './histogram-config.ts';

type WireHistogram = barrage.v1.Histogram.$Properties;

// Only used for index arithmetic (countsArrayIndex), never to hold counts.
const INDEXER = newIntervalHistogram();
const COUNTS_LENGTH = INDEXER.countsArrayLength;
const MAX_RUN_ENTRIES = COUNTS_LENGTH;
const MAX_BUCKET_COUNT = 0x7fffffff;

/** Encodes the non-empty buckets of `h` (an empty histogram encodes to no counts). */
export function encodeHistogram(h: LatencyHistogram): WireHistogram {
  const counts: number[] = [];
  if (h.totalCount === 0) return { config: HISTOGRAM_CONFIG_V1, counts, min: 0, max: 0 };
  const last = h.countsArrayIndex(h.maxValue);
  let zeros = 0;
  for (let i = 0; i <= last; i++) {
    const c = h.getCountAtIndex(i);
    if (c === 0) { zeros++; continue; }
    if (zeros > 0) { counts.push(-zeros); zeros = 0; }
    if (c > MAX_BUCKET_COUNT) throw new ProtoErrors.HISTOGRAM_INVALID(`bucket ${i} count ${c} exceeds one interval's limit`);
    counts.push(c);
  }
  return { config: HISTOGRAM_CONFIG_V1, counts, min: h.minNonZeroValue, max: h.maxValue };
}

interface Scan { first: number; last: number; total: number }

/** Checks every bound of a wire histogram; returns where its buckets lie. Throws PROTO_HISTOGRAM_INVALID. */
export function scanHistogram(w: WireHistogram | null | undefined): Scan {
  const bad = (why: string) => new ProtoErrors.HISTOGRAM_INVALID(why);
  if (w == null) return { first: -1, last: -1, total: 0 };
  if (w.config !== HISTOGRAM_CONFIG_V1) throw bad(`unknown configuration ${String(w.config)}`);
  const counts = w.counts ?? [];
  if (counts.length > MAX_RUN_ENTRIES) throw bad(`${counts.length} entries exceed ${MAX_RUN_ENTRIES}`);
  let index = 0;
  let first = -1;
  let last = -1;
  let total = 0;
  for (let k = 0; k < counts.length; k++) {
    const v = counts[k]!;
    // sint32 on the wire; a caller handing in objects gets the same bound.
    if (!Number.isInteger(v) || v === 0 || v > MAX_BUCKET_COUNT) throw bad(`entry ${k} is ${v}`);
    if (v < 0) { index -= v; continue; }
    if (index >= COUNTS_LENGTH) throw bad(`bucket index ${index} beyond ${COUNTS_LENGTH - 1}`);
    if (first < 0) first = index;
    last = index;
    total += v;
    index++;
  }
  if (total === 0) {
    if ((w.min ?? 0) !== 0 || (w.max ?? 0) !== 0) throw bad('min/max set on an empty histogram');
    return { first, last, total };
  }
  const min = w.min ?? 0;
  const max = w.max ?? 0;
  if (!(min >= 1 && max <= HIGHEST_US && min <= max)) throw bad(`min ${min} / max ${max} out of range`);
  if (INDEXER.countsArrayIndex(min) !== first || INDEXER.countsArrayIndex(max) !== last) {
    throw bad('min/max disagree with the occupied buckets');
  }
  if (total === 1 && min !== max) throw bad('one sample with min != max');
  return { first, last, total };
}

/**
 * Adds a wire histogram into `target` (a merge: exact, like HdrHistogram add).
 * Validation happens first; on any error `target` is unchanged. Returns the sample count added.
 */
export function addWireHistogram(target: LatencyHistogram, w: WireHistogram | null | undefined): number {
  const scan = scanHistogram(w);
  if (scan.total === 0 || w == null) return 0;
  // hdr-histogram-js throws (a bare string) once a bucket passes 2^53: refuse before touching the target.
  if (target.totalCount + scan.total > Number.MAX_SAFE_INTEGER) {
    throw new ProtoErrors.HISTOGRAM_INVALID(`adding ${scan.total} samples to ${target.totalCount} would pass 2^53`);
  }
  const counts = w.counts!;
  let index = 0;
  for (let k = 0; k < counts.length; k++) {
    const v = counts[k]!;
    if (v < 0) { index -= v; continue; }
    // The extreme buckets are recorded at the exact min/max so both survive the merge.
    if (index === scan.first && index === scan.last) {
      if (v > 1) target.recordValueWithCount(w.min!, v - 1);
      target.recordValueWithCount(w.max!, 1);
    } else {
      const value = index === scan.first ? w.min! : index === scan.last ? w.max! : target.valueFromIndex(index);
      target.recordValueWithCount(value, v);
    }
    index++;
  }
  return scan.total;
}
