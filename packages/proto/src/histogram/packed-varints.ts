// Reading protobuf varints, and the packed sint32 run-length counts of a wire
// histogram straight from their bytes (zigzag: an even u is the count u/2, an
// odd u skips (u+1)/2 empty buckets). Apart from varintEnd, every function here
// trusts its bytes: they were accepted by scanPacked (varints of at most 5
// bytes, none cut off, every occupied index below COUNTS_LENGTH), so the loops
// carry no checks of their own.

/**
 * Where the varint at buf[pos] ends (the position after it), if it has at most 5 bytes and
 * ends before `end`; -1 otherwise. The one check of untrusted bytes here.
 */
export function varintEnd(buf: Uint8Array, pos: number, end: number): number {
  for (let k = 0; k < 5; k++) {
    if (pos >= end) return -1;
    if (buf[pos++]! < 128) return pos;
  }
  return -1;
}

/** The (checked) varint at buf[p] as uint32; bits past 32 drop, as protobufjs's uint32 does. */
export function readVarint(buf: Uint8Array, p: number): number {
  let u = 0;
  let shift = 0;
  let b: number;
  do {
    b = buf[p++]!;
    u |= (b & 127) << shift;
    shift += 7;
  } while (b >= 128);
  return u >>> 0;
}

/** The position after the (checked) varint at buf[p]. */
export function skipVarint(buf: Uint8Array, p: number): number {
  while (buf[p++]! >= 128);
  return p;
}

/** The counts array of checked packed bytes, as protobufjs would have decoded it. */
export function unpack(buf: Uint8Array): number[] {
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

/** The occupied buckets of checked packed bytes as interleaved (index, count) pairs into `pairs`. */
export function unpackPairs(buf: Uint8Array, pairs: Int32Array): void {
  const counts = unpack(buf);
  let index = 0;
  let m = 0;
  for (let k = 0; k < counts.length; k++) {
    const v = counts[k]!;
    if (v < 0) {
      index -= v;
      continue;
    }
    pairs[2 * m] = index;
    pairs[2 * m + 1] = v;
    m++;
    index++;
  }
}

// Adding checked packed counts into same-layout counts arrays, in one pass over the bytes: the
// controller's hot path, so one target and two targets each get a loop of their own.
// `index | 0` keeps the index an int32: it can only wrap after the last occupied bucket.

export function addPacked1(buf: Uint8Array, c0: Float64Array): void {
  const end = buf.length;
  let pos = 0;
  let index = 0;
  while (pos < end) {
    let u = buf[pos++]!;
    if (u >= 128) {
      let b = u;
      u &= 127;
      let shift = 7;
      do {
        b = buf[pos++]!;
        u |= (b & 127) << shift;
        shift += 7;
      } while (b >= 128);
    }
    if (u & 1) {
      index = (index + (u >>> 1) + 1) | 0;
      continue;
    }
    c0[index] = c0[index]! + (u >>> 1);
    index = (index + 1) | 0;
  }
}

export function addPacked2(buf: Uint8Array, c0: Float64Array, c1: Float64Array): void {
  const end = buf.length;
  let pos = 0;
  let index = 0;
  while (pos < end) {
    let u = buf[pos++]!;
    if (u >= 128) {
      let b = u;
      u &= 127;
      let shift = 7;
      do {
        b = buf[pos++]!;
        u |= (b & 127) << shift;
        shift += 7;
      } while (b >= 128);
    }
    if (u & 1) {
      index = (index + (u >>> 1) + 1) | 0;
      continue;
    }
    const v = u >>> 1;
    c0[index] = c0[index]! + v;
    c1[index] = c1[index]! + v;
    index = (index + 1) | 0;
  }
}
