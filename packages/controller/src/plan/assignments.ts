// Turns a scenario and the chosen agents into one Assign per agent, using the
// planner's segments and apportionment. Pure.
//
// Closed models: VUs are apportioned; shared iterations follow the VUs.
// ramping-vus: every agent gets the cluster-wide stages and takes
// floor(T·b) − floor(T·a) of the target T at each instant (exact at every
// instant). Open models: the cluster's N arrivals are apportioned by segment
// width, and the in-flight cap by arrivals (at least one slot per agent with arrivals).
import { ArrivalSchedule, LOAD_MODELS, offsetsOf, peakShare, rampVuBlock } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import type { LoadScenario, RequestDef, Scenario } from '../scenario/scenario.ts';
import type { RetryDef } from '../scenario/schema-retry.ts';
import { requestUrl } from '../scenario/urls.ts';
import { apportion, type Segment, segments } from './apportion.ts';
import { connectionAssign, requestConnection } from './connection-specs.ts';
import { dataSources } from './data-chunks.ts';
import type { RunVar } from './setup.ts';
import { requestTransport, scenarioTransport } from './transport-specs.ts';

export interface AgentPlan {
  segment: Segment;
  assign: barrage.v1.Assign.$Properties;
}

export interface PlanInput {
  runId: string;
  scenario: Scenario;
  baseUrl: string | undefined;
  /** `workers`: the agent's worker threads (Hello.workers; 0 or 1: one). */
  agents: ReadonlyArray<{ id: string; weight: number; workers?: number }>;
  vars: readonly RunVar[];
  intervalMs: number;
  allowTargets?: readonly string[];
}

type Share = Pick<
  barrage.v1.ScenarioPlan.$Properties,
  'vus' | 'iterations' | 'iterationsPerVu' | 'maxInFlight' | 'connections'
>;

/** Each agent's share of one scenario; null where an agent has nothing to run. */
export function shares(sc: LoadScenario, segs: readonly Segment[]): Array<Share | null> {
  const widths = segs.map((s) => s.end - s.start);
  // A connection limit is split like the load; an agent with load keeps at least one connection.
  const conns = (weights: readonly number[]) =>
    sc.connections > 0 ? apportion(sc.connections, weights).map((c) => Math.max(1, c)) : weights.map(() => 0);
  switch (sc.executor) {
    case 'constant-vus':
    case 'shared-iterations':
    case 'per-vu-iterations': {
      const vus = apportion(sc.vus, widths);
      // Shared iterations follow the VUs that will run them: an agent without VUs gets none.
      const iterations = sc.executor === 'shared-iterations' ? apportion(sc.iterations, vus) : vus.map(() => 0);
      const c = conns(vus);
      return vus.map((v, i) =>
        v === 0
          ? null
          : {
              vus: v,
              iterations: iterations[i],
              iterationsPerVu: sc.executor === 'per-vu-iterations' ? sc.iterations : 0,
              maxInFlight: 0,
              connections: c[i],
            },
      );
    }
    case 'ramping-vus': {
      const peaks = segs.map((s) => peakShare(sc.startTarget, sc.stages, s.start, s.end));
      const c = conns(peaks);
      return peaks.map((p, i) =>
        p === 0 ? null : { vus: p, iterations: 0, iterationsPerVu: 0, maxInFlight: 0, connections: c[i] },
      );
    }
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': {
      const total = new ArrivalSchedule(sc.startTarget, sc.stages).total;
      const arrivals = apportion(total, widths);
      // The cap follows the arrivals; an agent with arrivals keeps at least one in-flight slot.
      const caps = apportion(sc.maxInFlight, arrivals.some((n) => n > 0) ? arrivals : widths).map((c) =>
        Math.max(1, c),
      );
      const c = conns(arrivals.some((n) => n > 0) ? arrivals : widths);
      return arrivals.map((n, i) =>
        n === 0 ? null : { vus: 0, iterations: n, iterationsPerVu: 0, maxInFlight: caps[i], connections: c[i] },
      );
    }
  }
}

function requestSpec(
  r: RequestDef,
  baseUrl: string | undefined,
  redirects: number,
  retry: RetryDef | undefined,
): barrage.v1.RequestSpec.$Properties {
  return {
    name: r.name,
    method: r.method,
    url: requestUrl(r, baseUrl),
    headers: Object.entries(r.headers).map(([n, value]) => ({ name: n, value })),
    body: r.body === undefined ? new Uint8Array(0) : Buffer.from(r.body),
    weight: r.weight,
    timeoutMs: r.timeoutMs,
    expectStatus: r.expect,
    // The request's own limit wins over its load model's (which holds the defaults').
    maxRedirects: r.redirects ?? redirects,
    retry: retrySpec(r.retry ?? retry),
    captures: r.captures.map((c) => ({
      var: c.variable,
      jsonPath: c.json ?? '',
      header: c.header ?? '',
      cookie: c.cookie ?? '',
    })),
    checks: r.checks.map((c) => ({
      name: c.name,
      header: c.header ?? '',
      jsonPath: c.json ?? '',
      equalsJson: c.equals === undefined ? '' : JSON.stringify(c.equals.value),
      onStatus: c.status,
    })),
    multipart:
      r.multipart === undefined
        ? null
        : {
            field: r.multipart.field,
            filename: r.multipart.filename,
            contentType: r.multipart.contentType,
            size: r.multipart.size,
            fields: Object.entries(r.multipart.fields).map(([name, value]) => ({ name, value })),
            parts: r.multipart.parts.map((p) => ({
              field: p.field,
              filename: p.filename,
              contentType: p.contentType,
              size: p.size,
              file: p.file === undefined ? null : { ...p.file },
            })),
          },
    bodyFile: r.bodyFile === undefined ? null : { ...r.bodyFile },
  };
}

