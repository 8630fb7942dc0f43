// Public surface of @barrage/proto.

export * from './errors.ts';
export * from './framing.ts';
export { barrage } from './generated/barrage.js';
export * from './histogram/config.ts';
export { DecodedHistogram } from './histogram/decoded.ts';
export { encodeHistogram } from './histogram/encode.ts';
export { installFastHistogramDecode } from './histogram/fast-decode.ts';
export { addWireHistogram, addWireHistogramTo } from './histogram/merge.ts';
export { type HistogramScan, scanHistogram } from './histogram/scan.ts';
export * from './version.ts';
export {
  addWireCounters,
  MAX_TLS_REASONS,
  newWireCounters,
  RETRY_AFTER_BUCKETS_MS,
  retryAfterBucket,
  type WireCounters,
  WireCounterTotals,
  wireErrorTotal,
} from './wire-counters.ts';
