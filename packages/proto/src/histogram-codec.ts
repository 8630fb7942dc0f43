// Bounded wire codec for latency histograms: run-length coded bucket counts in
// protobuf, no deflate. Decoding validates the whole payload before touching
// the target, so a hostile or corrupt report can neither hang the receiver,
// grow its memory, nor leave a half-merged histogram behind.
//
// The controller's hot path (tens of thousands of interval histograms a second)
// never builds a counts array: decodeEnvelope turns each histogram into a
// DecodedHistogram, whose packed bytes were checked against every bound as they
// were read, and merging adds straight from those bytes into the targets' counts.
import { barrage } from './generated/barrage.js';
import { ProtoErrors } from './errors.ts';
import { HISTOGRAM_CONFIG_V1, HIGHEST_US, LOWEST_US, newIntervalHistogram, SIGNIFICANT_DIGITS, type LatencyHistogram } from './histogram-config.ts';

type WireHistogram = barrage.v1.Histogram.$Properties;

// Only used for index arithmetic (countsArrayIndex), never to hold counts.
const INDEXER = newIntervalHistogram();
const COUNTS_LENGTH = INDEXER.countsArrayLength;
const MAX_RUN_ENTRIES = COUNTS_LENGTH;
const MAX_BUCKET_COUNT = 0x7fffffff;

/** Encodes the non-empty buckets of `h` (an empty histogram encodes to no counts). */
export function encodeHistogram(h: LatencyHistogram): WireHistogram {
  const counts: number[] = [];
  if (h.totalCount === 0) return { config: HISTOGRAM_CONFIG_V1, counts, min: 0, max: 0 };
  const last = h.countsArrayIndex(h.maxValue);
  let zeros = 0;
  for (let i = 0; i <= last; i++) {
    const c = h.getCountAtIndex(i);
    if (c === 0) { zeros++; continue; }
    if (zeros > 0) { counts.push(-zeros); zeros = 0; }
    if (c > MAX_BUCKET_COUNT) throw new ProtoErrors.HISTOGRAM_INVALID(`bucket ${i} count ${c} exceeds one interval's limit`);
    counts.push(c);
  }
  return { config: HISTOGRAM_CONFIG_V1, counts, min: h.minNonZeroValue, max: h.maxValue };
}

/** Where a wire histogram's buckets lie; min and max (the exact extremes) when it holds samples. */
export interface HistogramScan { first: number; last: number; total: number; min?: number; max?: number }

// The last scan of a plain counts array leaves its occupied buckets here, as interleaved
// (index, count) pairs; only ever read right after the scan that filled them.
const SCRATCH = new Int32Array(2 * COUNTS_LENGTH);
let scannedBuckets = 0;
let scannedTotal = 0;
let scannedFirst = -1;
let scannedLast = -1;
/** The decoded histogram the last scan read its counts from (null: a counts array, in SCRATCH). */
let scannedDecoded: DecodedHistogram | null = null;

/**
 * A Histogram decoded from a frame by decodeEnvelope. Its counts were checked (every bound)
 * straight from the packed bytes, which it keeps (its own copy); merging adds from those bytes.
 * `counts` is built from them only when something reads it, and from then on (or once it is
 * assigned) the plain array is what every scan and merge uses, so the two never disagree.
 */
export class DecodedHistogram extends barrage.v1.Histogram {
  /** Never called: instances come from fromPacked (the base constructor assigns counts). */
  private constructor() { super(); }

  declare private packed: Uint8Array;
  /** False once `counts` was handed out or assigned: the array is then the truth. */
  declare private trusted: boolean;
  declare private buckets: number;
  declare private samples: number;
  declare private firstIndex: number;
  declare private lastIndex: number;
  declare private materialized: number[] | null;

  /**
   * Checks packed run-length counts (the bytes of a packed sint32 field). Returns null unless
   * they are canonical and within every bound (varints of at most 5 bytes, no zero entry, at
   * most MAX_RUN_ENTRIES entries, every bucket index in range): the caller then decodes the
   * generic way and the usual checks report what is wrong.
   */
  static fromPacked(packed: Uint8Array): DecodedHistogram | null {
    // Checked in a copy of its own (aligned for scanPacked), so nobody can change what was checked.
    const copy = new Uint8Array(packed);
    const m = scanPacked(copy);
    if (m < 0) return null;
    const h = Object.create(DecodedHistogram.prototype) as DecodedHistogram;
    h.packed = copy;
    h.trusted = true;
    h.buckets = m;
    h.samples = scannedTotal;
    h.firstIndex = scannedFirst;
    h.lastIndex = scannedLast;
    h.materialized = null;
    return h;
  }

