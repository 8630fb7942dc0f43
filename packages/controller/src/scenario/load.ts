// Loading scenarios: a built-in name or a YAML/JSON file, bounded in size and
// YAML aliases, schema-validated with every error and its path, then checked
// for what a schema cannot say (unique names, references, variables, flows),
// and normalised.
import { readFileSync, statSync, existsSync, readdirSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ArrivalSchedule, LOAD_MODELS, FORBIDDEN_HEADERS, isSendableHeaderValue, parseJsonPath, VARIABLE, variablesIn } from '@barrage/core';
import { ControllerErrors } from '../errors.ts';
import { parseSelector, type Selector } from '../monitor/prometheus-text.ts';
import { liveProblem, parseThreshold, RESERVED_NAMES } from './thresholds.ts';
import { parseDuration, parseSize } from './units.ts';
import { DEFAULTS, EXECUTORS, scenarioSchema, type RequestInput, type ScenarioInput, type ScenarioModelInput } from './schema.ts';
import type { CheckDef, LoadScenario, MixEntry, MonitorDef, RequestDef, Scenario } from './scenario.ts';

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
    doc = parseYaml(text, { maxAliasCount: 50, uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  } catch (err) {
    throw new ControllerErrors.SCENARIO_PARSE(label, (err as Error).message.split('\n')[0]!);
  }
  return validateScenario(doc);
}

// Combinator failures (anyOf/not) read as riddles in ajv's words; say what is meant.
const COMBINATOR_MESSAGES: Array<[RegExp, string]> = [
  [/\/(requests|setup)\/items\/allOf\/0\/anyOf/, 'give url or path'],
  [/\/(requests|setup)\/items\/allOf\/0\/not$/, 'give url or path, not both'],
  [/\/(requests|setup)\/items\/allOf\/1\/not$/, 'give one body: json, body or multipart'],
  [/\/checks\/items\/anyOf/, 'a check needs header or json'],
  [/\/checks\/items\/not$/, 'a check takes header, or json (with equals), not both'],
  [/\/capture\/additionalProperties\/anyOf/, 'a capture is a JSON path ($.a.b), { json: $.a.b } or { header: Name }'],
  [/\/monitors\/items\/allOf\/0\/anyOf/, 'give url or path'],
  [/\/monitors\/items\/allOf\/0\/not$/, 'give url or path, not both'],
  [/\/monitors\/items\/allOf\/1\/anyOf/, 'give json (a JSON path) or prometheus (a metric)'],
  [/\/monitors\/items\/allOf\/1\/not$/, 'give json or prometheus, not both'],
  [/\/thresholds\/items\/anyOf$/, 'a threshold is an expression (p(95)<500ms) or { expr, request, abortOnFail, delay }'],
];

function describe(e: ErrorObject): string {
  for (const [re, text] of COMBINATOR_MESSAGES) if (re.test(e.schemaPath)) return `${e.instancePath}: ${text}`;
  const rule = /\/scenarios\/items\/allOf\/(\d+)\/then\/properties\/([^/]+)\/false schema$/.exec(e.schemaPath);
  if (rule) return `${e.instancePath}: not used by executor ${EXECUTORS[Number(rule[1])]}`;
  if (e.keyword === 'additionalProperties') return `${e.instancePath}/${String(e.params.additionalProperty)}: unknown property`;
  if (e.keyword === 'required') return `${e.instancePath}/${String(e.params.missingProperty)}: is required`;
  return `${e.instancePath || '/'}: ${e.message ?? e.keyword}`;
}

/** Errors from inside a capture's anyOf alternatives are noise once the anyOf itself is reported. */
const NOISE = /\/(capture\/additionalProperties|thresholds\/items)\/anyOf\/\d+\//;

/** Every violation, one per line, sorted by path; `if`/`anyOf` wrappers dropped as noise. */
export function schemaErrors(doc: unknown): string[] {
  if (validate(doc)) return [];
  const lines = (validate.errors ?? []).filter((e) => e.keyword !== 'if' && !NOISE.test(e.schemaPath)).map(describe);
  return [...new Set(lines)].sort();
}

