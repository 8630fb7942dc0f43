// Schema validation of a scenario document, and its errors made readable: every
// violation with its path, in words with what to write instead (no regexes, a
// did-you-mean for unknown keys and names), combinator riddles said plainly. Also the shape check
// that runs before anything recurses into an untrusted document.

import { didYouMean } from '@barrage/core';
import { Ajv, type ErrorObject } from 'ajv';
import type { ScenarioInput } from './input.ts';
import { scenarioSchema } from './schema.ts';
import { EXECUTOR_KEYS, EXECUTORS } from './schema-models.ts';
import { patternProblem, typeExample } from './schema-words.ts';

// verbose: each error carries the value written and its schema, to say what was wrong with it.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true });
const validate = ajv.compile<ScenarioInput>(scenarioSchema);

// Combinator failures (anyOf/not) read as riddles in ajv's words; say what is meant.
const COMBINATOR_MESSAGES: Array<[RegExp, string]> = [
  [/\/(requests|setup)\/items\/allOf\/0\/anyOf/, 'give url or path'],
  [/\/(requests|setup)\/items\/allOf\/0\/not$/, 'give url or path, not both'],
  [/\/requests\/items\/allOf\/1\/not$/, 'give one body: json, body, form, bodyFile or multipart'],
  [/\/setup\/items\/allOf\/1\/not$/, 'give one body: json, body or form'],
  [/\/checks\/items\/anyOf/, 'a check needs header or json'],
  [/\/scenarios\/items\/properties\/connections\/oneOf/, 'give a count of connections (1 to 100000) or perVU'],
  [/\/checks\/items\/not$/, 'a check takes header, or json (with equals), not both'],
  [/\/capture\/additionalProperties\/anyOf/, 'a capture is a JSON path ($.a.b), { json: $.a.b } or { header: Name }'],
  [/\/monitors\/items\/allOf\/0\/anyOf/, 'give url or path'],
  [/\/monitors\/items\/allOf\/0\/not$/, 'give url or path, not both'],
  [/\/monitors\/items\/allOf\/1\/anyOf/, 'give json (a JSON path) or prometheus (a metric)'],
  [/\/monitors\/items\/allOf\/1\/not$/, 'give json or prometheus, not both'],
  [
    /\/thresholds\/items\/anyOf$/,
    'a threshold is an expression (p(95)<500ms) or { expr, request, abortOnFail, delay }',
  ],
];

/** A value as it was written, for a message: strings quoted, long ones cut. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const isStatus = (s: Record<string, unknown>) => s.type === 'integer' && s.minimum === 100 && s.maximum === 599;

/** One violation in words: what is wrong with the value written and what to write instead, after its path. */
function describe(e: ErrorObject): string {
  for (const [re, text] of COMBINATOR_MESSAGES) if (re.test(e.schemaPath)) return `${e.instancePath}: ${text}`;
  const rule = /\/scenarios\/items\/allOf\/(\d+)\/then\/properties\/([^/]+)\/false schema$/.exec(e.schemaPath);
  if (rule) {
    const executor = EXECUTORS[Number(rule[1])]!;
    return `${e.instancePath}: not used by executor ${executor}, which takes ${EXECUTOR_KEYS[executor].flat().join(', ')}`;
  }
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const path = e.instancePath || '/';
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const known = Object.keys((parent.properties ?? {}) as object).filter((k) => k !== '$schema');
      const hint = didYouMean(key, known) || (known.length > 0 ? `; known here: ${known.join(', ')}` : '');
      return `${e.instancePath}/${key}: unknown property${hint}`;
    }
    case 'required':
      return `${e.instancePath}/${String(e.params.missingProperty)}: is required`;
    case 'pattern': {
      // A key that fails propertyNames is reported at the object; the key itself is the value.
      const key = (e as { propertyName?: string }).propertyName;
      const words = patternProblem(String(e.params.pattern), key ?? e.data);
      if (words) return `${key === undefined ? path : `${e.instancePath}/${key}`}: ${words}`;
      return `${path}: ${shown(e.data)} is not valid here${parent.description ? `: ${parent.description}` : ''}`;
    }
    case 'enum': {
      // Deduplicated: `http` takes 2 and "2" alike.
      const allowed = [...new Set((e.params.allowedValues as unknown[]).map(String))];
      return `${path}: ${shown(e.data)} is not one of ${allowed.join(', ')}${didYouMean(String(e.data), allowed)}`;
    }
    case 'type': {
      if (isStatus(parent))
        return `${path}: ${shown(e.data)} is not a status code; list each code, e.g. [200, 201, 204]`;
      const type = String(e.params.type);
      const example = typeExample(e.instancePath);
      const article = /^[aeiou]/.test(type) ? 'an' : 'a';
      return `${path}: must be ${article} ${type}, got ${shown(e.data)}${example ? `; write ${example}` : ''}`;
    }
    case 'minimum':
    case 'maximum':
      if (isStatus(parent)) return `${path}: ${shown(e.data)} is not an HTTP status; use 100 to 599`;
      return `${path}: ${e.message ?? e.keyword}, got ${shown(e.data)}`;
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${path}: ${e.message ?? e.keyword}, got ${shown(e.data)}`;
    default:
      return `${path}: ${e.message ?? e.keyword}`;
  }
}

/** Errors from inside a capture's anyOf alternatives are noise once the anyOf itself is reported. */
const NOISE = /\/(capture\/additionalProperties|thresholds\/items)\/anyOf\/\d+\//;

/** Every violation, one per line, sorted by path; `if`/`anyOf` wrappers dropped as noise. */
export function schemaErrors(doc: unknown): string[] {
  if (validate(doc)) return [];
  const lines = (validate.errors ?? [])
    .filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames' && !NOISE.test(e.schemaPath))
    .map(describe);
  return [...new Set(lines)].sort();
}

/** Deeper than any scenario needs; refused before anything recurses into the document. */
const MAX_DEPTH = 64;

/** The first path nested past MAX_DEPTH, or holding a value JSON has not (a YAML !!binary): walked without recursion. */
export function unsafeShape(doc: unknown): string | undefined {
  const stack: Array<[unknown, string, number]> = [[doc, '', 0]];
  while (stack.length > 0) {
    const [v, path, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (ArrayBuffer.isView(v) || v instanceof Date || v instanceof Map || v instanceof Set)
      return `${path || '/'}: not a JSON value`;
    if (depth >= MAX_DEPTH) return `${path}: nested deeper than ${MAX_DEPTH} levels`;
    for (const [k, x] of Object.entries(v)) stack.push([x, `${path}/${k}`, depth + 1]);
  }
  return undefined;
}
