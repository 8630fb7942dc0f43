// Validating a scenario document: its shape, the schema, then what a schema
// cannot say (unique names, references, variables and where they come from,
// flows, monitors, thresholds, agent-loss settings), every problem with its
// path; the result normalised and frozen.
import {
  didYouMean,
  GENERATORS,
  generatorProblem,
  parseDataReference,
  parseGenerator,
  variablesIn,
} from '@barrage/core';
import { ControllerErrors } from '../errors.ts';
import { readBodyFiles } from './body-files.ts';
import { readConnections, withoutTlsSecrets } from './connections.ts';
import { checkDataUse, type DataUse } from './data-needs.ts';
import { type DataOrigin, readDataSources } from './data-sources.ts';
import type { ScenarioInput } from './input.ts';
import { normalizeModel } from './normalize-model.ts';
import { normalizeRequest } from './normalize-request.ts';
import type { LoadScenario, MixEntry, Scenario } from './scenario.ts';
import { AGENT_LOSS_DEFAULTS } from './schema-agent-loss.ts';
import { schemaErrors, unsafeShape } from './schema-errors.ts';
import { REQUEST_DEFAULTS } from './schema-requests.ts';
import { normalizeRetry } from './schema-retry.ts';
import { thresholdHint } from './schema-words.ts';
import { isEnv, referenceProblems, templatedFields } from './templated-fields.ts';
import { liveProblem, parseThreshold } from './thresholds.ts';
import { readTransport } from './transport.ts';
import { parseDuration } from './units.ts';
import { baseUrlProblems } from './urls.ts';
import { validateMonitors } from './validate-monitors.ts';
import { sessionStepNames, sessionVariables, validateSession } from './validate-session.ts';

