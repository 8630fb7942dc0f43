// Hand-built protobuf bytes for the fuzzer: lies the generated encoder can
// never produce (lengths past the end, over-long varints, unknown fields,
// nested groups), assembled field by field.

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A base-128 varint of any non-negative integer below 2^64 (BigInt beyond 2^53). */
export function varint(n: number | bigint): Uint8Array {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return new Uint8Array(out);
}

export function tag(field: number, wireType: number): Uint8Array {
  return varint((BigInt(field) << 3n) | BigInt(wireType));
}

/** A length-delimited field; `claimed` lies about the length when given. */
export function ld(field: number, body: Uint8Array, claimed: number | bigint = body.length): Uint8Array {
  return concat(tag(field, 2), varint(claimed), body);
}

export function vfield(field: number, value: number | bigint): Uint8Array {
  return concat(tag(field, 0), varint(value));
}

export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

/** Packed sint32 payload (the Histogram.counts encoding). */
export function packedSint32(values: readonly number[]): Uint8Array {
  return concat(...values.map((v) => varint(zigzag(v))));
}

/** Varints the decoder must refuse or truncate: 10 bytes, 11 bytes, endless continuation. */
export function hugeVarint(kind: number): Uint8Array {
  switch (kind % 4) {
    case 0:
      return new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    case 1:
      return new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    case 2:
      return new Uint8Array(32).fill(0x80);
    default:
      return varint(2n ** 63n);
  }
}

/** `depth` nested start-group tags of an unknown field, optionally closed. */
export function nestedGroups(field: number, depth: number, closed: boolean): Uint8Array {
  const open = tag(field, 3);
  const close = tag(field, 4);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < depth; i++) parts.push(open);
  if (closed) for (let i = 0; i < depth; i++) parts.push(close);
  return concat(...parts);
}
