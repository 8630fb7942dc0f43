// The one latency histogram configuration of protocol v1. Fixing it in the
// protocol means a receiver never sizes an array from a number a peer sent.
import { Float64Histogram, Int32Histogram } from 'hdr-histogram-js';

export const HISTOGRAM_CONFIG_V1 = 1;
export const LOWEST_US = 1;
/** One hour in microseconds: the longest latency a histogram can hold. */
export const HIGHEST_US = 3_600_000_000;
export const SIGNIFICANT_DIGITS = 3;

export type LatencyHistogram = Int32Histogram | Float64Histogram;

/** Per-interval histogram on an agent: 32-bit counts are plenty for one interval. */
export function newIntervalHistogram(): Int32Histogram {
  return new Int32Histogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS);
}

/** Accumulating histogram (run totals): 64-bit float counts stay exact up to 2^53. */
export function newTotalHistogram(): Float64Histogram {
  return new Float64Histogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS);
}

/** Clamps a measured latency into the trackable range, so recording never throws. */
export function clampLatencyUs(us: number): number {
  if (!(us >= LOWEST_US)) return LOWEST_US;
  return us > HIGHEST_US ? HIGHEST_US : Math.round(us);
}
