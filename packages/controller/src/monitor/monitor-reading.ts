// How a monitor reads its number out of an answer: a Prometheus selector or a
// JSON path, once every ${env:…} in it is resolved. A read that finds nothing
// throws a PollFailure whose message is the short reason the summary counts
// ("metric x missing"); explainMissing() says more for the first poll: what
// the endpoint does offer, and the name most likely meant. Pure.
import { parseJsonPath } from '@barrage/core';
import { byLikeness, likelyMeant, offeredMetrics } from './metric-names.ts';
import { parseSelector, readPrometheus, type Selector } from './prometheus-text.ts';

export type Reading =
  | { kind: 'prometheus'; text: string; selector: Selector }
  | { kind: 'json'; text: string; keys: Array<string | number> };

/** A poll that gave no sample; the message is its reason, short and stable enough to count. */
export class PollFailure extends Error {}

/** Parses a metric selector or JSON path (no ${…} left in it); throws with what is wrong. */
export function parseReading(kind: Reading['kind'], text: string): Reading {
  return kind === 'prometheus'
    ? { kind, text, selector: parseSelector(text) }
    : { kind, text, keys: parseJsonPath(text) };
}

/** The number `r` reads from an answer's body; PollFailure when it holds none. */
export function readValue(r: Reading, body: string): number {
  let value: number | undefined;
  if (r.kind === 'prometheus') {
    value = readPrometheus(body, r.selector);
    if (value === undefined) throw new PollFailure(`metric ${r.text} missing`);
  } else {
    const found = walk(parseJson(body), r.keys);
    if (found.missingAt !== undefined) throw new PollFailure(`JSON path ${r.text} matches nothing`);
    value = toNumber(found.value);
    if (value === undefined) throw new PollFailure(`no number at ${r.text}`);
  }
  if (!Number.isFinite(value)) throw new PollFailure(`${r.text} is not a finite number`);
  return value;
}

const LISTED = 20;

/** Why `r` finds nothing in `body`, with what the body offers instead (for the first poll's error or note). */
export function explainMissing(r: Reading, body: string): string {
  if (r.kind === 'prometheus') {
    const offered = offeredMetrics(body);
    const name = r.selector.name;
    if (offered.includes(name))
      return `metric ${name} has no sample with ${JSON.stringify(r.selector.labels)}: ${labelSets(body, name)}`;
    const meant = likelyMeant(name, offered);
    const listed = byLikeness(name, offered).slice(0, LISTED);
    return `metric ${name} missing${meant === undefined ? '' : `; did you mean ${meant}?`} The endpoint offers ${offered.length} metric(s)${offered.length > LISTED ? `, most alike first: ${listed.join(', ')} …` : `: ${listed.join(', ') || 'none'}`}`;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return 'the answer is not JSON';
  }
  const found = walk(doc, r.keys);
  if (found.missingAt === undefined)
    return `no number at ${r.text} (found ${JSON.stringify(found.value)?.slice(0, 80)})`;
  const at = found.missingAt;
  const keys = found.value !== null && typeof found.value === 'object' ? Object.keys(found.value).slice(0, LISTED) : [];
  const where = at === 0 ? 'the top level' : `$${r.keys.slice(0, at).map(step).join('')}`;
  const meant = typeof r.keys[at] === 'string' ? likelyMeant(String(r.keys[at]), keys) : undefined;
  return `JSON path ${r.text} matches nothing: ${where} has no ${JSON.stringify(r.keys[at])}${meant === undefined ? '' : ` (did you mean ${meant}?)`}${keys.length > 0 ? `; its keys: ${keys.join(', ')}` : ''}`;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new PollFailure('the answer is not JSON');
  }
}

/** Follows the keys; where one is missing, its index and the value it was looked for in. */
function walk(doc: unknown, keys: ReadonlyArray<string | number>): { value: unknown; missingAt?: number } {
  let cur = doc;
  for (let i = 0; i < keys.length; i++) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, keys[i]!)) return { value: cur, missingAt: i };
    cur = (cur as Record<string | number, unknown>)[keys[i]!];
  }
  return { value: cur };
}

const step = (k: string | number) =>
  typeof k === 'number' ? `[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `['${k}']`;

function labelSets(body: string, name: string): string {
  const sets = body
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(`${name}{`))
    .map((l) => l.slice(name.length, l.indexOf('}') + 1));
  return sets.length === 0 ? 'its samples carry no labels' : `its label sets: ${sets.slice(0, LISTED).join(', ')}`;
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}