/** The text fields of a request that may hold ${variables}, with their paths. */
function templatedFields(r: RequestInput, defaults: Record<string, string> | undefined, path: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (r.url !== undefined) out.push([`${path}/url`, r.url]);
  if (r.path !== undefined) out.push([`${path}/path`, r.path]);
  for (const [k, v] of Object.entries(r.query ?? {})) out.push([`${path}/query/${k}`, String(v)]);
  for (const [h, v] of Object.entries(mergedHeaders(defaults, r.headers))) out.push([`${path}/headers/${h}`, v]);
  if (r.json !== undefined) out.push([`${path}/json`, JSON.stringify(r.json)]);
  if (r.body !== undefined) out.push([`${path}/body`, r.body]);
  for (const k of Object.keys(r.query ?? {})) out.push([`${path}/query/${k} (name)`, k]);
  for (const [k, v] of Object.entries(r.multipart?.fields ?? {})) out.push([`${path}/multipart/fields/${k}`, v], [`${path}/multipart/fields/${k} (name)`, k]);
  for (const k of ['filename', 'field', 'contentType'] as const) {
    const v = r.multipart?.[k];
    if (v !== undefined) out.push([`${path}/multipart/${k}`, v]);
  }
  return out;
}

const isEnv = (v: string) => v.startsWith('env:');

/** Default headers overlaid by a request's own, names lower-cased (a request's header wins whatever its case). */
function mergedHeaders(defaults: Record<string, string> | undefined, own: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(defaults ?? {})) out[k.toLowerCase()] = v;
  for (const [k, v] of Object.entries(own ?? {})) out[k.toLowerCase()] = v;
  return out;
}

const ENV_DEFAULT = /^env:[A-Za-z_][A-Za-z0-9_]*:-(.*)$/s;

