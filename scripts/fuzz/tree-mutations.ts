// Structure-aware mutation of plain object trees, shared by the frame fuzzer
// (protobuf messages as objects, then encoded: valid protobuf carrying absurd
// values) and the scenario fuzzer (JSON documents): pick one node, replace it
// with something hostile of a related or an unrelated type.
import type { Prng } from './prng.ts';

type Node = unknown;
interface Slot {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
  value: Node;
  depth: number;
}

/** Numbers that break arithmetic, bounds and encoders. */
export const HOSTILE_NUMBERS: readonly number[] = [
  0,
  -0,
  1,
  -1,
  0.5,
  -0.5,
  2,
  3,
  100,
  429,
  999,
  1000,
  65_535,
  65_536,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e15,
  1e21,
  1e300,
  -1e300,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.EPSILON,
  NaN,
  Infinity,
  -Infinity,
  3_600_000_000,
  3_600_000_001,
  1_700_000_000_000,
  1e-9,
];

/** Strings that break validators, parsers and logs. */
export function hostileString(rng: Prng): string {
  return rng.weighted<() => string>([
    [3, () => ''],
    [2, () => 'x'.repeat(rng.pick([63, 64, 65, 100, 101, 128, 129, 255, 256, 1000, 8193, 70_000]))],
    [2, () => String.fromCharCode(...Array.from({ length: rng.range(1, 40) }, () => rng.int(0x20)))],
    [2, () => '\u0000\uffff\ud800\udfff\u202e\u2028'],
    [2, () => '${env:HOME}'],
    [2, () => '${' + 'a'.repeat(rng.range(1, 50))],
    [2, () => '__proto__'],
    [1, () => 'constructor'],
    [2, () => '../../../../etc/passwd'],
    [2, () => 'http://127.0.0.1:9/' + 'a'.repeat(rng.int(100))],
    [2, () => '$' + '.a'.repeat(rng.range(1, 5000))],
    [2, () => '('.repeat(rng.range(1, 3000)) + 'p(95)<1' + ')'.repeat(rng.range(0, 3000))],
    [
      2,
      () =>
        `${rng.pick(['1', '99999999999999999999', '-5', '0', '1.5', 'NaN', ''])}${rng.pick(['h', 'ms', 's', 'm', 'd', 'GB', 'KB', 'xx', ''])}`,
    ],
    [1, () => 'a-1'],
    [1, () => 'all'],
    [1, () => 'é'.repeat(rng.range(1, 200))],
    [1, () => String(rng.pick(HOSTILE_NUMBERS))],
  ])();
}

/** A replacement value for `old`: usually of the same kind, sometimes of any kind. */
export type ValueMaker = (rng: Prng, old: Node, depth: number) => Node;

export const hostileValue: ValueMaker = (rng, old, depth) => {
  const sameKind = rng.chance(0.7);
  if (sameKind && typeof old === 'number')
    return rng.chance(0.8) ? rng.pick(HOSTILE_NUMBERS) : old + rng.pick([-1, 1, -2, 2, 1000, -1000]);
  if (sameKind && typeof old === 'string') return rng.chance(0.8) ? hostileString(rng) : old + old;
  if (sameKind && typeof old === 'boolean') return !old;
  return rng.weighted<() => Node>([
    [2, () => rng.pick(HOSTILE_NUMBERS)],
    [2, () => hostileString(rng)],
    [1, () => rng.chance(0.5)],
    [1, () => null],
    [1, () => []],
    [1, () => ({})],
    [1, () => Array.from({ length: rng.range(0, 20) }, () => rng.pick(HOSTILE_NUMBERS))],
    [1, () => deepNest(rng.range(2, depth < 8 ? 200 : 20))],
  ])();
};

/** [[[...1...]]]: nested arrays `depth` deep, built iteratively. */
export function deepNest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** Every node of the tree, with its parent (typed arrays are leaves). */
function slots(root: Record<string, unknown>): Slot[] {
  const out: Slot[] = [];
  const stack: Slot[] = Object.entries(root).map(([k, v]) => ({ parent: root, key: k, value: v, depth: 1 }));
  while (stack.length > 0 && out.length < 5000) {
    const s = stack.pop()!;
    out.push(s);
    const v = s.value;
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) continue;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push({ parent: v, key: i, value: x, depth: s.depth + 1 }));
    else
      for (const [k, x] of Object.entries(v))
        stack.push({ parent: v as Record<string, unknown>, key: k, value: x, depth: s.depth + 1 });
  }
  return out;
}

/** A deep copy of a JSON-ish tree (typed arrays copied too). */
export function cloneTree<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return new Uint8Array(v) as T;
  if (Array.isArray(v)) return v.map(cloneTree) as T;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = cloneTree(x);
  return out as T;
}

/** Sets an own, enumerable key, even "__proto__" (as a JSON or YAML parser would produce it). */
function own(o: Record<string, unknown>, key: string, value: Node): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function set(s: Slot, value: Node): void {
  (s.parent as Record<string | number, unknown>)[s.key] = value;
}

/**
 * Applies 1..n mutations in place: replace a node, delete it, duplicate or blow up an array,
 * add an unknown key, or swap two nodes. `make` chooses replacement values.
 */
export function mutateTree(
  rng: Prng,
  root: Record<string, unknown>,
  make: ValueMaker = hostileValue,
  rounds = rng.range(1, 3),
): void {
  for (let r = 0; r < rounds; r++) {
    const all = slots(root);
    if (all.length === 0) {
      own(root, hostileString(rng) || 'k', make(rng, undefined, 1));
      continue;
    }
    const s = rng.pick(all);
    const op = rng.weighted<string>([
      [8, 'replace'],
      [2, 'delete'],
      [2, 'array'],
      [1, 'add-key'],
      [1, 'swap'],
      [1, 'rename'],
    ]);
    if (op === 'replace') set(s, make(rng, s.value, s.depth));
    else if (op === 'delete') {
      if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
      else delete s.parent[s.key as string];
    } else if (op === 'array') {
      const arr = Array.isArray(s.value) ? s.value : Array.isArray(s.parent) ? s.parent : undefined;
      if (arr === undefined || arr.length === 0) {
        set(s, [s.value, s.value]);
        continue;
      }
      const item = arr[rng.int(arr.length)];
      const copies = rng.pick([1, 2, 10, 100, 1000]);
      if (rng.chance(0.2)) arr.length = 0;
      else for (let i = 0; i < copies; i++) arr.push(cloneTree(item));
    } else if (op === 'add-key') {
      const target =
        s.value !== null && typeof s.value === 'object' && !Array.isArray(s.value) && !ArrayBuffer.isView(s.value)
          ? (s.value as Record<string, unknown>)
          : root;
      own(
        target,
        rng.pick(['extra', '__proto__', 'constructor', 'toString', hostileString(rng) || 'k']),
        make(rng, undefined, s.depth),
      );
    } else if (op === 'swap') {
      const t = rng.pick(all);
      set(s, cloneTree(t.value));
    } else if (!Array.isArray(s.parent)) {
      delete s.parent[s.key as string];
      own(s.parent, hostileString(rng) || 'renamed', s.value);
    }
  }
}
