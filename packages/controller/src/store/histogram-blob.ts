// Latency histograms as the store keeps them: the wire's protobuf Histogram
// message, read back through the bounded codec (a damaged blob cannot make the
// controller allocate without limit).
import { addWireHistogram, barrage, encodeHistogram, type LatencyHistogram, newTotalHistogram } from '@barrage/proto';
import type { Float64Histogram } from 'hdr-histogram-js';

/** The blob of a histogram; null for none, an empty one, or one the codec refuses. */
export function histogramBytes(h: LatencyHistogram | null): Uint8Array | null {
  if (h === null || h.totalCount === 0) return null;
  try {
    return barrage.v1.Histogram.encode(encodeHistogram(h)).finish();
  } catch {
    return null;
  }
}

/** A stored blob as a histogram (NULL: an empty one). */
export function histogramFromBytes(bytes: Uint8Array | null): Float64Histogram {
  const h = newTotalHistogram();
  if (bytes !== null) addWireHistogram(h, barrage.v1.Histogram.decode(bytes));
  return h;
}