  /** `w` if it is one whose checked bytes still are its counts (no own `counts` hides the accessor). */
  static checked(w: WireHistogram): DecodedHistogram | null {
    if (!(w instanceof DecodedHistogram) || !w.trusted || Object.hasOwn(w, 'counts')) return null;
    scannedBuckets = w.buckets;
    scannedTotal = w.samples;
    scannedFirst = w.firstIndex;
    scannedLast = w.lastIndex;
    return w;
  }

  /** Adds its checked counts into same-layout counts arrays: one pass over the bytes for two. */
  static addTo(w: DecodedHistogram, c0: Float64Array, c1: Float64Array | null): void {
    if (c1 !== null) addPacked2(w.packed, c0, c1);
    else addPacked1(w.packed, c0);
  }

  /** Its checked counts as SCRATCH pairs. */
  static pairs(w: DecodedHistogram): void {
    const counts = unpack(w.packed);
    let index = 0;
    let m = 0;
    for (let k = 0; k < counts.length; k++) {
      const v = counts[k]!;
      if (v < 0) { index -= v; continue; }
      SCRATCH[2 * m] = index;
      SCRATCH[2 * m + 1] = v;
      m++;
      index++;
    }
  }

  static {
    Object.defineProperty(DecodedHistogram.prototype, 'counts', {
      get(this: DecodedHistogram): number[] {
        if (this.materialized === null) this.materialized = unpack(this.packed);
        this.trusted = false;
        return this.materialized;
      },
      set(this: DecodedHistogram, v: number[]) {
        this.materialized = v;
        this.trusted = false;
      },
      enumerable: true,
      configurable: false,
    });
  }
}

/**
 * Checks packed sint32 run-length entries; returns how many buckets are occupied (sample count
 * in scannedTotal, first/last bucket in scannedFirst/scannedLast), or -1 when anything is
 * irregular: a varint longer than 5 bytes or cut off, a zero entry, more than MAX_RUN_ENTRIES
 * entries or a bucket index beyond the histogram. Zigzag: an even u is the count u/2, an odd
 * u skips (u+1)/2 empty buckets. The bucket index only grows, so checking the last occupied
 * one bounds them all. `buf` must start at offset 0 of its buffer (4-byte words are read).
 */
function scanPacked(buf: Uint8Array): number {
  const end = buf.length;
  if (end > 5 * MAX_RUN_ENTRIES) return -1;
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
        if ((((w - 0x01010101) | 0) & ~w & 0x80808080) !== 0) return -1; // a zero entry
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
        if (pos >= end || shift > 28) return -1;
        b = buf[pos++]!;
        u |= (b & 127) << shift; // at shift 28 bits past 32 drop, as protobufjs's uint32 does
        shift += 7;
      } while (b >= 128);
    }
    entries++;
    if (u & 1) { index += (u >>> 1) + 1; continue; }
    if (u === 0) return -1;
    m++;
    total += u >>> 1;
    index++;
  }
  if (entries > MAX_RUN_ENTRIES) return -1;
  scannedTotal = total;
  scannedFirst = -1;
  scannedLast = -1;
  if (m === 0) return 0;
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
  if (last >= COUNTS_LENGTH) return -1;
  let first = 0;
  for (let p = 0; ;) {
    const u = readVarint(buf, p);
    if ((u & 1) === 0) break;
    first += (u >>> 1) + 1;
    p = varintNext;
  }
  scannedFirst = first;
  scannedLast = last;
  return m;
}

function byteSum(x: number): number {
  x = (x & 0x00ff00ff) + ((x >>> 8) & 0x00ff00ff);
  return (x & 0xffff) + (x >>> 16);
}

let varintNext = 0;
/** The (checked) varint at buf[p] as uint32; where the next starts goes to varintNext. */
function readVarint(buf: Uint8Array, p: number): number {
  let u = 0;
  let shift = 0;
  let b: number;
  do {
    b = buf[p++]!;
    u |= (b & 127) << shift;
    shift += 7;
  } while (b >= 128);
  varintNext = p;
  return u >>> 0;
}

// Adding checked packed counts (scanPacked accepted them: varints of at most 5 bytes, every
// occupied index below COUNTS_LENGTH) into same-layout counts arrays, in one pass over the bytes.
// `index | 0` keeps the index an int32: it can only wrap after the last occupied bucket.

