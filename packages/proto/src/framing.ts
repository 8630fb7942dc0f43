// One protobuf Envelope per WebSocket binary frame. decodeEnvelope is the only
// way bytes from the network become messages: size-checked, guarded, and
// required to carry exactly one body. Histograms in it (the bulk of every
// Report) are scanned straight from their bytes, see decodeCanonicalHistogram.
import $protobuf from 'protobufjs/minimal.js';
import { barrage } from './generated/barrage.js';
import { ProtoErrors } from './errors.ts';
import { DecodedHistogram } from './histogram-codec.ts';
import { MAX_FRAME_BYTES } from './version.ts';

export const Envelope = barrage.v1.Envelope;
export type EnvelopeShape = barrage.v1.Envelope.$Properties;
export type BodyKind = NonNullable<barrage.v1.Envelope['body']>;

export function encodeEnvelope(message: EnvelopeShape): Uint8Array {
  return Envelope.encode(message).finish();
}

/** Decodes one frame; throws a coded BarrageError (never a raw protobuf error). */
export function decodeEnvelope(bytes: Uint8Array, maxBytes = MAX_FRAME_BYTES): barrage.v1.Envelope & { body: BodyKind } {
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

/** protobufjs's Buffer reader; being one marks a decode as decodeEnvelope's (see below). */
class FrameReader extends $protobuf.BufferReader {
  constructor(bytes: Uint8Array) {
    super(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
}

// Histograms inside a frame: the generated decoders call barrage.v1.Histogram.decode for each
// one. Within decodeEnvelope, a histogram of the canonical shape (config, one packed counts
// field, min, max; short varints; nothing unknown or repeated) becomes a DecodedHistogram whose
// counts were scanned straight from the bytes; anything else is decoded the generic way, so
// every refusal and every decoded value is protobufjs's own.
const genericHistogramDecode = barrage.v1.Histogram.decode;
barrage.v1.Histogram.decode = function decodeHistogram(reader: $protobuf.Reader | Uint8Array, length?: number, ...rest: unknown[]): barrage.v1.Histogram {
  if (reader instanceof FrameReader && length !== undefined && rest[0] === undefined && rest[2] == null) {
    const h = decodeCanonicalHistogram(reader, length);
    if (h !== null) return h;
  }
  return (genericHistogramDecode as (...args: unknown[]) => barrage.v1.Histogram).call(this, reader, length, ...rest);
};

/** The fast path of Histogram.decode, or null (reader untouched) to take the generic one. */
function decodeCanonicalHistogram(reader: FrameReader, length: number): barrage.v1.Histogram | null {
  const buf = reader.buf;
  const start = reader.pos;
  const end = start + length;
  if (end > reader.len) return null;
  let pos = start;
  let config = 0;
  let min = 0;
  let max = 0;
  let packed: Uint8Array | null = null;
  while (pos < end) {
    const tag = buf[pos++]!;
    if (tag === 0x12) { // field 2 (counts), length-delimited: packed sint32
      if (packed !== null) return null; // a second run of counts is appended: generic
      const size = varint(buf, pos, end);
      if (size < 0) return null;
      pos = varintEnd;
      if (size > end - pos) return null;
      packed = buf.subarray(pos, pos + size);
      pos += size;
      continue;
    }
    if (tag !== 0x08 && tag !== 0x18 && tag !== 0x20) return null; // unknown field or wire type: generic
    const v = varint(buf, pos, end);
    if (v < 0) return null;
    pos = varintEnd;
    if (tag === 0x08) config = v; else if (tag === 0x18) min = v; else max = v;
  }
  const h = DecodedHistogram.fromPacked(packed ?? buf.subarray(end, end));
  if (h === null) return null;
  reader.pos = end;
  // As the generated decoder: a field holding 0 is left to the prototype's default.
  if (config !== 0) h.config = config;
  if (min !== 0) h.min = min;
  if (max !== 0) h.max = max;
  return h;
}

let varintEnd = 0;
/** A uint32 varint of at most 5 bytes at buf[pos] before `end` (value, next position in varintEnd), or -1. */
function varint(buf: Uint8Array, pos: number, end: number): number {
  let u = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) return -1;
    const b = buf[pos++]!;
    u |= (b & 127) << shift; // bits past 32 dropped, as protobufjs's uint32 does
    if (b < 128) { varintEnd = pos; return u >>> 0; }
  }
  return -1;
}

/** Normalises what `ws` hands a message listener into one byte view. */
export function frameBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
