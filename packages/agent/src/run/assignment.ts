// Turns an Assign from the controller into scenarios ready to run: validated
// (the controller is authenticated, but bytes are still bytes), run variables
// substituted once, URLs split into origin and path, checks and captures
// compiled, flows resolved into mix entries.

import {
  ArrivalSchedule,
  compileTemplate,
  FORBIDDEN_HEADERS,
  HEADER_NAME,
  isOpenExecutor,
  isSendableHeaderValue,
  modelOfExecutor,
  parseJsonPath,
  type Template,
  UnknownVariableError,
} from '@barrage/core';
import type { barrage } from '@barrage/proto';
import type { Dispatcher } from 'undici';
import { AgentErrors } from '../errors.ts';
import { MultipartBody } from '../http/multipart-body.ts';
import { MAX_REDIRECTS } from '../http/redirects.ts';
import { encodePath, type PreparedCapture, type PreparedCheck, type PreparedRequest } from '../http/requester.ts';
import { retryPolicyOf } from '../http/retry.ts';
import type { RunTable } from '../load/data-rows.ts';
import type { PreparedEntry } from '../load/iteration.ts';
import type { PreparedSession } from '../load/session.ts';
import { verifyBodyFiles } from './body-files.ts';
import { prepareStreamedBody } from './body-plan.ts';
import type { ReceivedTable } from './data-inbox.ts';
import { prepareTables, referenceNames } from './data-tables.ts';
import { prepareSession } from './session-plan.ts';
import { prepareTransport, type Transport } from './transport-plan.ts';

export interface Stage {
  durationMs: number;
  target: number;
}

export interface PreparedScenario {
  name: string;
  executor: number;
  vus: number;
  iterations: number;
  iterationsPerVu: number;
  durationMs: number;
  startOffsetMs: number;
  gracefulStopMs: number;
  thinkTimeMs: number;
  stages: Stage[];
  startTarget: number;
  totalArrivals: number;
  maxInFlight: number;
  connections: number;
  entries: PreparedEntry[];
  /** Global indexes: the agent's first VU and iteration (or arrival), the plan's VU index count, the seed, and ${seq}'s layout. */
  vuOffset: number;
  iterationOffset: number;
  vuSpan: number;
  seed: string;
  scenarioIndex: number;
  scenarioCount: number;
  maxSteps: number;
  /** VUs keep cookies unless false (the model's `cookies: false`). */
  cookies?: boolean;
  /** keepAlive, pipelining, connections per VU (transport-plan.ts); absent: shared, kept alive, no pipelining. */
  transport?: Transport;
  /** The model's per-VU session (ScenarioPlan 40-44), if it has one. */
  session?: PreparedSession;
  /** The data sources its templates read. */
  data: RunTable[];
  /** Open models on a worker thread: how many of its session slots have users of their own (the rest: none). */
  identitySlots?: number;
}

const MAX_VUS = 100_000;
const MAX_STAGES = 100;
/** Node timers hold at most 2^31-1 ms (24.8 days); a longer value would fire at once. */
const MAX_DURATION_MS = 2 ** 31 - 1;
const METHOD = /^[A-Z]{1,16}$/;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const finiteIn = (v: number, lo: number, hi: number) => Number.isFinite(v) && v >= lo && v <= hi;

/**
 * Validates and prepares every scenario of an Assign. `names` collects request names in slot
 * order. `verifyFiles`: this agent's copies of the body files are checked first (body-files.ts);
 * a worker thread's AgentRun does not, its main thread did (checkAssign).
 */
