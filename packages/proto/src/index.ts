// Public surface of @barrage/proto.
export { barrage } from './generated/barrage.js';
export * from './version.ts';
export * from './errors.ts';
export * from './framing.ts';
export * from './histogram-config.ts';
export * from './histogram-codec.ts';
