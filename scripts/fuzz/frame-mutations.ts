// Mutated protocol frames: byte-level damage to valid Envelopes (bit flips,
// truncation, extension, duplicated spans, length lies, huge varints, unknown
// fields and groups, random bytes), structure-level absurdities (valid
// protobuf with NaN, 2^32-1, empty or huge fields, hostile histograms), and
// WebSocket-level shapes (text, fragments, frames past the 4 MiB limit).
import { type EnvelopeShape, encodeEnvelope, MAX_FRAME_BYTES } from '@barrage/proto';
import { type RunSeed, SEED_KINDS, type SeedKind, seedEnvelope } from './frame-seeds.ts';
import { hostileHistograms } from './histogram-bombs.ts';
import type { Prng } from './prng.ts';
import { cloneTree, hostileValue, mutateTree, type ValueMaker } from './tree-mutations.ts';
import { concat, hugeVarint, ld, nestedGroups, tag, varint } from './wire-bytes.ts';

export interface FuzzFrame {
  /** The mutation that made it, for the summary. */
  op: string;
  /** The seed kind it started from. */
  kind: string;
  data: Uint8Array | string;
  /** Sent as this many WebSocket fragments (1: a single frame). */
  fragments: number;
  /** A WebSocket-level close this frame must get instead of an ErrorReport (1009 too big, 1008 too many fragments). */
  wsClose?: number;
}

const frameValue: ValueMaker = (rng, old, depth) => {
  if (old instanceof Uint8Array) return rng.bytes(rng.pick([0, 1, 64, 4096]));
  if (old !== null && typeof old === 'object' && 'counts' in old) return cloneTree(rng.pick(hostileHistograms()));
  if (typeof old === 'number' && rng.chance(0.3))
    return rng.pick([NaN, Infinity, -Infinity, 2 ** 32 - 1, 2 ** 31 - 1, -(2 ** 31), 1e300]);
  return hostileValue(rng, old, depth);
};

/** Small, targeted lies in a report: each breaks one rule of validateReport (or none). */
function nudgeReport(rng: Prng, env: EnvelopeShape): void {
  const r = env.report;
  if (!r) return;
  const stats = r.stats ?? [];
  const s = stats.length > 0 ? rng.pick(stats) : undefined;
  const h = s ? (rng.chance(0.7) ? s.latency : s.serviceTime) : undefined;
  const ops: Array<() => void> = [
    () => {
      r.seq = rng.pick([0, 2 ** 32 - 1, 1]);
    },
    () => {
      r.interval = rng.pick([11, 1000, 10_000_001, 2 ** 32 - 1]);
    },
    () => {
      r.runId = rng.pick(['', 'other-run', 'x'.repeat(70)]);
    },
    () => {
      r.final = true;
    },
    () => {
      if (s) stats.push(cloneTree(s));
    },
    () => {
      if (s) s.name = rng.pick(['', 'unknown', 'all', 'x'.repeat(200)]);
    },
    () => {
      if (s?.status?.[0]) s.status[0].count = (s.status[0].count ?? 0) + 1;
    },
    () => {
      if (s?.status) s.status.push({ status: rng.pick([0, 99, 1000, 2 ** 32 - 1]), count: 0 });
    },
    () => {
      if (s) s.ok = (s.ok ?? 0) + 1;
    },
    () => {
      if (s) s.retryAfterPresent = (s.rateLimited ?? 0) + 1;
    },
    () => {
      if (s) s.rateLimited = (s.rateLimited ?? 0) + 1;
    },
    () => {
      if (s) s.bytesReceived = rng.pick([NaN, -1, Infinity, 1e308]);
    },
    () => {
      if (s) s.firstRateLimitedAt = rng.pick([NaN, -5, -Infinity]);
    },
    () => {
      if (s) s.dropped = 2 ** 32 - 1;
    },
    () => {
      if (s?.checks?.[0]) s.checks[0].passes = 2 ** 32 - 1;
    },
    () => {
      if (s?.checks?.[0]) s.checks.push(cloneTree(s.checks[0]));
    },
    () => {
      if (s) (s.checks ??= []).push({ name: 'no such check', passes: 0, fails: 0 });
    },
    () => {
      if (h) h.min = (h.min ?? 0) + rng.pick([-1, 1]);
    },
    () => {
      if (h) h.max = (h.max ?? 0) + rng.pick([-1, 1, 2 ** 31]);
    },
    () => {
      if (h?.counts && h.counts.length > 0)
        h.counts[rng.int(h.counts.length)] = rng.pick([0, 1, -1, 2 ** 31 - 1, -(2 ** 31)]);
    },
    () => {
      if (h?.counts) h.counts.push(rng.pick([1, -1, -100_000]));
    },
    () => {
      if (h) h.config = rng.pick([0, 2, 2 ** 32 - 1]);
    },
    () => {
      if (s) s.latency = cloneTree(rng.pick(hostileHistograms()));
    },
    () => {
      if (s) s.serviceTime = { config: 1, counts: [-5, 1], min: 5, max: 5 };
    },
    () => {
      r.eventLoopP99Ms = rng.pick([NaN, -1, 1e300]);
      r.cpuCores = rng.pick([NaN, Infinity, -0]);
    },
    () => {
      r.startedAt = rng.pick([NaN, -1, 1e300, 1]);
      r.leaseExpiredAt = rng.pick([NaN, 1e300, 0, 1]);
    },
  ];
  for (let i = rng.range(1, 2); i > 0; i--) rng.pick(ops)();
}

