// Encoding a latency histogram for the wire: its occupied buckets run-length
// coded (a count, or a negative skip over empty buckets), no deflate, so the
// receiver can check every bound before it adds anything.

import { ProtoErrors } from '../errors.ts';
import type { barrage } from '../generated/barrage.js';
import { HISTOGRAM_CONFIG_V1, type LatencyHistogram } from './config.ts';
import { MAX_BUCKET_COUNT } from './layout.ts';

type WireHistogram = barrage.v1.Histogram.$Properties;

/** Encodes the non-empty buckets of `h` (an empty histogram encodes to no counts). */
export function encodeHistogram(h: LatencyHistogram): WireHistogram {
  const counts: number[] = [];
  if (h.totalCount === 0) return { config: HISTOGRAM_CONFIG_V1, counts, min: 0, max: 0 };
  const last = h.countsArrayIndex(h.maxValue);
  let zeros = 0;
  for (let i = 0; i <= last; i++) {
    const c = h.getCountAtIndex(i);
    if (c === 0) {
      zeros++;
      continue;
    }
    if (zeros > 0) {
      counts.push(-zeros);
      zeros = 0;
    }
    if (c > MAX_BUCKET_COUNT)
      throw new ProtoErrors.HISTOGRAM_INVALID(`bucket ${i} count ${c} exceeds one interval's limit`);
    counts.push(c);
  }
  return { config: HISTOGRAM_CONFIG_V1, counts, min: h.minNonZeroValue, max: h.maxValue };
}
