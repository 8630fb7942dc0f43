// Public surface of @barrage/proto.
export { barrage } from './generated/barrage.js';
export * from './version.ts';
export * from './errors.ts';
export * from './framing.ts';
export * from './histogram/config.ts';
export { encodeHistogram } from './histogram/encode.ts';
export { DecodedHistogram } from './histogram/decoded.ts';
export { scanHistogram, type HistogramScan } from './histogram/scan.ts';
export { addWireHistogram, addWireHistogramTo } from './histogram/merge.ts';
export { installFastHistogramDecode } from './histogram/fast-decode.ts';