export function prepareAssignment(
  a: barrage.v1.Assign.$Properties,
  names: string[],
  received: ReadonlyMap<string, ReceivedTable> = new Map(),
  verifyFiles = false,
): PreparedScenario[] {
  const bad = (why: string) => new AgentErrors.BAD_ASSIGN(why);
  if (!a.runId) throw bad('run id missing');
  if (verifyFiles) verifyBodyFiles(a);
  const vars = new Map((a.vars ?? []).map((v) => [v.name ?? '', v.value ?? '']));
  const tables = prepareTables(a.data ?? [], received);
  const slot = new Map<string, number>();
  const segStart = a.segmentStart ?? 0;
  const segEnd = a.segmentEnd ?? 1;
  if (!(segStart >= 0 && segStart < segEnd && segEnd <= 1)) throw bad(`segment [${segStart}, ${segEnd})`);
  for (const [what, v] of [
    ['agent timeout', a.agentTimeoutMs ?? 0],
    ['lease', a.leaseMs ?? 0],
  ] as const) {
    if (v !== 0 && !finiteIn(v, 100, MAX_DURATION_MS)) throw bad(`${what} ${v} ms`);
  }
  return (a.scenarios ?? []).map((s, si) => {
    const where = `scenario ${si}`;
    const executor = s.executor ?? 0;
    if (modelOfExecutor(executor) === undefined) throw bad(`${where}: executor ${executor}`);
    const vus = s.vus ?? 0;
    if (!Number.isInteger(vus) || vus < 0 || vus > MAX_VUS) throw bad(`${where}: vus ${vus}`);
    const durationMs = s.durationMs ?? 0;
    if (!(durationMs > 0) || durationMs > MAX_DURATION_MS) throw bad(`${where}: duration ${durationMs}`);
    const stages = (s.stages ?? []).map((st) => ({ durationMs: st.durationMs ?? 0, target: st.target ?? 0 }));
    if (
      stages.length > MAX_STAGES ||
      stages.some((st) => !finiteIn(st.durationMs, 0, MAX_DURATION_MS) || !finiteIn(st.target, 0, 1e9))
    )
      throw bad(`${where}: stages`);
    const startTarget = s.startTarget ?? 0;
    if (!finiteIn(startTarget, 0, 1e9)) throw bad(`${where}: start target`);
    if (
      modelOfExecutor(executor)!.ramping &&
      [startTarget, ...stages.map((st) => st.target)].some((v) => !Number.isInteger(v) || v > MAX_VUS)
    ) {
      throw bad(`${where}: VU targets must be whole numbers up to ${MAX_VUS}`);
    }
    if (isOpenExecutor(executor)) {
      let total: number;
      try {
        total = new ArrivalSchedule(startTarget, stages).total;
      } catch {
        throw bad(`${where}: arrival rates`);
      }
      if (total !== (s.totalArrivals ?? 0) || (s.iterations ?? 0) > total)
        throw bad(`${where}: arrivals ${s.iterations} of ${s.totalArrivals} do not match the rate (${total})`);
    }
    const thinkTimeMs = s.thinkTimeMs ?? 0;
    if (!finiteIn(thinkTimeMs, 0, MAX_DURATION_MS)) throw bad(`${where}: think time`);
    for (const [what, v] of [
      ['start offset', s.startOffsetMs ?? 0],
      ['graceful stop', s.gracefulStopMs ?? 30_000],
    ] as const) {
      if (!finiteIn(v, 0, MAX_DURATION_MS)) throw bad(`${where}: ${what} ${v}`);
    }
    for (const [what, v] of [
      ['max in flight', s.maxInFlight ?? 0],
      ['connections', s.connections ?? 0],
      ['iterations per VU', s.iterationsPerVu ?? 0],
    ] as const) {
      if (!Number.isInteger(v) || v < 0 || v > 1e9) throw bad(`${where}: ${what} ${v}`);
    }
    // ${seq} multiplies by the scenario count: keep it small enough for exact numbers.
    if ((s.scenarioIndex ?? 0) >= 1000 || (s.scenarioCount ?? 0) > 1000)
      throw bad(`${where}: scenario ${s.scenarioIndex} of ${s.scenarioCount}`);
    const specs = s.requests ?? [];
    // Variables some step of this scenario captures: left in templates until the request fires.
    const flowVars = new Set<string>();
    for (const r of specs)
      for (const c of r.captures ?? []) {
        if (!VAR_NAME.test(c.var ?? '')) throw bad(`${where}: capture variable ${JSON.stringify(c.var)}`);
        flowVars.add(c.var!);
      }
    const data = (s.dataSources ?? []).map((k) => {
      const t = tables[k];
      if (t === undefined) throw bad(`${where}: data source ${k} does not exist`);
      return t;
    });
    for (const t of data) for (const n of referenceNames(t)) flowVars.add(n);
    const requests = specs.map((r, ri) => prepareRequest(r, `${where} request ${ri}`, vars, flowVars, names, slot));
    const mix = s.mix ?? [];
    const session = prepareSession(s, requests, s.vuSpan ?? 0, where);
    // Without a mix every request is an entry: a session's steps would run as load too.
    if (session !== undefined && mix.length === 0) throw bad(`${where}: a session needs a mix`);
    const entries: PreparedEntry[] =
      mix.length === 0
        ? requests.map((r, i) => ({
            name: specs[i]!.name!,
            weight: positive(specs[i]!.weight),
            steps: [r],
            scoped: r.templated,
          }))
        : mix.map((m, mi) => {
            const steps = (m.steps ?? []).map((k) => {
              const r = requests[k];
              if (r === undefined) throw bad(`${where} mix ${mi}: step ${k} does not exist`);
              return r;
            });
            if (steps.length === 0) throw bad(`${where} mix ${mi}: no steps`);
            return {
              name: m.name ?? `entry-${mi}`,
              weight: positive(m.weight),
              steps,
              scoped: steps.some((r) => r.captures.length > 0 || r.templated),
            };
          });
    if (entries.length === 0 && (vus > 0 || (s.iterations ?? 0) > 0 || stages.length > 0))
      throw bad(`${where}: no requests`);
    return {
      name: s.name ?? `scenario-${si}`,
      executor,
      vus,
      iterations: s.iterations ?? 0,
      iterationsPerVu: s.iterationsPerVu ?? 0,
      durationMs,
      startOffsetMs: s.startOffsetMs ?? 0,
      gracefulStopMs: s.gracefulStopMs ?? 30_000,
      thinkTimeMs,
      stages,
      startTarget,
      totalArrivals: s.totalArrivals ?? 0,
      maxInFlight: s.maxInFlight ?? 0,
      connections: s.connections ?? 0,
      entries,
      vuOffset: s.vuOffset ?? 0,
      iterationOffset: s.iterationOffset ?? 0,
      vuSpan: s.vuSpan ?? 0,
      seed: (s.seed ?? '').slice(0, 200),
      scenarioIndex: s.scenarioIndex ?? si,
      scenarioCount: Math.max(1, s.scenarioCount ?? (a.scenarios ?? []).length, (s.scenarioIndex ?? si) + 1),
      maxSteps: Math.max(1, ...entries.map((e) => e.steps.length)),
      cookies: !s.cookiesOff,
      transport: prepareTransport(s, where),
      ...(session === undefined ? {} : { session }),
      data,
    };
  });
}