/** Applies `f` to the body of the envelope's first field, keeping the outer length honest. */
function inBody(b: Uint8Array, f: (body: Uint8Array) => Uint8Array): Uint8Array {
  if (b.length < 2 || (b[0]! & 7) !== 2 || b[0]! >= 0x80) return f(b);
  let len = 0;
  let shift = 0;
  let i = 1;
  for (; i < b.length && i < 6; i++) {
    len += (b[i]! & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b[i]! & 0x80) === 0) {
      i++;
      break;
    }
  }
  const body = b.subarray(i, i + len);
  if (body.length !== len) return f(b);
  const next = f(body);
  return concat(b.subarray(0, 1), varint(next.length), next, b.subarray(i + len));
}

function bitflip(rng: Prng, b: Uint8Array): Uint8Array {
  const out = b.slice();
  if (out.length === 0) return out;
  for (let n = rng.range(1, 8); n > 0; n--) out[rng.int(out.length)]! ^= 1 << rng.int(8);
  return out;
}

function setByte(rng: Prng, b: Uint8Array): Uint8Array {
  const out = b.slice();
  if (out.length > 0) out[rng.int(out.length)] = rng.pick([0x00, 0xff, 0x7f, 0x80, 0x08, 0x0a, rng.u32() & 0xff]);
  return out;
}

function span(rng: Prng, b: Uint8Array): [number, number] {
  const i = rng.int(b.length + 1);
  return [i, Math.min(b.length, i + rng.range(1, 32))];
}

/** A length-delimited field's length replaced by a lie (0, ±1, double, 2^31, 2^32-1, 2^35). */
function lengthLie(rng: Prng, b: Uint8Array): Uint8Array {
  const candidates: number[] = [];
  for (let i = 0; i < b.length - 1; i++) if ((b[i]! & 7) === 2 && b[i]! >= 8 && b[i]! < 0x80) candidates.push(i);
  if (candidates.length === 0) return concat(b, ld(rng.range(1, 14), rng.bytes(4), rng.pick([5, 1000, 2 ** 31])));
  const i = rng.pick(candidates);
  let j = i + 1;
  let old = 0;
  for (let shift = 0; j < b.length; j++, shift += 7) {
    old += (b[j]! & 0x7f) * 2 ** shift;
    if ((b[j]! & 0x80) === 0) {
      j++;
      break;
    }
  }
  const lie = rng.pick([0, 1, old + 1, Math.max(0, old - 1), old * 2 + 1, 2 ** 31, 2 ** 32 - 1, 2 ** 35, b.length]);
  return concat(b.subarray(0, i + 1), varint(lie), b.subarray(j));
}

/** An unknown (or illegal) field of any wire type, groups nested up to 3000 deep. */
function unknownField(rng: Prng): Uint8Array {
  const field = rng.pick([15, 16, 99, 1000, 19_000, 536_870_911, 0, rng.range(15, 100_000)]);
  const wt = rng.int(8);
  switch (wt) {
    case 0:
      return concat(tag(field, 0), rng.chance(0.3) ? hugeVarint(rng.int(4)) : varint(rng.u32()));
    case 1:
      return concat(tag(field, 1), rng.bytes(8));
    case 2:
      return ld(field, rng.bytes(rng.int(64)));
    case 3:
      return nestedGroups(field, rng.pick([1, 2, 50, 101, 3000]), rng.chance(0.5));
    case 4:
      return tag(field, 4);
    case 5:
      return concat(tag(field, 5), rng.bytes(4));
    default:
      return concat(tag(field, wt), rng.bytes(rng.int(8)));
  }
}

type ByteOp = (rng: Prng, b: Uint8Array, other: () => Uint8Array) => Uint8Array;