function addPacked1(buf: Uint8Array, c0: Float64Array): void {
  const end = buf.length;
  let pos = 0;
  let index = 0;
  while (pos < end) {
    let u = buf[pos++]!;
    if (u >= 128) {
      let b = u;
      u &= 127;
      let shift = 7;
      do { b = buf[pos++]!; u |= (b & 127) << shift; shift += 7; } while (b >= 128);
    }
    if (u & 1) { index = (index + (u >>> 1) + 1) | 0; continue; }
    c0[index] = c0[index]! + (u >>> 1);
    index = (index + 1) | 0;
  }
}

function addPacked2(buf: Uint8Array, c0: Float64Array, c1: Float64Array): void {
  const end = buf.length;
  let pos = 0;
  let index = 0;
  while (pos < end) {
    let u = buf[pos++]!;
    if (u >= 128) {
      let b = u;
      u &= 127;
      let shift = 7;
      do { b = buf[pos++]!; u |= (b & 127) << shift; shift += 7; } while (b >= 128);
    }
    if (u & 1) { index = (index + (u >>> 1) + 1) | 0; continue; }
    const v = u >>> 1;
    c0[index] = c0[index]! + v;
    c1[index] = c1[index]! + v;
    index = (index + 1) | 0;
  }
}

/** The counts array of packed bytes that scanPacked accepted (short varints only). */
function unpack(buf: Uint8Array): number[] {
  const out: number[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let u = 0;
    let shift = 0;
    let b: number;
    do {
      b = buf[pos++]!;
      u |= (b & 127) << shift;
      shift += 7;
    } while (b >= 128);
    u >>>= 0;
    out.push((u >>> 1) ^ -(u & 1));
  }
  return out;
}

/** Checks every bound of a wire histogram; returns where its buckets lie. Throws PROTO_HISTOGRAM_INVALID. */
export function scanHistogram(w: WireHistogram | null | undefined): HistogramScan {
  scannedBuckets = 0;
  if (w == null) return { first: -1, last: -1, total: 0 };
  if (w.config !== HISTOGRAM_CONFIG_V1) throw bad(`unknown configuration ${String(w.config)}`);
  scannedDecoded = DecodedHistogram.checked(w);
  if (scannedDecoded === null) {
    const counts = w.counts ?? [];
    const n = counts.length;
    if (n > MAX_RUN_ENTRIES) throw bad(`${n} entries exceed ${MAX_RUN_ENTRIES}`);
    scannedBuckets = scanRuns(counts, n);
  }
  const m = scannedBuckets;
  const total = scannedTotal;
  const first = scannedFirst;
  const last = scannedLast;
  scannedBuckets = 0; // until every check below has passed
  if (total === 0) {
    if ((w.min ?? 0) !== 0 || (w.max ?? 0) !== 0) throw bad('min/max set on an empty histogram');
    return { first, last, total };
  }
  const min = w.min ?? 0;
  const max = w.max ?? 0;
  if (!(min >= 1 && max <= HIGHEST_US && min <= max)) throw bad(`min ${min} / max ${max} out of range`);
  if (INDEXER.countsArrayIndex(min) !== first || INDEXER.countsArrayIndex(max) !== last) {
    throw bad('min/max disagree with the occupied buckets');
  }
  if (total === 1 && min !== max) throw bad('one sample with min != max');
  scannedBuckets = m;
  return { first, last, total, min, max };
}

/**
 * The run-length loop of a scan, alone in its function so it is optimised on its own (code
 * after a long loop gets no type feedback when the loop is compiled on the fly). Fills
 * SCRATCH pairs, returns how many buckets; the sample count goes to scannedTotal, the first
 * and last bucket to scannedFirst/scannedLast.
 */
function scanRuns(counts: readonly number[], n: number): number {
  let index = 0;
  let m = 0;
  let total = 0;
  for (let k = 0; k < n; k++) {
    const v = counts[k]!;
    // sint32 on the wire; a caller handing in objects gets the same bound. (v | 0) === v
    // holds exactly for the integers of int32 (not NaN, fractions, +-Infinity or beyond 2^31).
    if ((v | 0) !== v || v === 0) throw bad(`entry ${k} is ${v}`);
    if (v < 0) { index -= v; continue; }
    if (index >= COUNTS_LENGTH) throw bad(`bucket index ${index} beyond ${COUNTS_LENGTH - 1}`);
    // m <= index < COUNTS_LENGTH: SCRATCH holds 2 * COUNTS_LENGTH.
    SCRATCH[2 * m] = index;
    SCRATCH[2 * m + 1] = v;
    m++;
    total += v;
    index++;
  }
  scannedTotal = total;
  scannedFirst = m > 0 ? SCRATCH[0]! : -1;
  scannedLast = m > 0 ? SCRATCH[2 * m - 2]! : -1;
  return m;
}