const positive = (w: number | null | undefined) => (w && w > 0 && Number.isFinite(w) ? w : 1);

function prepareRequest(
  r: barrage.v1.RequestSpec.$Properties,
  where: string,
  vars: ReadonlyMap<string, string>,
  flowVars: ReadonlySet<string>,
  names: string[],
  slot: Map<string, number>,
): PreparedRequest {
  const bad = (why: string) => new AgentErrors.BAD_ASSIGN(`${where}: ${why}`);
  const compile = (text: string): Template => {
    try {
      return compileTemplate(text, vars, flowVars);
    } catch (err) {
      if (err instanceof UnknownVariableError) throw bad(err.message);
      throw err;
    }
  };
  const name = r.name ?? '';
  if (!name) throw bad('name missing');
  const method = r.method ?? '';
  if (!METHOD.test(method)) throw bad(`method ${JSON.stringify(method)}`);
  // Run variables may pick the origin; flow variables only what follows it.
  const urlT = compile(r.url ?? '');
  const parts = typeof urlT === 'string' ? [urlT] : urlT;
  const first = parts[0] as string;
  const authority = /^https?:\/\/[^/?#]+/i.exec(first)?.[0];
  if (authority === undefined || (parts.length > 1 && authority.length === first.length))
    throw bad('invalid URL (a flow variable may not be part of the origin)');
  let origin: string;
  try {
    new URL(parts.map((p) => (typeof p === 'string' ? p : 'x')).join(''));
    origin = new URL(authority).origin;
  } catch {
    throw bad('invalid URL');
  }
  let index = slot.get(name);
  if (index === undefined) {
    index = names.length;
    names.push(name);
    slot.set(name, index);
  }
  const rest = first.slice(authority.length);
  const lead = encodePath(rest.startsWith('/') ? rest : `/${rest}`);
  const path: Template = parts.length === 1 ? lead : [lead, ...parts.slice(1)];
  const headers: Record<string, Template> = {};
  for (const h of r.headers ?? []) {
    const name = (h.name ?? '').toLowerCase();
    const value = compile(h.value ?? '');
    if (!HEADER_NAME.test(name) || FORBIDDEN_HEADERS.has(name))
      throw bad(`header ${JSON.stringify(name.slice(0, 50))} cannot be sent`);
    if (typeof value === 'string' && !isSendableHeaderValue(value))
      throw bad(`the value of header ${name} has characters a header cannot carry`);
    headers[name] = value;
  }
  // Multipart and file bodies are streamed; the Requester sets each one's Content-Length as it opens it.
  const streamed = prepareStreamedBody(r, compile, bad);
  if (streamed instanceof MultipartBody) headers['content-type'] = streamed.contentType;
  const bodyText = r.body && r.body.length > 0 && !streamed ? Buffer.from(r.body).toString('utf8') : null;
  const bodyTemplate = bodyText === null ? null : compile(bodyText);
  const body =
    bodyTemplate === null ? null : typeof bodyTemplate === 'string' ? Buffer.from(bodyTemplate) : bodyTemplate;
  const jsonPath = (p: string, what: string) => {
    try {
      return parseJsonPath(p);
    } catch {
      throw bad(`${what}: bad JSON path`);
    }
  };
  const checks = (r.checks ?? []).map((c): PreparedCheck => {
    const label = `check ${JSON.stringify(c.name ?? '')}`;
    if (!c.name) throw bad('check without a name');
    const onStatus = c.onStatus && c.onStatus.length > 0 ? new Set(c.onStatus) : null;
    if (c.header) return { name: c.name, header: c.header.toLowerCase(), onStatus };
    if (!c.jsonPath) throw bad(`${label}: give a header or a JSON path`);
    let equals: { value: unknown } | undefined;
    if (c.equalsJson) {
      try {
        equals = { value: JSON.parse(c.equalsJson) as unknown };
      } catch {
        throw bad(`${label}: expected value is not JSON`);
      }
    }
    return { name: c.name, jsonPath: jsonPath(c.jsonPath, label), equals, onStatus };
  });
  const captures = (r.captures ?? []).map((c): PreparedCapture => {
    const checkName = `capture ${c.var}`;
    if (c.header) return { variable: c.var!, header: c.header.toLowerCase(), checkName };
    if (c.cookie) return { variable: c.var!, cookie: c.cookie, checkName };
    if (!c.jsonPath) throw bad(`capture ${c.var}: give a header or a JSON path`);
    return { variable: c.var!, jsonPath: jsonPath(c.jsonPath, `capture ${c.var}`), checkName };
  });
  const expect = r.expectStatus && r.expectStatus.length > 0 ? new Set(r.expectStatus) : null;
  const templated =
    typeof path !== 'string' ||
    Object.values(headers).some((t) => typeof t !== 'string') ||
    (body !== null && !Buffer.isBuffer(body)) ||
    streamed?.templated === true;
  return {
    index,
    origin,
    method: method as Dispatcher.HttpMethod,
    path,
    headers,
    body,
    streamed,
    timeoutMs: r.timeoutMs || 60_000,
    expect,
    maxRedirects: Math.min(r.maxRedirects ?? 0, MAX_REDIRECTS),
    retry: retryPolicyOf(r.retry),
    checks,
    captures,
    templated,
    readsBody: checks.some((c) => c.jsonPath !== undefined) || captures.some((c) => c.jsonPath !== undefined),
  };
}