const BYTE_OPS: ReadonlyArray<readonly [number, string, ByteOp]> = [
  [12, 'bitflip', bitflip],
  [5, 'set-byte', setByte],
  [6, 'truncate', (rng, b) => b.subarray(0, rng.int(b.length))],
  [4, 'extend', (rng, b) => concat(b, rng.bytes(rng.range(1, 64)))],
  [
    4,
    'insert',
    (rng, b) => {
      const i = rng.int(b.length + 1);
      return concat(b.subarray(0, i), rng.bytes(rng.range(1, 16)), b.subarray(i));
    },
  ],
  [
    4,
    'delete-span',
    (rng, b) => {
      const [i, j] = span(rng, b);
      return concat(b.subarray(0, i), b.subarray(j));
    },
  ],
  [
    5,
    'duplicate-span',
    (rng, b) => {
      const [i, j] = span(rng, b);
      return concat(b.subarray(0, j), b.subarray(i, j), b.subarray(j));
    },
  ],
  [4, 'two-bodies', (_rng, b, other) => concat(b, other())],
  [
    4,
    'huge-varint',
    (rng, b) => {
      const i = rng.int(b.length + 1);
      return concat(b.subarray(0, i), hugeVarint(rng.int(4)), b.subarray(i));
    },
  ],
  [6, 'length-lie', lengthLie],
  [6, 'unknown-field', (rng, b) => (rng.chance(0.5) ? concat(b, unknownField(rng)) : concat(unknownField(rng), b))],
  [3, 'random-bytes', (rng) => rng.bytes(rng.int(300))],
];

export interface FrameMix {
  /** Weights of seed kinds (default: uniform over every kind). */
  kinds?: ReadonlyArray<readonly [number, SeedKind]>;
  run?: RunSeed;
}

function encodeOr(env: EnvelopeShape, fallback: Uint8Array): Uint8Array {
  try {
    return encodeEnvelope(env);
  } catch {
    return fallback;
  }
}

/** One mutated frame from a valid seed of a kind the mix picks. */
export function mutateFrame(rng: Prng, mix: FrameMix = {}): FuzzFrame {
  const kind = mix.kinds ? rng.weighted(mix.kinds) : rng.pick(SEED_KINDS);
  const seed = seedEnvelope(rng, kind, mix.run);
  const base = encodeEnvelope(seed);
  const op = rng.weighted<string>([
    [25, 'struct'],
    [kind === 'report' ? 15 : 0, 'nudge'],
    [60, 'bytes'],
    [3, 'valid'],
    [0.5, 'empty'],
    [0.5, 'text'],
    [1.5, 'fragmented'],
  ]);
  const frame = (o: string, data: Uint8Array | string, fragments = 1): FuzzFrame => ({ op: o, kind, data, fragments });
  switch (op) {
    case 'struct': {
      const env = cloneTree(seed) as unknown as Record<string, unknown>;
      mutateTree(rng, env, frameValue);
      return frame('struct', encodeOr(env as EnvelopeShape, bitflip(rng, base)));
    }
    case 'nudge': {
      const env = cloneTree(seed);
      nudgeReport(rng, env);
      return frame('nudge', encodeOr(env, base));
    }
    case 'valid':
      return frame('valid', base);
    case 'empty':
      return frame('empty', new Uint8Array(0));
    case 'text':
      return frame('text', rng.chance(0.5) ? Buffer.from(base).toString('latin1') : '{"hello":{}}');
    case 'fragmented':
      return frame(
        'fragmented',
        rng.chance(0.5) ? base : bitflip(rng, base),
        rng.range(2, Math.max(2, Math.min(8, base.length))),
      );
    default: {
      const [, name, f] = rng.weighted(BYTE_OPS.map(([w, n, g]) => [w, [w, n, g] as const] as const));
      const other = () => encodeEnvelope(seedEnvelope(rng, rng.pick(SEED_KINDS), mix.run));
      const data = rng.chance(0.5) ? inBody(base, (body) => f(rng, body, other)) : f(rng, base, other);
      return frame(name, data);
    }
  }
}

/**
 * Frames every fuzz run sends once, whatever the seed: past the 4 MiB limit in one frame
 * and in fragments, a flood of tiny fragments, a valid frame in fragments, text, empty.
 */
export function specialFrames(rng: Prng): FuzzFrame[] {
  const valid = encodeEnvelope(seedEnvelope(rng, 'status'));
  const big = new Uint8Array(MAX_FRAME_BYTES + 1);
  big.set(encodeEnvelope(seedEnvelope(rng, 'hello')).subarray(0, 2));
  return [
    { op: 'text', kind: 'special', data: 'not a binary frame', fragments: 1 },
    { op: 'empty', kind: 'special', data: new Uint8Array(0), fragments: 1 },
    { op: 'fragmented', kind: 'status', data: valid, fragments: Math.min(valid.length, 5) },
    { op: 'oversize', kind: 'special', data: big, fragments: 1, wsClose: 1009 },
    { op: 'oversize-fragmented', kind: 'special', data: new Uint8Array(5 * 1024 * 1024), fragments: 5, wsClose: 1009 },
    { op: 'fragment-flood', kind: 'special', data: new Uint8Array(20_000), fragments: 20_000, wsClose: 1008 },
  ];
}
