// The fast histogram decode, installed by an explicit call from each process's
// entry point (never by importing the package). Inside decodeEnvelope, a
// histogram of the canonical shape becomes a DecodedHistogram whose counts were
// scanned straight from the bytes; anything else is decoded the generic way, so
// every refusal and every decoded value is protobufjs's own. See
// docs/protocol.md, "Fast histogram decode".
import type $protobuf from 'protobufjs/minimal.js';
import { FrameReader } from '../frame-reader.ts';
import { barrage } from '../generated/barrage.js';
import { DecodedHistogram } from './decoded.ts';
import { readVarint, varintEnd } from './packed-varints.ts';

// The generated decoders call barrage.v1.Histogram.decode for each histogram in a message;
// this is the one they call when the fast decode is not installed.
const genericHistogramDecode = barrage.v1.Histogram.decode;

function decodeHistogram(
  this: unknown,
  reader: $protobuf.Reader | Uint8Array,
  length?: number,
  ...rest: unknown[]
): barrage.v1.Histogram {
  if (reader instanceof FrameReader && length !== undefined && rest[0] === undefined && rest[2] == null) {
    const h = decodeCanonicalHistogram(reader, length);
    if (h !== null) return h;
  }
  return (genericHistogramDecode as (...args: unknown[]) => barrage.v1.Histogram).call(this, reader, length, ...rest);
}

/**
 * Makes decodeEnvelope decode histograms the fast way from now on, in this thread (each worker
 * thread has its own copy of the package). Idempotent. Decoded messages, scans, merges and
 * refusals are the same either way; only the speed of merging reports differs.
 */
export function installFastHistogramDecode(): void {
  if (barrage.v1.Histogram.decode === decodeHistogram) return;
  barrage.v1.Histogram.decode = decodeHistogram;
}

/**
 * The fast path of Histogram.decode, or null (reader untouched) to take the generic one: only
 * the canonical shape (config, one packed counts field, min, max; short varints; nothing
 * unknown or repeated) whose counts pass every bound.
 */
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
    if (tag === 0x12) {
      // field 2 (counts), length-delimited: packed sint32
      if (packed !== null) return null; // a second run of counts is appended: generic
      const next = varintEnd(buf, pos, end);
      if (next < 0) return null;
      const size = readVarint(buf, pos);
      pos = next;
      if (size > end - pos) return null;
      packed = buf.subarray(pos, pos + size);
      pos += size;
      continue;
    }
    if (tag !== 0x08 && tag !== 0x18 && tag !== 0x20) return null; // unknown field or wire type: generic
    const next = varintEnd(buf, pos, end);
    if (next < 0) return null;
    const v = readVarint(buf, pos);
    pos = next;
    if (tag === 0x08) config = v;
    else if (tag === 0x18) min = v;
    else max = v;
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
