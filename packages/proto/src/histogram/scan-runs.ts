// The bounded scans of run-length counts, as packed bytes or as a counts array:
// one pass that refuses anything irregular and finds where the samples lie.
// Results go into a RunScan the caller owns: nothing is kept here between
// calls, so no later scan can change what an earlier one found.
import { COUNTS_LENGTH, invalidHistogram, MAX_RUN_ENTRIES } from './layout.ts';
import { readVarint, skipVarint } from './packed-varints.ts';

/** Where a scan found the samples: occupied buckets, sample count, first and last occupied index (-1: none). */
export interface RunScan {
  buckets: number;
  total: number;
  first: number;
  last: number;
}

/**
 * Checks packed sint32 run-length entries into `out`; false (out then undefined) when anything
 * is irregular: a varint longer than 5 bytes or cut off, a zero entry, more than MAX_RUN_ENTRIES
 * entries or a bucket index beyond the histogram. Zigzag: an even u is the count u/2, an odd
 * u skips (u+1)/2 empty buckets. The bucket index only grows, so checking the last occupied
 * one bounds them all. `buf` must start at offset 0 of its buffer (4-byte words are read).
 */
export function scanPacked(buf: Uint8Array, out: RunScan): boolean {
  const end = buf.length;
  if (end > 5 * MAX_RUN_ENTRIES) return false;
  const words = new Uint32Array(buf.buffer, 0, end >>> 2);
  const wordsEnd = end & ~3;
  let pos = 0;
  let entries = 0;
  let index = 0; // may pass 2^31 on hostile skips: a double, never wrapped
  let m = 0;
  let total = 0;
  while (pos < end) {
    if ((pos & 3) === 0 && pos < wordsEnd) {
      // Most entries are one byte: four at a time when a word holds four whole ones. Every
      // step below treats the four bytes alike, so the platform's byte order does not matter.
      const w = words[pos >>> 2]!;
      if ((w & 0x80808080) === 0) {
        if ((((w - 0x01010101) | 0) & ~w & 0x80808080) !== 0) return false; // a zero entry
        const even = (w & 0x01010101) ^ 0x01010101; // 1 in each byte holding a count
        const counts = Math.imul(even, 0x01010101) >>> 24;
        const halves = (w >>> 1) & 0x7f7f7f7f;
        const countMask = Math.imul(even, 0xff);
        total += byteSum(halves & countMask);
        // Each count moves the index by one, each skip of h by h + 1: 4 + the skips' halves.
        index += 4 + byteSum(halves & ~countMask);
        m += counts;
        entries += 4;
        pos += 4;
        continue;
      }
    }
    let u = buf[pos++]!;
    if (u >= 128) {
      let b = u;
      u &= 127;
      let shift = 7;
      do {
        if (pos >= end || shift > 28) return false;
        b = buf[pos++]!;
        u |= (b & 127) << shift; // at shift 28 bits past 32 drop, as protobufjs's uint32 does
        shift += 7;
      } while (b >= 128);
    }
    entries++;
    if (u & 1) {
      index += (u >>> 1) + 1;
      continue;
    }
    if (u === 0) return false;
    m++;
    total += u >>> 1;
    index++;
  }
  if (entries > MAX_RUN_ENTRIES) return false;
  out.buckets = m;
  out.total = total;
  out.first = -1;
  out.last = -1;
  if (m === 0) return true;
  // The last occupied bucket: the end index less the skips after the last count (read
  // backwards: each entry ends at a byte below 128). The first: the skips before the first.
  let trailing = 0;
  let e = end - 1;
  for (;;) {
    let s = e;
    while (buf[s - 1]! >= 128) s--; // s > 0: a count lies before
    const u = readVarint(buf, s);
    if ((u & 1) === 0) break;
    trailing += (u >>> 1) + 1;
    e = s - 1;
  }
  const last = index - trailing - 1;
  if (last >= COUNTS_LENGTH) return false;
  let first = 0;
  for (let p = 0; ; ) {
    const u = readVarint(buf, p);
    if ((u & 1) === 0) break;
    first += (u >>> 1) + 1;
    p = skipVarint(buf, p);
  }
  out.first = first;
  out.last = last;
  return true;
}

function byteSum(x: number): number {
  x = (x & 0x00ff00ff) + ((x >>> 8) & 0x00ff00ff);
  return (x & 0xffff) + (x >>> 16);
}

/**
 * Checks the first `n` entries of a counts array into `out`, and leaves its occupied buckets
 * in `pairs` as interleaved (index, count) pairs (room for 2 * COUNTS_LENGTH needed). Throws
 * PROTO_HISTOGRAM_INVALID. Alone in its function so the loop is optimised on its own (code
 * after a long loop gets no type feedback when the loop is compiled on the fly).
 */
export function scanRuns(counts: readonly number[], n: number, pairs: Int32Array, out: RunScan): void {
  let index = 0;
  let m = 0;
  let total = 0;
  for (let k = 0; k < n; k++) {
    const v = counts[k]!;
    // sint32 on the wire; a caller handing in objects gets the same bound. (v | 0) === v
    // holds exactly for the integers of int32 (not NaN, fractions, +-Infinity or beyond 2^31).
    if ((v | 0) !== v || v === 0) throw invalidHistogram(`entry ${k} is ${v}`);
    if (v < 0) {
      index -= v;
      continue;
    }
    if (index >= COUNTS_LENGTH) throw invalidHistogram(`bucket index ${index} beyond ${COUNTS_LENGTH - 1}`);
    // m <= index < COUNTS_LENGTH: pairs holds 2 * COUNTS_LENGTH.
    pairs[2 * m] = index;
    pairs[2 * m + 1] = v;
    m++;
    total += v;
    index++;
  }
  out.buckets = m;
  out.total = total;
  out.first = m > 0 ? pairs[0]! : -1;
  out.last = m > 0 ? pairs[2 * m - 2]! : -1;
}