function bad(why: string): Error {
  return new ProtoErrors.HISTOGRAM_INVALID(why);
}

/**
 * Adds a wire histogram into `target` (a merge: exact, like HdrHistogram add).
 * Validation happens first; on any error `target` is unchanged. Returns the sample count added.
 */
export function addWireHistogram(target: LatencyHistogram, w: WireHistogram | null | undefined): number {
  return addWireHistogramTo([target], w);
}

/**
 * Adds one wire histogram into each of `targets` (e.g. a name's, the run's and an interval's):
 * scanned once, then bucket counts added straight into each target's counts. Every bound is
 * checked before any target is touched; on an error all of them are unchanged. Afterwards each
 * target holds what recording every sample into it would have: the same bucket counts and
 * total, and min/max merged from the exact extremes the wire carries.
 */
export function addWireHistogramTo(targets: readonly LatencyHistogram[], w: WireHistogram | null | undefined): number {
  const scan = scanHistogram(w);
  if (scan.total === 0) return 0;
  // Everything below reads what the scan checked, never `w` again.
  const m = scannedBuckets;
  const decoded = scannedDecoded;
  const min = scan.min!;
  const max = scan.max!;
  // hdr-histogram-js throws (a bare string) once a bucket passes 2^53: refuse before touching any target.
  for (const target of targets) {
    if (target.totalCount + scan.total > Number.MAX_SAFE_INTEGER) {
      throw bad(`adding ${scan.total} samples to ${target.totalCount} would pass 2^53`);
    }
  }
  let fast = decoded !== null;
  for (const target of targets) fast &&= target._counts instanceof Float64Array && sameLayout(target);
  if (fast) {
    // Straight from the checked copy: one pass for two targets (a name's and an interval's).
    for (let t = 0; t < targets.length; t += 2) {
      DecodedHistogram.addTo(decoded!, targets[t]!._counts as Float64Array, (targets[t + 1]?._counts as Float64Array | undefined) ?? null);
    }
  } else if (decoded !== null) {
    DecodedHistogram.pairs(decoded);
  }
  for (const target of targets) {
    const c = target._counts;
    if (c instanceof Float64Array && sameLayout(target)) {
      // Exact: each count and their sum stay below 2^53 (checked above).
      if (!fast) addPairs(c, SCRATCH, m);
      target.setTotalCount(target.totalCount + scan.total);
      // A zero count at the extremes moves min/max through the library's own bookkeeping.
      target.recordValueWithCount(min, 0);
      target.recordValueWithCount(max, 0);
    } else {
      addByValue(target, SCRATCH, m, scan, min, max);
    }
  }
  return scan.total;
}

/** Bucket layouts match: index i of the target is index i of the protocol's histogram. */
function sameLayout(h: LatencyHistogram): boolean {
  return h.countsArrayLength === COUNTS_LENGTH && h.lowestDiscernibleValue === LOWEST_US && h.numberOfSignificantValueDigits === SIGNIFICANT_DIGITS;
}

/** Scanned pairs added into `c` (every index < COUNTS_LENGTH, checked by the scan). */
function addPairs(c: Float64Array, pairs: Int32Array, m: number): void {
  for (let j = 0; j < 2 * m; j += 2) {
    const i = pairs[j]!;
    c[i] = c[i]! + pairs[j + 1]!;
  }
}

/** Any other target (32-bit counts, another layout): value by value through the library. */
function addByValue(target: LatencyHistogram, pairs: Int32Array, m: number, scan: HistogramScan, min: number, max: number): void {
  for (let j = 0; j < m; j++) {
    const index = pairs[2 * j]!;
    const v = pairs[2 * j + 1]!;
    // The extreme buckets are recorded at the exact min/max so both survive the merge.
    if (index === scan.first && index === scan.last) {
      if (v > 1) target.recordValueWithCount(min, v - 1);
      target.recordValueWithCount(max, 1);
    } else {
      const value = index === scan.first ? min : index === scan.last ? max : INDEXER.valueFromIndex(index);
      target.recordValueWithCount(value, v);
    }
  }
}