/** Every problem of `doc` at once (SCENARIO_INVALID), or the scenario, normalised and frozen. */
export function validateScenario(doc: unknown, origin: DataOrigin = {}): Scenario {
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
    if (flowNames.has(f.name) || byName.has(f.name))
      problems.push(`/flows/${i}/name: ${f.name} is already the name of a request or flow`);
    flowNames.add(f.name);
    f.steps.forEach((s, j) => {
      if (!byName.has(s)) problems.push(`/flows/${i}/steps/${j}: no request named ${s}${didYouMean(s, byName.keys())}`);
    });
  });

  // Variables. Run variables: `vars` and setup captures (each setup step sees those before it).
  const runVars = new Set(Object.keys(input.vars ?? {}));
  for (const [k, v] of Object.entries(input.vars ?? {})) {
    for (const n of variablesIn(v))
      if (!isEnv(n)) problems.push(`/vars/${k}: only \${env:NAME} may be used in vars, not \${${n}}`);
  }
  const setup = (input.setup ?? []).map((r, i) => {
    const step = normalizeRequest(r, input, `/setup/${i}`, problems);
    for (const [path, text] of templatedFields(r, defaultsHeaders, `/setup/${i}`)) {
      for (const n of variablesIn(text))
        if (!isEnv(n) && !runVars.has(n))
          problems.push(
            parseGenerator(n) !== undefined
              ? `${path}: \${${n}} is generated per request by the agents; setup steps run once, on the controller`
              : parseDataReference(n) !== undefined
                ? `${path}: \${${n}} is a data row, given per iteration or VU by the agents; setup steps run once, on the controller`
                : `${path}: variable \${${n}} is not defined by vars or an earlier setup step`,
          );
    }
    for (const c of step.captures) if (c.variable !== undefined) runVars.add(c.variable);
    return step;
  });

  // Which flow variables (and data columns) each request needs, and where.
  const dataUses = new Map<string, DataUse[]>();
  const flowNeeds = input.requests.map((r, i) => {
    const needs: Array<[string, string]> = [];
    const uses: DataUse[] = [];
    dataUses.set(r.name, uses);
    for (const [path, text] of templatedFields(r, defaultsHeaders, `/requests/${i}`)) {
      for (const n of variablesIn(text)) {
        if (isEnv(n) || runVars.has(n)) continue;
        const wrong = parseDataReference(n) === undefined ? generatorProblem(n) : undefined;
        if (wrong !== undefined) problems.push(`${path}: ${wrong}`);
        else if (path.endsWith('/url') && (/^https?:\/\/[^/?#]*/.exec(text)?.[0] ?? '').includes(`\${${n}}`))
          problems.push(`${path}: variable \${${n}} may not be part of the origin`);
        else if (parseDataReference(n) !== undefined) uses.push({ path, ...parseDataReference(n)! });
        else if (parseGenerator(n) === undefined) needs.push([path, n]);
      }
    }
    return needs;
  });
  const capturedAnywhere = new Set(requests.flatMap((r) => r.captures.map((c) => c.variable)));
  requests.forEach((r, i) =>
    r.captures.forEach((c) => {
      if (runVars.has(c.variable))
        problems.push(
          `/requests/${i}/capture/${c.variable}: ${c.variable} is already a run variable (vars or a setup capture); a flow capture needs its own name`,
        );
    }),
  );
  flowNeeds.forEach((needs) => {
    for (const [path, n] of needs)
      if (!capturedAnywhere.has(n))
        problems.push(
          `${path}: variable \${${n}} is not captured by any setup step or request (or set in vars), nor a generator${didYouMean(n, [...GENERATORS, ...capturedAnywhere])}`,
        );
  });
  // Sessions: their captures count for the requests of the model that has them (validate-session.ts).
  const sessionChecks = { byName, requests, flowNeeds };
  const sessionVars = sessionVariables(input, sessionChecks);
  flows.forEach((f, i) => {
    const known = new Set<string>();
    f.steps.forEach((s, j) => {
      const k = byName.get(s);
      if (k === undefined) return;
      for (const [path, n] of flowNeeds[k]!) {
        if (!known.has(n) && capturedAnywhere.has(n) && !sessionVars.has(n))
          problems.push(
            `/flows/${i}/steps/${j}: ${s} uses \${${n}} (${path}), which no setup step and no earlier step of ${f.name} captures`,
          );
      }
      for (const c of requests[k]!.captures) known.add(c.variable);
    });
  });
  const inFlows = new Set(flows.flatMap((f) => f.steps));
  const inSessions = sessionStepNames(input);

  const data = readDataSources(input, origin, problems);
  const connections = readConnections(input, origin, problems);
  readBodyFiles(requests, origin, problems);
  const scenarioNames = new Set<string>();
  const dr = input.defaults?.retry;
  const defaultRetry = dr === undefined ? undefined : normalizeRetry(dr, '/defaults/retry', problems);
  const scenarios = input.scenarios.map((s, i): LoadScenario => {
    if (scenarioNames.has(s.name)) problems.push(`/scenarios/${i}/name: duplicate scenario name ${s.name}`);
    scenarioNames.add(s.name);
    (s.requests ?? []).forEach((n, j) => {
      if (!byName.has(n))
        problems.push(`/scenarios/${i}/requests/${j}: no request named ${n}${didYouMean(n, byName.keys())}`);
    });
    (s.flows ?? []).forEach((n, j) => {
      if (!flowNames.has(n)) problems.push(`/scenarios/${i}/flows/${j}: no flow named ${n}${didYouMean(n, flowNames)}`);
    });
    const explicit = s.requests !== undefined || s.flows !== undefined;
    // Default mix: every flow, and every request that is not a flow, session or teardown step.
    const reqNames = explicit
      ? (s.requests ?? [])
      : requests.map((r) => r.name).filter((n) => !inFlows.has(n) && !inSessions.has(n));
    const flowList = explicit ? (s.flows ?? []) : flows.map((f) => f.name);
    const mix: MixEntry[] = [
      ...reqNames
        .filter((n) => byName.has(n))
        .map((n) => ({ name: n, weight: requests[byName.get(n)!]!.weight, steps: [n] })),
      ...flowList
        .map((n) => flows.find((f) => f.name === n))
        .filter((f) => f !== undefined)
        .map((f) => ({ name: f.name, weight: f.weight ?? REQUEST_DEFAULTS.weight, steps: [...f.steps] })),
    ];
    if (mix.length === 0 && problems.length === 0)
      problems.push(`/scenarios/${i}: nothing to run (no requests or flows)`);
    for (const n of reqNames) {
      const k = byName.get(n);
      if (k === undefined) continue;
      for (const [path, v] of flowNeeds[k]!)
        if (capturedAnywhere.has(v) && !sessionVars.has(v))
          problems.push(
            `/scenarios/${i}: request ${n} runs on its own but uses \${${v}} (${path}), which no setup step captures; put it in a flow after the step that captures it`,
          );
    }
    const session = validateSession(s, i, mix, sessionVars, sessionChecks, problems);
    const model = normalizeModel(s, i, mix, problems, input.defaults?.redirects, input.defaults?.cookies, defaultRetry);
    return session === undefined ? model : { ...model, session };
  });
  const sourcesOf = origin.record
    ? []
    : checkDataUse(
        data,
        dataUses,
        scenarios,
        scenarios.map((m) => [
          ...m.mix.flatMap((e) => e.steps),
          ...(m.session?.steps ?? []),
          ...(m.session?.teardown ?? []),
        ]),
        problems,
      );
  scenarios.forEach((m, i) => {
    m.data = sourcesOf[i] ?? [];
  });
  const monitors = validateMonitors(input, problems);
  const monitorNames = new Set((input.monitors ?? []).map((m) => m.name));
  const optionalMonitors = new Set(monitors.filter((m) => m.optional).map((m) => m.name));
  const thresholds = (input.thresholds ?? []).flatMap((t, i) => {
    const spec = typeof t === 'string' ? { expr: t } : t;
    try {
      const parsed = parseThreshold(spec.expr, spec.request ?? '', {
        abortOnFail: spec.abortOnFail,
        delayMs: spec.delay === undefined ? 0 : parseDuration(spec.delay),
      });
      if (spec.request !== undefined && !byName.has(spec.request))
        problems.push(
          `/thresholds/${i}/request: no request named ${spec.request}${didYouMean(spec.request, byName.keys())}`,
        );
      if (parsed.metric.kind === 'monitor' && !monitorNames.has(parsed.metric.monitor))
        problems.push(
          `/thresholds/${i}: no monitor named ${parsed.metric.monitor}${didYouMean(parsed.metric.monitor, monitorNames)}`,
        );
      if (parsed.metric.kind === 'monitor' && optionalMonitors.has(parsed.metric.monitor))
        problems.push(
          `/thresholds/${i}: monitor ${parsed.metric.monitor} is optional (it may be left out), so no threshold may judge it; drop optional: true or the threshold`,
        );
      const live = parsed.abortOnFail ? liveProblem(parsed) : '';
      if (live) problems.push(`/thresholds/${i}/abortOnFail: ${live}`);
      return [parsed];
    } catch (err) {
      problems.push(`/thresholds/${i}: ${(err as Error).message}${thresholdHint(spec.expr)}`);
      return [];
    }
  });
  const onAgentLoss = input.onAgentLoss ?? AGENT_LOSS_DEFAULTS.onAgentLoss;
  const agentTimeoutMs = parseDuration(input.agentTimeout ?? AGENT_LOSS_DEFAULTS.agentTimeout);
  // Statuses and pings come every second: a shorter timeout would take jitter for a loss.
  if (agentTimeoutMs < 2_000 || agentTimeoutMs > 3_600_000)
    problems.push(`/agentTimeout: ${input.agentTimeout} is out of range; write between 2s and 1h`);
  // Rebalance hands a lost agent's share to others: it must stop firing as soon as it is lost.
  const leaseMs =
    onAgentLoss === 'rebalance' && input.lease === undefined
      ? agentTimeoutMs
      : parseDuration(input.lease ?? AGENT_LOSS_DEFAULTS.lease);
  if (leaseMs < agentTimeoutMs || leaseMs > 3_600_000)
    problems.push(`/lease: ${input.lease} is out of range; write at least the agentTimeout, at most 1h`);
  const intervalMs = input.interval === undefined ? undefined : parseDuration(input.interval);
  if (intervalMs !== undefined && (intervalMs < 100 || intervalMs > 10_000))
    problems.push(`/interval: ${input.interval} is not between 100ms and 10s`);
  const transport = readTransport(input, scenarios, problems);
  if (problems.length > 0) throw new ControllerErrors.SCENARIO_INVALID([...new Set(problems)].sort().join('\n'));
  return deepFreeze({
    name: input.name,
    description: input.description ?? '',
    baseUrl: input.baseUrl,
    vars: { ...input.vars },
    setup,
    requests,
    scenarios,
    thresholds,
    monitors,
    data,
    connections,
    transport,
    onAgentLoss,
    agentTimeoutMs,
    leaseMs,
    ...(intervalMs === undefined ? {} : { intervalMs }),
    source: withoutTlsSecrets(withoutRows(input)),
  });
}

/** The document for the record: data sources keep their settings, not their rows (a column may be secret, and rows may be many). */
function withoutRows(input: ScenarioInput): ScenarioInput {
  const copy = structuredClone(input);
  for (const d of Object.values(copy.data ?? {})) {
    delete d.rows;
    delete d.csv;
  }
  return copy;
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
