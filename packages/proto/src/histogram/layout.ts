// The bucket layout of the protocol's one histogram configuration, and the
// bounds derived from it that every wire histogram is checked against. Fixed
// here, so no receiver ever sizes or indexes anything by a number a peer sent.
import { ProtoErrors } from '../errors.ts';
import { type LatencyHistogram, LOWEST_US, newIntervalHistogram, SIGNIFICANT_DIGITS } from './config.ts';

/** Only used for index arithmetic (countsArrayIndex, valueFromIndex), never to hold counts. */
export const INDEXER = newIntervalHistogram();
export const COUNTS_LENGTH = INDEXER.countsArrayLength;
/** A canonical encoding has at most one entry per bucket (a count, or a skip before one). */
export const MAX_RUN_ENTRIES = COUNTS_LENGTH;
/** One interval's bucket must fit a positive sint32. */
export const MAX_BUCKET_COUNT = 0x7fffffff;

/** Bucket layouts match: index i of the target is index i of the protocol's histogram. */
export function sameLayout(h: LatencyHistogram): boolean {
  return (
    h.countsArrayLength === COUNTS_LENGTH &&
    h.lowestDiscernibleValue === LOWEST_US &&
    h.numberOfSignificantValueDigits === SIGNIFICANT_DIGITS
  );
}

export function invalidHistogram(why: string): Error {
  return new ProtoErrors.HISTOGRAM_INVALID(why);
}