/** `${` that is not a variable reference, and env defaults that cannot be carried safely. */
function referenceProblems(path: string, text: string): string[] {
  const out: string[] = [];
  const known = new Set([...text.matchAll(VARIABLE)].map((m) => m.index));
  for (const m of text.matchAll(/\$\{/g)) {
    if (!known.has(m.index)) out.push(`${path}: ${JSON.stringify(text.slice(m.index, m.index + 40))} is not a variable reference (\${name}, \${name|uri}, \${name|json}, \${env:NAME}, \${env:NAME:-default})`);
  }
  for (const m of text.matchAll(VARIABLE)) {
    const d = ENV_DEFAULT.exec(m[1]!);
    if (d && /["\\\x00-\x1f]/.test(d[1]!)) out.push(`${path}: the default of \${${m[1]!.split(':-')[0]}} may not contain quotes, backslashes or control characters`);
  }
  return out;
}

/** Every text of the document in which ${...} is substituted: vars and the requests' templated fields. */
export function substitutedTexts(input: ScenarioInput): string[] {
  const requests = [...(input.setup ?? []), ...input.requests];
  return [...Object.values(input.vars ?? {}), ...requests.flatMap((r) => templatedFields(r, input.defaults?.headers, '').map(([, t]) => t))];
}

/** Deeper than any scenario needs; refused before anything recurses into the document. */
const MAX_DEPTH = 64;

/** The first path nested past MAX_DEPTH, or holding a value JSON has not (a YAML !!binary): walked without recursion. */
function unsafeShape(doc: unknown): string | undefined {
  const stack: Array<[unknown, string, number]> = [[doc, '', 0]];
  while (stack.length > 0) {
    const [v, path, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (ArrayBuffer.isView(v) || v instanceof Date || v instanceof Map || v instanceof Set) return `${path || '/'}: not a JSON value`;
    if (depth >= MAX_DEPTH) return `${path}: nested deeper than ${MAX_DEPTH} levels`;
    for (const [k, x] of Object.entries(v)) stack.push([x, `${path}/${k}`, depth + 1]);
  }
  return undefined;
}

export function validateScenario(doc: unknown): Scenario {
  const shape = unsafeShape(doc);
  if (shape !== undefined) throw new ControllerErrors.SCENARIO_INVALID(shape);
  const errors = schemaErrors(doc);
  if (errors.length > 0) throw new ControllerErrors.SCENARIO_INVALID(errors.join('\n'));
  const input = doc as ScenarioInput;
  const problems: string[] = [];
  if (input.baseUrl !== undefined) problems.push(...baseUrlProblems(input.baseUrl, '/baseUrl'));
  const defaultsHeaders = input.defaults?.headers;

  const texts = [
    ...Object.entries(input.vars ?? {}).map(([k, v]): [string, string] => [`/vars/${k}`, v]),
    ...(input.setup ?? []).flatMap((r, i) => templatedFields(r, defaultsHeaders, `/setup/${i}`)),
    ...input.requests.flatMap((r, i) => templatedFields(r, defaultsHeaders, `/requests/${i}`)),
  ];
  for (const [path, text] of texts) problems.push(...referenceProblems(path.replace(/ \(name\)$/, ''), text));

  // Names: requests and flows share one namespace (a mix names either).
  const requests = input.requests.map((r, i) => normalizeRequest(r, input, `/requests/${i}`, problems));
  const byName = new Map<string, number>();
  requests.forEach((r, i) => {
    if (r.name === 'all') problems.push(`/requests/${i}/name: "all" is reserved (it names every request in results)`);
    if (byName.has(r.name)) problems.push(`/requests/${i}/name: duplicate request name ${r.name}`);
    byName.set(r.name, i);
  });
  const flows = input.flows ?? [];
  const flowNames = new Set<string>();
  flows.forEach((f, i) => {
    if (flowNames.has(f.name) || byName.has(f.name)) problems.push(`/flows/${i}/name: ${f.name} is already the name of a request or flow`);
    flowNames.add(f.name);
    f.steps.forEach((s, j) => { if (!byName.has(s)) problems.push(`/flows/${i}/steps/${j}: no request named ${s}`); });
  });

  // Variables. Run variables: `vars` and setup captures (each setup step sees those before it).
  const runVars = new Set(Object.keys(input.vars ?? {}));
  for (const [k, v] of Object.entries(input.vars ?? {})) {
    for (const n of variablesIn(v)) if (!isEnv(n)) problems.push(`/vars/${k}: only \${env:NAME} may be used in vars, not \${${n}}`);
  }
  const setup = (input.setup ?? []).map((r, i) => {
    const step = normalizeRequest(r, input, `/setup/${i}`, problems);
    for (const [path, text] of templatedFields(r, defaultsHeaders, `/setup/${i}`)) {
      for (const n of variablesIn(text)) if (!isEnv(n) && !runVars.has(n)) problems.push(`${path}: variable \${${n}} is not defined by vars or an earlier setup step`);
    }
    for (const c of step.captures) if (c.variable !== undefined) runVars.add(c.variable);
    return step;
  });

  // Which flow variables each request needs, and where.
  const flowNeeds = input.requests.map((r, i) => {
    const needs: Array<[string, string]> = [];
    for (const [path, text] of templatedFields(r, defaultsHeaders, `/requests/${i}`)) {
      for (const n of variablesIn(text)) {
        if (isEnv(n) || runVars.has(n)) continue;
        if (path.includes('/multipart/')) problems.push(`${path}: variable \${${n}} must be a run variable (vars or setup capture)`);
        else if (path.endsWith('/url') && (/^https?:\/\/[^/?#]*/.exec(text)?.[0] ?? '').includes(`\${${n}}`)) problems.push(`${path}: variable \${${n}} may not be part of the origin`);
        else needs.push([path, n]);
      }
    }
    return needs;
  });
  const capturedAnywhere = new Set(requests.flatMap((r) => r.captures.map((c) => c.variable)));
  requests.forEach((r, i) => r.captures.forEach((c) => {
    if (runVars.has(c.variable)) problems.push(`/requests/${i}/capture/${c.variable}: ${c.variable} is already a run variable (vars or a setup capture); a flow capture needs its own name`);
  }));
  flowNeeds.forEach((needs) => {
    for (const [path, n] of needs) if (!capturedAnywhere.has(n)) problems.push(`${path}: variable \${${n}} is not captured by any setup step or request (or set in vars)`);
  });
  flows.forEach((f, i) => {
    const known = new Set<string>();
    f.steps.forEach((s, j) => {
      const k = byName.get(s);
      if (k === undefined) return;
      for (const [path, n] of flowNeeds[k]!) {
        if (!known.has(n) && capturedAnywhere.has(n)) problems.push(`/flows/${i}/steps/${j}: ${s} uses \${${n}} (${path}), which no setup step and no earlier step of ${f.name} captures`);
      }
      for (const c of requests[k]!.captures) known.add(c.variable);
    });
  });
  const inFlows = new Set(flows.flatMap((f) => f.steps));

  const scenarioNames = new Set<string>();
  const scenarios = input.scenarios.map((s, i): LoadScenario => {
    if (scenarioNames.has(s.name)) problems.push(`/scenarios/${i}/name: duplicate scenario name ${s.name}`);
    scenarioNames.add(s.name);
    (s.requests ?? []).forEach((n, j) => { if (!byName.has(n)) problems.push(`/scenarios/${i}/requests/${j}: no request named ${n}`); });
    (s.flows ?? []).forEach((n, j) => { if (!flowNames.has(n)) problems.push(`/scenarios/${i}/flows/${j}: no flow named ${n}`); });
    const explicit = s.requests !== undefined || s.flows !== undefined;
    // Default mix: every flow, and every request that is not a flow step.
    const reqNames = explicit ? s.requests ?? [] : requests.map((r) => r.name).filter((n) => !inFlows.has(n));
    const flowList = explicit ? s.flows ?? [] : flows.map((f) => f.name);
    const mix: MixEntry[] = [
      ...reqNames.filter((n) => byName.has(n)).map((n) => ({ name: n, weight: requests[byName.get(n)!]!.weight, steps: [n] })),
      ...flowList.map((n) => flows.find((f) => f.name === n)).filter((f) => f !== undefined).map((f) => ({ name: f.name, weight: f.weight ?? DEFAULTS.weight, steps: [...f.steps] })),
    ];
    if (mix.length === 0 && problems.length === 0) problems.push(`/scenarios/${i}: nothing to run (no requests or flows)`);
    for (const n of reqNames) {
      const k = byName.get(n);
      if (k === undefined) continue;
      for (const [path, v] of flowNeeds[k]!) if (capturedAnywhere.has(v)) problems.push(`/scenarios/${i}: request ${n} runs on its own but uses \${${v}} (${path}), which no setup step captures; put it in a flow after the step that captures it`);
    }
    return normalizeModel(s, i, mix, problems);
  });
  const monitorNames = new Set<string>();
  const monitors = (input.monitors ?? []).flatMap((m, i): MonitorDef[] => {
    if (monitorNames.has(m.name)) problems.push(`/monitors/${i}/name: duplicate monitor name ${m.name}`);
    if (RESERVED_NAMES.has(m.name)) problems.push(`/monitors/${i}/name: ${m.name} is reserved (rate(${m.name}) means the requests')`);
    monitorNames.add(m.name);
    if (m.url !== undefined && !parsesAsUrl(m.url)) problems.push(`/monitors/${i}/url: not a valid URL`);
    if (m.json !== undefined) {
      try { parseJsonPath(m.json); } catch (err) { problems.push(`/monitors/${i}/json: ${(err as Error).message}`); }
    }
    let prometheus: Selector | undefined;
    if (m.prometheus !== undefined) {
      try { prometheus = parseSelector(m.prometheus); } catch (err) { problems.push(`/monitors/${i}/prometheus: ${(err as Error).message}`); return []; }
    }
    const intervalMs = parseDuration(m.interval ?? '1s');
    if (intervalMs < 100 || intervalMs > MAX_SCENARIO_MS) problems.push(`/monitors/${i}/interval: between 100ms and 24 days`);
    const timeoutMs = boundedMs(parseDuration(m.timeout ?? '5s'), `/monitors/${i}/timeout`, problems);
    return [{ name: m.name, url: m.url, path: m.path, json: m.json, prometheus, intervalMs, timeoutMs }];
  });
  const thresholds = (input.thresholds ?? []).flatMap((t, i) => {
    const spec = typeof t === 'string' ? { expr: t } : t;
    try {
      const parsed = parseThreshold(spec.expr, spec.request ?? '', { abortOnFail: spec.abortOnFail, delayMs: spec.delay === undefined ? 0 : parseDuration(spec.delay) });
      if (spec.request !== undefined && !byName.has(spec.request)) problems.push(`/thresholds/${i}/request: no request named ${spec.request}`);
      if (parsed.metric.kind === 'monitor' && !monitorNames.has(parsed.metric.monitor)) problems.push(`/thresholds/${i}: no monitor named ${parsed.metric.monitor}`);
      const live = parsed.abortOnFail ? liveProblem(parsed) : '';
      if (live) problems.push(`/thresholds/${i}/abortOnFail: ${live}`);
      return [parsed];
    } catch (err) {
      problems.push(`/thresholds/${i}: ${(err as Error).message}`);
      return [];
    }
  });
  const onAgentLoss = input.onAgentLoss ?? DEFAULTS.onAgentLoss;
  const agentTimeoutMs = parseDuration(input.agentTimeout ?? DEFAULTS.agentTimeout);
  // Statuses and pings come every second: a shorter timeout would take jitter for a loss.
  if (agentTimeoutMs < 2_000 || agentTimeoutMs > 3_600_000) problems.push('/agentTimeout: between 2s and 1h');
  // Rebalance hands a lost agent's share to others: it must stop firing as soon as it is lost.
  const leaseMs = onAgentLoss === 'rebalance' && input.lease === undefined ? agentTimeoutMs : parseDuration(input.lease ?? DEFAULTS.lease);
  if (leaseMs < agentTimeoutMs || leaseMs > 3_600_000) problems.push('/lease: at least the agentTimeout, at most 1h');
  if (problems.length > 0) throw new ControllerErrors.SCENARIO_INVALID([...new Set(problems)].sort().join('\n'));
  return deepFreeze({
    name: input.name, description: input.description ?? '', baseUrl: input.baseUrl, vars: { ...input.vars },
    setup, requests, scenarios, thresholds, monitors, onAgentLoss, agentTimeoutMs, leaseMs, source: structuredClone(input),
  });
}

/** Node timers hold at most 2^31-1 ms (24.8 days): no scenario may run longer, nor any one wait. */
const MAX_SCENARIO_MS = 2 ** 31 - 1;

/** A --target or API `target`: an http(s) base URL without query or fragment. */
export function isTargetUrl(url: string): boolean {
  return /^https?:\/\/[^/]+/.test(url) && baseUrlProblems(url, 'target').length === 0;
}

/** Whether a request, setup step or monitor uses a path, and so needs a base URL. */
export function usesPaths(s: Scenario): boolean {
  return [...s.setup, ...s.requests, ...s.monitors].some((r) => r.path !== undefined);
}

/** A base URL is scheme, host, optional port and path prefix: no query or fragment, a host that parses. */
export function baseUrlProblems(url: string, path: string): string[] {
  if (/[?#]/.test(url)) return [`${path}: a base URL has no query or fragment`];
  return parsesAsUrl(url) ? [] : [`${path}: not a valid URL`];
}

function boundedMs(ms: number, path: string, problems: string[]): number {
  if (ms > MAX_SCENARIO_MS) problems.push(`${path}: at most 24 days`);
  return ms;
}

/** Whether a URL (its variables standing for a word) parses, with a host. */
function parsesAsUrl(url: string): boolean {
  try { return new URL(url.replace(VARIABLE, 'x')).hostname !== ''; } catch { return false; }
}
const MAX_ARRIVALS = 1_000_000_000;

function normalizeModel(s: ScenarioModelInput, i: number, mix: MixEntry[], problems: string[]): LoadScenario {
  const m = modelOf(s, i, mix, problems);
  if (!(m.durationMs > 0)) problems.push(`/scenarios/${i}: the model must run for more than 0s`);
  if (m.startTimeMs + m.durationMs + m.gracefulStopMs > MAX_SCENARIO_MS) problems.push(`/scenarios/${i}: startTime + duration + gracefulStop must stay under 24 days`);
  if (m.executor === 'ramping-vus' && m.vus > 100_000) problems.push(`/scenarios/${i}/stages: at most 100000 VUs`);
  if (m.executor === 'ramping-vus' && m.vus === 0) problems.push(`/scenarios/${i}/stages: the ramp never has a VU`);
  boundedMs(m.thinkTimeMs, `/scenarios/${i}/thinkTime`, problems);
  if (LOAD_MODELS[m.executor].kind === 'open' && m.durationMs > 0 && m.durationMs <= MAX_SCENARIO_MS) {
    const total = new ArrivalSchedule(m.startTarget, m.stages).total;
    if (total === 0) problems.push(`/scenarios/${i}: the rate and duration give no arrivals`);
    if (total > MAX_ARRIVALS) problems.push(`/scenarios/${i}: ${total} arrivals; at most ${MAX_ARRIVALS} per scenario`);
  }
  return m;
}

function modelOf(s: ScenarioModelInput, i: number, mix: MixEntry[], problems: string[]): LoadScenario {
  const unitMs = parseDuration(s.timeUnit ?? DEFAULTS.timeUnit);
  if (unitMs <= 0) problems.push(`/scenarios/${i}/timeUnit: must be more than 0`);
  const perSecond = (rate: number) => (rate * 1000) / Math.max(1, unitMs);
  const stages = (s.stages ?? []).map((st, j) => {
    if (s.executor === 'ramping-vus' && !Number.isInteger(st.target)) problems.push(`/scenarios/${i}/stages/${j}/target: VUs must be a whole number`);
    return { durationMs: parseDuration(st.duration), target: s.executor === 'ramping-vus' ? st.target : perSecond(st.target) };
  });
  const base = {
    name: s.name, executor: s.executor, mix,
    startTimeMs: parseDuration(s.startTime ?? DEFAULTS.startTime),
    gracefulStopMs: parseDuration(s.gracefulStop ?? DEFAULTS.gracefulStop),
    vus: s.vus ?? 0, iterations: s.iterations ?? 0,
    thinkTimeMs: parseDuration(s.thinkTime ?? DEFAULTS.thinkTime),
    connections: s.connections ?? 0, maxInFlight: 0, startTarget: 0, stages: [] as LoadScenario['stages'],
  };
  switch (s.executor) {
    case 'constant-vus':
      return { ...base, durationMs: parseDuration(s.duration!) };
    case 'shared-iterations':
    case 'per-vu-iterations':
      return { ...base, durationMs: parseDuration(s.maxDuration ?? DEFAULTS.maxDuration) };
    case 'ramping-vus': {
      const durationMs = stages.reduce((a, st) => a + st.durationMs, 0);
      const startTarget = s.startVUs ?? DEFAULTS.startVUs;
      return { ...base, durationMs, startTarget, stages, vus: Math.max(startTarget, ...stages.map((st) => st.target)) };
    }
    case 'constant-arrival-rate': {
      const durationMs = parseDuration(s.duration!);
      const rate = perSecond(s.rate!);
      return { ...base, durationMs, startTarget: rate, stages: [{ durationMs, target: rate }], maxInFlight: s.maxInFlight ?? DEFAULTS.maxInFlight };
    }
    case 'ramping-arrival-rate': {
      const durationMs = stages.reduce((a, st) => a + st.durationMs, 0);
      return { ...base, durationMs, startTarget: perSecond(s.startRate ?? DEFAULTS.startRate), stages, maxInFlight: s.maxInFlight ?? DEFAULTS.maxInFlight };
    }
  }
}

function checkName(c: NonNullable<RequestInput['checks']>[number]): string {
  const on = c.status ? ` on ${c.status.join(',')}` : '';
  if (c.header !== undefined) return `header ${c.header}${on}`;
  return `${c.json} ${c.equals === undefined ? 'exists' : `== ${JSON.stringify(c.equals)}`}${on}`;
}

function normalizeRequest(r: RequestInput, input: ScenarioInput, path: string, problems: string[]): RequestDef {
  if (r.url !== undefined && /^https?:\/\/[^/?#]*@/.test(r.url)) problems.push(`${path}/url: credentials in the URL are not sent; use an authorization header`);
  if (r.url !== undefined && !parsesAsUrl(r.url)) problems.push(`${path}/url: not a valid URL`);
  const own = new Set<string>();
  for (const k of Object.keys(r.headers ?? {})) {
    const name = k.toLowerCase();
    if (own.has(name)) problems.push(`${path}/headers/${k}: given twice (header names are case-insensitive)`);
    own.add(name);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(mergedHeaders(input.defaults?.headers, r.headers))) {
    // An upload sets its own content type and length; a default one does not apply to it.
    if (r.multipart !== undefined && (k === 'content-type' || k === 'content-length') && !own.has(k)) continue;
    if (FORBIDDEN_HEADERS.has(k)) problems.push(`${path}/headers/${k}: barrage cannot send this header (HTTP/1.1 framing is set by the client)`);
    if (!isSendableHeaderValue(v.replace(VARIABLE, ''))) problems.push(`${path}/headers/${k}: the value has characters a header cannot carry (controls, or beyond \\xff)`);
    headers[k] = v;
  }
  let body: string | undefined;
  let contentType: string | undefined;
  // A variable inside a JSON body lands inside a JSON string: its value is escaped for one.
  if (r.json !== undefined) { body = JSON.stringify(r.json).replace(VARIABLE, (m, name: string, filter?: string) => (filter ? m : `\${${name}|json}`)); contentType = 'application/json'; }
  else if (r.body !== undefined) { body = r.body; contentType = 'text/plain; charset=utf-8'; }
  if (contentType !== undefined && headers['content-type'] === undefined) headers['content-type'] = contentType;
  if (r.multipart !== undefined) {
    if (r.method === undefined || r.method === 'GET' || r.method === 'HEAD') problems.push(`${path}/method: a multipart upload needs POST, PUT or PATCH`);
    for (const h of ['content-type', 'content-length']) if (own.has(h)) problems.push(`${path}/headers/${h}: set by the multipart upload`);
  }
  const captures = Object.entries(r.capture ?? {}).map(([variable, c]) => (
    typeof c === 'string' ? { variable, json: c } : 'json' in c ? { variable, json: c.json } : { variable, header: c.header }
  ));
  const checkPath = (p: string | undefined, where: string) => {
    if (p === undefined) return;
    try { parseJsonPath(p); } catch (err) { problems.push(`${where}: ${(err as Error).message} (supported: $.a.b, $.items[0], $['odd-key'])`); }
  };
  for (const c of captures) checkPath(c.json, `${path}/capture/${c.variable}`);
  (r.checks ?? []).forEach((c, j) => checkPath(c.json, `${path}/checks/${j}/json`));
  const checks: CheckDef[] = [];
  const checkNames = new Set(captures.map((c) => `capture ${c.variable}`));
  (r.checks ?? []).forEach((c, j) => {
    const name = c.name ?? checkName(c);
    if (checkNames.has(name)) problems.push(`${path}/checks/${j}: duplicate check name ${JSON.stringify(name)}`);
    checkNames.add(name);
    checks.push({ name, header: c.header, json: c.json, equals: c.equals === undefined ? undefined : { value: c.equals }, status: c.status ?? [] });
  });
  let multipart: RequestDef['multipart'];
  if (r.multipart !== undefined) {
    multipart = {
      size: parseSize(r.multipart.size), field: r.multipart.field ?? DEFAULTS.multipartField,
      filename: r.multipart.filename ?? DEFAULTS.multipartFilename, contentType: r.multipart.contentType ?? DEFAULTS.multipartContentType,
      fields: { ...r.multipart.fields },
    };
    if (multipart.size > 10 * 1024 ** 3) problems.push(`${path}/multipart/size: at most 10GB`);
  }
  return {
    name: r.name, method: r.method ?? DEFAULTS.method, url: r.url, path: r.path, headers,
    query: Object.fromEntries(Object.entries(r.query ?? {}).map(([k, v]) => [k, String(v)])),
    body, contentType, multipart,
    timeoutMs: boundedMs(parseDuration(r.timeout ?? input.defaults?.timeout ?? DEFAULTS.timeout), `${path}/timeout`, problems),
    expect: r.expect ?? [], weight: r.weight ?? DEFAULTS.weight, captures, checks,
  };
}

/**
 * A request's final URL against the run's base URL (which --target may have replaced).
 * Built as text, not with URL, so ${variables} reach the agent unencoded.
 */
export function requestUrl(r: RequestDef, baseUrl: string | undefined): string {
  let url = withoutFragment(r.url ?? baseUrl!.replace(/\/$/, '') + r.path!);
  const query = Object.entries(r.query).map(([k, v]) => `${encodeKeepingVariables(k)}=${encodeKeepingVariables(v)}`).join('&');
  if (query) url += (url.includes('?') ? '&' : '?') + query;
  return url;
}

/** Percent-encodes text for a query string; its ${variables} get the uri filter, so their values are encoded too. */
function encodeKeepingVariables(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(VARIABLE)) {
    out += encodeURIComponent(text.slice(last, m.index)) + (m[2] === undefined ? `\${${m[1]}|uri}` : m[0]);
    last = m.index + m[0].length;
  }
  return out + encodeURIComponent(text.slice(last));
}

/** A URL without its #fragment (never sent); a # inside a ${variable} is not one. */
function withoutFragment(url: string): string {
  let last = 0;
  for (const m of url.matchAll(VARIABLE)) {
    const hash = url.slice(last, m.index).indexOf('#');
    if (hash >= 0) return url.slice(0, last + hash);
    last = m.index + m[0].length;
  }
  const hash = url.indexOf('#', last);
  return hash >= 0 ? url.slice(0, hash) : url;
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
