// Generated values in templates: ${vu}, ${iteration}, ${seq}, ${uuid},
// ${randomInt(a,b)}, ${randomString(n)}, ${now}, ${nowMs}. The controller
// checks every reference (generatorProblem); the agent computes a value when a
// request is formed (generatedValue). Indexes come from global-index.ts, so
// ${vu}, ${iteration} and ${seq} are cluster-wide. With a seed, random values
// are drawn from (seed, global iteration, step, occurrence): a run plan gives the
// same values whatever the agent count; without one they are Math.random's.
import { randomUUID } from 'node:crypto';
import { didYouMean } from './closest-name.ts';
import type { Draw } from './seeded-random.ts';

export const GENERATORS = ['vu', 'iteration', 'seq', 'uuid', 'randomInt', 'randomString', 'now', 'nowMs'] as const;
export type GeneratorName = (typeof GENERATORS)[number];

/** The longest ${randomString(n)}; the widest ${randomInt(a,b)} range (b − a). */
export const MAX_RANDOM_STRING = 1024;
export const MAX_RANDOM_INT_RANGE = 2 ** 32;

const ARGS: Record<GeneratorName, number> = {
  vu: 0,
  iteration: 0,
  seq: 0,
  uuid: 0,
  randomInt: 2,
  randomString: 1,
  now: 0,
  nowMs: 0,
};

export interface Generator {
  name: GeneratorName;
  args: number[];
}

const CALL = /^([A-Za-z_][A-Za-z0-9_]*)(?:\(([^()]*)\))?$/;

/** The generator `ref` calls (`randomInt(1,10)`), or undefined when it names none (a variable). */
export function parseGenerator(ref: string): Generator | undefined {
  const m = CALL.exec(ref);
  if (!m || !(GENERATORS as readonly string[]).includes(m[1]!)) return undefined;
  const args = m[2] === undefined || m[2].trim() === '' ? [] : m[2].split(',').map((a) => Number(a.trim()));
  return { name: m[1] as GeneratorName, args };
}

/** Whether `ref` is written as a call (`name(...)`): then it can only be a generator. */
export const isCall = (ref: string): boolean => ref.includes('(');

/** Why `ref` is not a usable generator reference, or undefined when it is fine (or a plain variable name). */
export function generatorProblem(ref: string): string | undefined {
  const m = CALL.exec(ref);
  if (!m) return `\${${ref}} is not a variable or a generator call like \${randomInt(1,10)}`;
  const g = parseGenerator(ref);
  if (g === undefined) {
    if (m[2] === undefined) return undefined;
    return `\${${ref}}: there is no generator ${m[1]}${didYouMean(m[1]!, GENERATORS)}; generators: ${GENERATORS.join(', ')}`;
  }
  const want = ARGS[g.name];
  if (g.args.length !== want || (want === 0 && m[2] !== undefined))
    return want === 0
      ? `\${${ref}}: ${g.name} takes no arguments (write \${${g.name}})`
      : `\${${ref}}: ${g.name} takes ${want === 2 ? 'two whole numbers, like randomInt(1,100)' : 'one whole number, like randomString(16)'}`;
  if (g.args.some((a) => !Number.isSafeInteger(a))) return `\${${ref}}: arguments must be whole numbers`;
  if (g.name === 'randomInt' && !(g.args[0]! <= g.args[1]! && g.args[1]! - g.args[0]! <= MAX_RANDOM_INT_RANGE))
    return `\${${ref}}: randomInt(a,b) needs a <= b and b - a <= ${MAX_RANDOM_INT_RANGE}`;
  if (g.name === 'randomString' && !(g.args[0]! >= 1 && g.args[0]! <= MAX_RANDOM_STRING))
    return `\${${ref}}: randomString(n) needs 1 <= n <= ${MAX_RANDOM_STRING}`;
  return undefined;
}

/** What a request knows when it is formed. */
export interface GeneratorInput {
  /** Global VU index, 0-based (${vu} shows it 1-based, as k6's __VU). */
  vu: number;
  /** Global iteration or arrival index, 0-based (as k6's __ITER). */
  iteration: number;
  /** Cluster-unique number of this request (seqOf). */
  seq: number;
  /** Run clock, ms since the epoch. */
  nowMs: number;
  /** Numbers in [0, 1) for random values: seeded and keyed, or Math.random. */
  draw: Draw;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The value of a checked generator reference. */
export function generatedValue(g: Generator, x: GeneratorInput): string {
  switch (g.name) {
    case 'vu':
      return String(x.vu + 1);
    case 'iteration':
      return String(x.iteration);
    case 'seq':
      return String(x.seq);
    case 'uuid':
      return randomUUID();
    case 'randomInt': {
      const [a, b] = g.args as [number, number];
      return String(a + Math.floor(x.draw() * (b - a + 1)));
    }
    case 'randomString': {
      let s = '';
      for (let i = 0; i < g.args[0]!; i++) s += ALPHABET[Math.floor(x.draw() * ALPHABET.length)];
      return s;
    }
    case 'now':
      return new Date(x.nowMs).toISOString();
    case 'nowMs':
      return String(Math.floor(x.nowMs));
  }
}

/**
 * ${seq}: request `step` of global iteration `iteration` of scenario `scenario`
 * (of `scenarios`), in entries of at most `maxSteps` steps. Distinct for every
 * request of the run, on every agent and worker, computed without talking.
 */
export function seqOf(iteration: number, step: number, maxSteps: number, scenario: number, scenarios: number): number {
  return (iteration * maxSteps + step) * scenarios + scenario;
}
