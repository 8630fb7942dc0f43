// One protobuf Envelope per WebSocket binary frame. decodeEnvelope is the only
// way bytes from the network become messages: size-checked, guarded, and
// required to carry exactly one body. Histograms in it (the bulk of every
// Report) are scanned straight from their bytes once the process has called
// installFastHistogramDecode (histogram/fast-decode.ts).

import { ProtoErrors } from './errors.ts';
import { FrameReader } from './frame-reader.ts';
import { barrage } from './generated/barrage.js';
import { MAX_FRAME_BYTES } from './version.ts';

export const Envelope = barrage.v1.Envelope;
export type EnvelopeShape = barrage.v1.Envelope.$Properties;
export type BodyKind = NonNullable<barrage.v1.Envelope['body']>;

export function encodeEnvelope(message: EnvelopeShape): Uint8Array {
  return Envelope.encode(message).finish();
}

/** Decodes one frame; throws a coded BarrageError (never a raw protobuf error). */
export function decodeEnvelope(
  bytes: Uint8Array,
  maxBytes = MAX_FRAME_BYTES,
): barrage.v1.Envelope & { body: BodyKind } {
  if (bytes.byteLength > maxBytes) throw new ProtoErrors.FRAME_TOO_LARGE(bytes.byteLength, maxBytes);
  let env: barrage.v1.Envelope;
  try {
    env = Envelope.decode(new FrameReader(bytes));
  } catch (err) {
    throw new ProtoErrors.FRAME_INVALID((err as Error).message);
  }
  if (!env.body) throw new ProtoErrors.FRAME_EMPTY();
  return env as barrage.v1.Envelope & { body: BodyKind };
}

/** Normalises what `ws` hands a message listener into one byte view. */
export function frameBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