/** A retry policy on the wire; none (or max 0): never retried. */
function retrySpec(r: RetryDef | undefined): barrage.v1.RetrySpec.$Properties | null {
  if (r === undefined || r.max === 0) return null;
  return {
    onStatus: r.statuses,
    onReset: r.errors.includes('reset'),
    onTimeout: r.errors.includes('timeout'),
    onRefused: r.errors.includes('refused'),
    max: r.max,
    baseMs: r.baseMs,
    maxMs: r.maxMs,
    jitter: r.jitter,
    honorRetryAfter: r.honorRetryAfter,
  };
}

export function planRun(p: PlanInput): AgentPlan[] {
  const segs = segments(p.agents);
  const plans: barrage.v1.ScenarioPlan.$Properties[][] = segs.map(() => []);
  for (const sc of p.scenario.scenarios) {
    // The requests this scenario's mix and session use, each once; mix and session steps index into them.
    const session = sc.session;
    const used = [
      ...new Set([...sc.mix.flatMap((m) => m.steps), ...(session?.steps ?? []), ...(session?.teardown ?? [])]),
    ];
    const requests = used.map((n) => ({
      ...requestSpec(p.scenario.requests.find((r) => r.name === n)!, p.baseUrl, sc.redirects, sc.retry),
      ...requestConnection(p.scenario.connections, n),
      ...requestTransport(p.scenario.transport?.[p.scenario.scenarios.indexOf(sc)], n),
    }));
    const mix = sc.mix.map((m) => ({ name: m.name, weight: m.weight, steps: m.steps.map((n) => used.indexOf(n)) }));
    const total = LOAD_MODELS[sc.executor].kind === 'open' ? new ArrivalSchedule(sc.startTarget, sc.stages).total : 0;
    const split = shares(sc, segs);
    // Global indexes (core's global-index.ts): where each agent's VUs and iterations or arrivals start.
    // A ramp's agent with worker threads needs its workers' peaks added up (core's rampVuBlock);
    // an open model's "VUs" are its session slots, one per in-flight iteration.
    const blocks = split.map((s, i) =>
      s === null
        ? 0
        : LOAD_MODELS[sc.executor].kind === 'open'
          ? (s.maxInFlight ?? 0)
          : sc.executor === 'ramping-vus' && (p.agents[i]!.workers ?? 1) > 1
            ? rampVuBlock(sc.startTarget, sc.stages, segs[i]!, p.agents[i]!.workers!)
            : (s.vus ?? 0),
    );
    const vuOffsets = offsetsOf(blocks);
    const iterationOffsets = offsetsOf(split.map((s) => s?.iterations ?? 0));
    const source = p.scenario.source?.scenarios?.find((x) => x.name === sc.name);
    const seed = String(source?.seed ?? p.scenario.source?.seed ?? '');
    const scenarioIndex = p.scenario.scenarios.indexOf(sc);
    split.forEach((share, i) => {
      if (share === null) return;
      plans[i]!.push({
        vuOffset: vuOffsets[i],
        iterationOffset: iterationOffsets[i],
        vuSpan: blocks.reduce((a, b) => a + b, 0),
        seed,
        scenarioIndex,
        scenarioCount: p.scenario.scenarios.length,
        name: sc.name,
        executor: LOAD_MODELS[sc.executor].executor,
        ...share,
        durationMs: sc.durationMs,
        maxDurationMs: sc.durationMs,
        startOffsetMs: sc.startTimeMs,
        gracefulStopMs: sc.gracefulStopMs,
        thinkTimeMs: sc.thinkTimeMs,
        startTarget: sc.startTarget,
        stages: sc.stages.map((s) => ({ ...s })),
        totalArrivals: total,
        requests,
        mix,
        cookiesOff: !sc.cookies,
        ...scenarioTransport(p.scenario.transport?.[scenarioIndex]),
        ...(session === undefined
          ? {}
          : {
              sessionSteps: session.steps.map((n) => used.indexOf(n)),
              sessionRefreshEveryMs: session.everyMs,
              sessionRefreshOn: [...session.refreshOn],
              sessionRampUpMs: session.rampUpMs,
              sessionTeardown: session.teardown.map((n) => used.indexOf(n)),
            }),
        dataSources: sc.data.map((n) => p.scenario.data.findIndex((d) => d.name === n)),
      });
    });
  }
  return segs.map((segment, i) => ({
    segment,
    assign: {
      runId: p.runId,
      segmentStart: segment.start,
      segmentEnd: segment.end,
      intervalMs: p.intervalMs,
      scenarios: plans[i],
      vars: p.vars.map((v) => ({ ...v })),
      allowH2: false,
      agentTimeoutMs: p.scenario.agentTimeoutMs,
      leaseMs: p.scenario.leaseMs,
      allowTargets: [...(p.allowTargets ?? [])],
      data: dataSources(p.scenario.data),
      ...connectionAssign(p.scenario.connections),
    },
  }));
}
