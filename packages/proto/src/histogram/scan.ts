// Checking a whole wire histogram before anything reads it: configuration,
// run-length counts, and min/max against the occupied buckets. A hostile or
// corrupt report can neither hang the receiver, grow its memory, nor leave a
// half-merged histogram behind, because merging starts only once this passed.
import type { barrage } from '../generated/barrage.js';
import { HIGHEST_US, HISTOGRAM_CONFIG_V1 } from './config.ts';
import { DecodedHistogram } from './decoded.ts';
import { COUNTS_LENGTH, INDEXER, invalidHistogram, MAX_RUN_ENTRIES } from './layout.ts';
import { type RunScan, scanRuns } from './scan-runs.ts';

type WireHistogram = barrage.v1.Histogram.$Properties;

/** Where a wire histogram's buckets lie; min and max (the exact extremes) when it holds samples. */
export interface HistogramScan {
  first: number;
  last: number;
  total: number;
  min?: number;
  max?: number;
}

// The occupied buckets of a plain counts array, shared by every check: room for every bucket
// is 2 * COUNTS_LENGTH int32s (about 190 KB), too much to allocate per histogram, and whoever
// checked reads them synchronously, before anything can run another check (nothing between
// the two yields or calls back into this package).
const PAIRS = new Int32Array(2 * COUNTS_LENGTH);

/** What checkHistogram found; the caller owns it, one per check. */
export class HistogramCheck implements RunScan {
  buckets = 0;
  total = 0;
  first = -1;
  last = -1;
  /** The exact extremes (0 when there are no samples). */
  min = 0;
  max = 0;
  /** Set when the counts are a DecodedHistogram's checked bytes: merge from those. */
  decoded: DecodedHistogram | null = null;
  /** Otherwise the occupied buckets, `buckets` interleaved (index, count) pairs (shared scratch, see PAIRS). */
  readonly pairs: Int32Array = PAIRS;
}

/** Checks every bound of a wire histogram into `out`. Throws PROTO_HISTOGRAM_INVALID (out then undefined). */
export function checkHistogram(w: WireHistogram | null | undefined, out: HistogramCheck): void {
  if (w == null) return;
  if (w.config !== HISTOGRAM_CONFIG_V1) throw invalidHistogram(`unknown configuration ${String(w.config)}`);
  out.decoded = DecodedHistogram.checked(w, out);
  if (out.decoded === null) {
    const counts = w.counts ?? [];
    const n = counts.length;
    if (n > MAX_RUN_ENTRIES) throw invalidHistogram(`${n} entries exceed ${MAX_RUN_ENTRIES}`);
    scanRuns(counts, n, out.pairs, out);
  }
  if (out.total === 0) {
    if ((w.min ?? 0) !== 0 || (w.max ?? 0) !== 0) throw invalidHistogram('min/max set on an empty histogram');
    return;
  }
  const min = w.min ?? 0;
  const max = w.max ?? 0;
  if (!(min >= 1 && max <= HIGHEST_US && min <= max)) throw invalidHistogram(`min ${min} / max ${max} out of range`);
  if (INDEXER.countsArrayIndex(min) !== out.first || INDEXER.countsArrayIndex(max) !== out.last) {
    throw invalidHistogram('min/max disagree with the occupied buckets');
  }
  if (out.total === 1 && min !== max) throw invalidHistogram('one sample with min != max');
  out.min = min;
  out.max = max;
}

/** Checks every bound of a wire histogram; returns where its buckets lie. Throws PROTO_HISTOGRAM_INVALID. */
export function scanHistogram(w: WireHistogram | null | undefined): HistogramScan {
  const check = new HistogramCheck();
  checkHistogram(w, check);
  const { first, last, total } = check;
  return total === 0 ? { first, last, total } : { first, last, total, min: check.min, max: check.max };
}
