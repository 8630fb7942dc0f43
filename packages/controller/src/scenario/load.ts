// Loading scenarios: a built-in name or a YAML/JSON file, bounded in size and
// YAML aliases, schema-validated with every error and its path, then checked
// for what a schema cannot say (unique names, references, variables).
import { readFileSync, statSync, existsSync, readdirSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ControllerErrors } from '../errors.ts';
import { parseDuration } from '../units.ts';
import { DEFAULTS, scenarioSchema, type RequestInput, type ScenarioInput } from './schema.ts';
import type { RequestDef, Scenario, SetupStep } from './scenario.ts';

const MAX_SCENARIO_BYTES = 1024 * 1024;
const BUILTIN_DIR = new URL('../../scenarios/', import.meta.url);

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validate = ajv.compile<ScenarioInput>(scenarioSchema);

/** Built-in scenario names, from the files shipped in scenarios/. */
export function builtinScenarios(): string[] {
  return readdirSync(BUILTIN_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
}

/** Resolves NAME|FILE to a validated scenario. Throws coded SCENARIO_* errors. */
export function loadScenario(ref: string): Scenario {
  const builtin = /^[a-z0-9-]+$/.test(ref) ? new URL(`${ref}.yaml`, BUILTIN_DIR) : undefined;
  const file = builtin && existsSync(builtin) ? builtin : ref;
  if (!existsSync(file)) throw new ControllerErrors.SCENARIO_NOT_FOUND(`${ref} (built-in: ${builtinScenarios().join(', ')})`);
  if (statSync(file).size > MAX_SCENARIO_BYTES) throw new ControllerErrors.SCENARIO_PARSE(ref, `larger than ${MAX_SCENARIO_BYTES} bytes`);
  const text = readFileSync(file, 'utf8');
  return parseScenario(text, String(ref));
}

/** Parses YAML or JSON text (JSON is YAML) and validates it. */
export function parseScenario(text: string, label = 'scenario'): Scenario {
  if (Buffer.byteLength(text) > MAX_SCENARIO_BYTES) throw new ControllerErrors.SCENARIO_PARSE(label, `larger than ${MAX_SCENARIO_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 50, uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    throw new ControllerErrors.SCENARIO_PARSE(label, (err as Error).message.split('\n')[0]!);
  }
  return validateScenario(doc);
}

// Combinator failures (anyOf/not) read as riddles in ajv's words; say what is meant.
const COMBINATOR_MESSAGES: Array<[RegExp, string]> = [
  [/\/(requests|setup)\/items\/allOf\/0\/anyOf/, 'give url or path'],
  [/\/(requests|setup)\/items\/allOf\/0\/not$/, 'give url or path, not both'],
  [/\/(requests|setup)\/items\/allOf\/1\/not$/, 'give json or body, not both'],
  [/\/scenarios\/items\/allOf\/0\/then\/not$/, 'constant-vus takes duration, not iterations'],
  [/\/scenarios\/items\/allOf\/1\/then\/not$/, 'shared-iterations takes iterations (and maxDuration), not duration'],
];

function describe(e: ErrorObject): string {
  for (const [re, text] of COMBINATOR_MESSAGES) if (re.test(e.schemaPath)) return `${e.instancePath}: ${text}`;
  if (e.keyword === 'additionalProperties') return `${e.instancePath}/${String(e.params.additionalProperty)}: unknown property`;
  if (e.keyword === 'required') return `${e.instancePath}/${String(e.params.missingProperty)}: is required`;
  return `${e.instancePath || '/'}: ${e.message ?? e.keyword}`;
}

/** Every violation, one per line, sorted by path; `if`/`anyOf` wrappers dropped as noise. */
export function schemaErrors(doc: unknown): string[] {
  if (validate(doc)) return [];
  const lines = (validate.errors ?? []).filter((e) => e.keyword !== 'if').map(describe);
  return [...new Set(lines)].sort();
}

export function validateScenario(doc: unknown): Scenario {
  const errors = schemaErrors(doc);
  if (errors.length > 0) throw new ControllerErrors.SCENARIO_INVALID(errors.join('\n'));
  const input = doc as ScenarioInput;
  const problems: string[] = [];
  const requests = input.requests.map((r, i) => normalizeRequest(r, input, `/requests/${i}`, problems));
  const setup = (input.setup ?? []).map((r, i): SetupStep => ({ ...normalizeRequest(r, input, `/setup/${i}`, problems), capture: r.capture ?? {} }));
  const known = new Set<string>();
  requests.forEach((r, i) => {
    if (known.has(r.name)) problems.push(`/requests/${i}/name: duplicate request name ${r.name}`);
    known.add(r.name);
  });
  const vars = new Set(setup.flatMap((s) => Object.keys(s.capture)));
  const checkVars = (text: string | undefined, path: string) => {
    for (const m of (text ?? '').matchAll(/\$\{([^}]*)\}/g)) {
      if (!vars.has(m[1]!)) problems.push(`${path}: variable \${${m[1]}} is not captured by any setup step`);
    }
  };
  input.requests.forEach((r, i) => {
    checkVars(r.url ?? r.path, `/requests/${i}/${r.url ? 'url' : 'path'}`);
    for (const [h, v] of Object.entries({ ...input.defaults?.headers, ...r.headers })) checkVars(v, `/requests/${i}/headers/${h}`);
    checkVars(requests[i]!.body, `/requests/${i}/${r.json !== undefined ? 'json' : 'body'}`);
  });
  const scenarioNames = new Set<string>();
  const scenarios = input.scenarios.map((s, i) => {
    if (scenarioNames.has(s.name)) problems.push(`/scenarios/${i}/name: duplicate scenario name ${s.name}`);
    scenarioNames.add(s.name);
    (s.requests ?? []).forEach((n, j) => { if (!known.has(n)) problems.push(`/scenarios/${i}/requests/${j}: no request named ${n}`); });
    return {
      name: s.name, executor: s.executor, vus: s.vus, iterations: s.iterations,
      durationMs: parseDuration(s.duration ?? s.maxDuration ?? DEFAULTS.maxDuration),
      startTimeMs: parseDuration(s.startTime ?? DEFAULTS.startTime),
      gracefulStopMs: parseDuration(s.gracefulStop ?? DEFAULTS.gracefulStop),
      requests: s.requests ?? requests.map((r) => r.name),
    };
  });
  if (problems.length > 0) throw new ControllerErrors.SCENARIO_INVALID(problems.sort().join('\n'));
  return deepFreeze({
    name: input.name, description: input.description ?? '', baseUrl: input.baseUrl,
    setup, requests, scenarios, source: structuredClone(input),
  });
}

function normalizeRequest(r: RequestInput, input: ScenarioInput, path: string, problems: string[]): RequestDef {
  if (r.path !== undefined && input.baseUrl === undefined) problems.push(`${path}/path: a path needs baseUrl (or --target)`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...input.defaults?.headers, ...r.headers })) headers[k.toLowerCase()] = v;
  let body: string | undefined;
  let contentType: string | undefined;
  if (r.json !== undefined) { body = JSON.stringify(r.json); contentType = 'application/json'; }
  else if (r.body !== undefined) { body = r.body; contentType = 'text/plain; charset=utf-8'; }
  if (contentType !== undefined && headers['content-type'] === undefined) headers['content-type'] = contentType;
  return {
    name: r.name, method: r.method ?? DEFAULTS.method, url: r.url, path: r.path, headers,
    query: Object.fromEntries(Object.entries(r.query ?? {}).map(([k, v]) => [k, String(v)])),
    body, contentType,
    timeoutMs: parseDuration(r.timeout ?? input.defaults?.timeout ?? DEFAULTS.timeout),
    expect: r.expect ?? [], weight: r.weight ?? DEFAULTS.weight,
  };
}

/**
 * A request's final URL against the run's base URL (which --target may have replaced).
 * Built as text, not with URL, so ${variables} reach the agent unencoded.
 */
export function requestUrl(r: RequestDef, baseUrl: string | undefined): string {
  let url = r.url ?? baseUrl!.replace(/\/$/, '') + r.path!;
  const query = new URLSearchParams(r.query).toString();
  if (query) url += (url.includes('?') ? '&' : '?') + query;
  return url;
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
