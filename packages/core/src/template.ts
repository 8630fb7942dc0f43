// ${...} variables in request templates. Three kinds: run variables (setup
// captures, `vars:`), environment references (${env:NAME}, ${env:NAME:-default},
// resolved by the controller and sent as run variables), and flow variables
// captured by an earlier step of the same iteration. Run variables are filled
// in once, when the plan arrives; flow variables when the request fires.
// Compiling splits the text once, so a value is never scanned for ${...} again.
// A filter encodes a value for where it lands: ${name|uri} percent-encodes it
// (query values), ${name|json} escapes it for a JSON string (json bodies); the
// controller adds these where the scenario puts a variable in such a place.
// Generators (${seq}, ${randomInt(1,10)}: value-generators.ts) and data
// columns (${users.username}: data-reference.ts) are kept like flow variables
// and filled per request, unless a run variable has that name.
export const VARIABLE =
  /\$\{(env:[A-Za-z_][A-Za-z0-9_]*(?::-[^}|]*)?|[A-Za-z_][A-Za-z0-9_]*(?:\([^(){}|]*\)|\.[A-Za-z_][A-Za-z0-9_]*)?)(?:\|(uri|json))?\}/g;

import { parseGenerator } from './value-generators.ts';

export type Filter = 'uri' | 'json';

const FILTERS: Record<Filter, (v: string) => string> = {
  uri: (v) => encodeURIComponent(v.toWellFormed()),
  json: (v) => JSON.stringify(v).slice(1, -1),
};

const apply = (v: string, f: Filter | undefined) => (f === undefined ? v : FILTERS[f](v));

/** Literal text and flow variables (with their filter), alternating; a string when no flow variable is left. */
export type Template = string | ReadonlyArray<string | { v: string; f?: Filter }>;

/** Every variable referenced in `text` (names, without filters), in order of appearance. */
export function variablesIn(text: string): string[] {
  return [...text.matchAll(VARIABLE)].map((m) => m[1]!);
}

/**
 * Fills run variables; keeps flow variables for render(). Throws with the variable's
 * name when it is neither (never with a value: values may be secrets).
 */
export function compileTemplate(text: string, run: ReadonlyMap<string, string>, flow: ReadonlySet<string>): Template {
  const parts: Array<string | { v: string; f?: Filter }> = [];
  let literal = '';
  let last = 0;
  for (const m of text.matchAll(VARIABLE)) {
    literal += text.slice(last, m.index);
    last = m.index + m[0].length;
    const name = m[1]!;
    const filter = m[2] as Filter | undefined;
    const value = run.get(name);
    if (value !== undefined) {
      literal += apply(value, filter);
      continue;
    }
    if (!flow.has(name) && parseGenerator(name) === undefined) throw new UnknownVariableError(name);
    parts.push(literal, filter === undefined ? { v: name } : { v: name, f: filter });
    literal = '';
  }
  literal += text.slice(last);
  if (parts.length === 0) return literal;
  parts.push(literal);
  return parts;
}

export class UnknownVariableError extends Error {
  readonly variable: string;
  constructor(variable: string) {
    super(`variable \${${variable}} is not defined`);
    this.variable = variable;
  }
}

/** Where render() looks flow variables and generators up (a Map, or an iteration's scope). */
export interface TemplateScope {
  get(name: string): string | undefined;
}

/** The text with flow variables from `scope`; undefined when one of them was not captured. */
export function render(t: Template, scope: TemplateScope | null): string | undefined {
  if (typeof t === 'string') return t;
  let out = '';
  for (const p of t) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    const v = scope?.get(p.v);
    if (v === undefined) return undefined;
    out += apply(v, p.f);
  }
  return out;
}
