// The summary JSON of DESIGN.md: the one source of every report (--out, the
// REST API, tables). Built from a finished run; pure.
import { judge } from '../merge/judge.ts';
import { type RequestSummary, requestSummary, statusRecord } from '../merge/request-figures.ts';
import { type AddressTotals, bySourceJson } from '../merge/source-breakdown.ts';
import type { MonitorStats } from '../monitor/monitor-stats.ts';
import type { Threshold } from '../scenario/thresholds.ts';
import { nothingAnswered } from './answer-verdict.ts';
import { type DataSourceFacts, type DataSummary, dataSummary } from './data-summary.ts';
import { redirectNotes } from './redirect-note.ts';
import type { RunResult, RunStatus } from './run-result.ts';
import { noSessionVerdict, sessionNote } from './session-note.ts';

export type { LatencyMs, RequestSummary } from '../merge/request-figures.ts';

/** An agent's per-address breakdown, when it has a source list. */
const sourcesOf = (totals: ReadonlyMap<string, AddressTotals> | undefined, declared: readonly string[] | undefined) =>
  declared === undefined || declared.length === 0 ? {} : { bySource: bySourceJson(totals ?? new Map(), declared) };

export interface AgentSummary {
  id: string;
  name: string;
  host: string;
  share: number;
  requests: number;
  status: Record<string, number>;
  clockOffsetMs: number;
  startOffsetMs: number;
  /** As the agent reported them in its Hello. */
  hostname: string;
  cpus: number;
  version: string;
  /** Threads that fired its load (agent --workers). */
  workers: number;
  /** Connections it opened to targets (keepAlive: false: one per request). */
  connectionsOpened?: number;
  /** Requests by source address (agent --source-ips), each address it declared: attempts, statuses, errors. */
  bySource?: Record<string, { requests: number; errors: number; status: Record<string, number> }>;
  /** Its worst interval: event-loop delay p99 and max (ms), and cores busy; a saturated agent gets a note. */
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  cpuCores: number;
  /** Its busiest interval's event-loop utilisation (0..1), and the intervals it was at 0.95 or more (two or more: a note). */
  eventLoopUtilization: number;
  busyIntervals: number;
  /** Set when the agent was lost (silent past the run's agentTimeout). */
  lost?: {
    at: string;
    afterMs: number;
    silentMs: number;
    share: number;
    policy: string;
    takenBy: string[];
    takenFromMs: number | null;
    returnedAt: string | null;
    finalReport: boolean;
    leaseExpiredMs: number | null;
  };
}

export interface Summary {
  run: {
    id: string;
    scenario: string;
    /** `error` only in the partial summary of a run that ended in error (partial-summary.ts). */
    status: RunStatus | 'error';
    startedAt: string;
    endedAt: string;
    startSkewMs: number;
    activeWindowMs: number;
    agents: AgentSummary[];
    /** Connections the agents opened to targets, together. */
    connectionsOpened?: number;
    notes: string[];
    /** Why the run ended in error or was interrupted: only in a partial summary, never in a run's own. */
    error?: string;
  };
  totals: RequestSummary;
  requests: Record<string, RequestSummary>;
  thresholds: Array<{ expr: string; scope: string; value: number; ok: boolean }>;
  monitors: Record<string, MonitorStats>;
  /** Requests the controller sent to each monitor URL (origin + path), the preflight's included. */
  monitorRequests: Record<string, number>;
  /** Per data source: rows used, in all and per agent (only when the scenario has sources). */
  data?: Record<string, DataSummary>;
}

/**
 * The run's status once thresholds are judged: a failed threshold makes a passed or degraded
 * run `failed`, and so does an abort a threshold caused, and so does a run in which no request
 * got an expected answer (whatever its thresholds); an abort by hand stays `aborted`.
 */
export function finalStatus(
  status: RunStatus,
  thresholdsOk: boolean,
  abortedByThreshold: boolean,
  nothingAnswered = false,
): RunStatus {
  if (abortedByThreshold) return 'failed';
  if ((!thresholdsOk || nothingAnswered) && (status === 'passed' || status === 'degraded')) return 'failed';
  return status;
}

export interface SummaryOptions {
  /** A request of the run lists 429 in its `expect`: a 429 is then an expected answer too. */
  expects429?: boolean;
  /** The scenario's data sources (their rows used are reported per agent). */
  data?: readonly DataSourceFacts[];
  /** Values no note may show (secret run variables, secret data columns). */
  secrets?: readonly string[];
  /** Each request's path and query as written (with their ${…}): shown instead of a URL that holds a secret. */
  written?: ReadonlyMap<string, string>;
  /** Request names only sessions send: the load's verdict leaves them out. */
  sessionOnly?: ReadonlySet<string>;
}

export function buildSummary(
  scenarioName: string,
  r: RunResult,
  thresholds: readonly Threshold[] = [],
  options: SummaryOptions = {},
): Summary {
  const started = r.participants.map((p) => p.startedAt).filter((t) => t > 0);
  const firstStart = started.length > 0 ? Math.min(...started) : r.plannedStartAt;
  const ends = r.participants.map((p) => p.finished?.endedAt ?? 0).filter((t) => t > 0);
  const lastEnd = ends.length > 0 ? Math.max(...ends) : r.endedAt;
  const windowMs = Math.max(0, lastEnd - firstStart);
  const round3 = (x: number) => Math.round(x * 1000) / 1000;
  const totals = requestSummary(r.aggregate.total, windowMs, r.firstRateLimitedAfter.get(''));
  const requests = Object.fromEntries(
    [...r.aggregate.byName].map(([name, t]) => [name, requestSummary(t, windowMs, r.firstRateLimitedAfter.get(name))]),
  );
  const judged = judge(thresholds, {
    aggregate: r.aggregate,
    windowMs,
    firstRateLimitedAfter: r.firstRateLimitedAfter,
    monitors: r.monitors,
  });
  // The threshold that stopped the run failed, whatever the complete data say afterwards.
  const stop = r.thresholdAbort;
  if (stop) {
    const i = judged.findIndex((j) => j.expr === stop.expr && j.scope === stop.scope);
    if (i >= 0) judged[i] = { ...stop, ok: false };
  }
  // The load's verdict leaves session steps out: answered logins are not an answered load.
  const sessionOnly = options.sessionOnly ?? new Set<string>();
  const sessions = Object.entries(requests).filter(([n]) => sessionOnly.has(n));
  const load = sessions.length === 0 ? totals : requestSummary(r.aggregate.judged, windowMs, undefined);
  const noSession = noSessionVerdict(load, sessions);
  const unanswered = noSession ?? nothingAnswered(load, options.expects429 ?? false);
  const sessionTrouble = noSession === undefined ? sessionNote(load, sessions) : undefined;
  const notes = [
    ...(unanswered === undefined ? [] : [unanswered]),
    ...(sessionTrouble === undefined ? [] : [sessionTrouble]),
    ...r.notes,
    ...redirectNotes(r.aggregate.byName, options.secrets, options.written),
  ];
  return {
    run: {
      id: r.runId,
      scenario: scenarioName,
      status: finalStatus(
        r.status,
        judged.every((t) => t.ok),
        r.abortedByThreshold,
        unanswered !== undefined,
      ),
      startedAt: new Date(firstStart).toISOString(),
      endedAt: new Date(lastEnd).toISOString(),
      startSkewMs: started.length > 0 ? round3(Math.max(...started) - firstStart) : 0,
      activeWindowMs: round3(windowMs),
      agents: r.participants.map((p) => {
        const a = r.aggregate.agents.get(p.id);
        return {
          id: p.id,
          name: p.name,
          host: p.host,
          share: round3(p.segment.end - p.segment.start),
          requests: a?.requests ?? 0,
          status: statusRecord(a?.status ?? new Map()),
          clockOffsetMs: round3(p.clockOffsetMs),
          startOffsetMs: p.startedAt > 0 ? round3(p.startedAt - r.plannedStartAt) : 0,
          hostname: p.session.hello?.hostname ?? '',
          cpus: p.session.hello?.cpus ?? 0,
          version: p.session.hello?.version ?? '',
          workers: Math.max(1, p.session.hello?.workers ?? 1),
          connectionsOpened: a?.connectionsOpened ?? 0,
          ...sourcesOf(a?.bySource, p.session.hello?.sourceIps),
          eventLoopP99Ms: p.eventLoopP99Ms,
          eventLoopMaxMs: p.eventLoopMaxMs,
          cpuCores: p.cpuCores,
          eventLoopUtilization: p.eventLoopUtilization,
          busyIntervals: p.busyIntervals,
          ...(p.lost === undefined
            ? {}
            : {
                lost: {
                  at: new Date(p.lost.at).toISOString(),
                  afterMs: round3(p.lost.at - r.plannedStartAt),
                  silentMs: round3(p.lost.at - p.lost.lastContactAt),
                  share: round3(p.lost.share),
                  policy: p.lost.policy,
                  takenBy: [...p.lost.takenBy],
                  takenFromMs: p.lost.takenFrom > 0 ? round3(p.lost.takenFrom - r.plannedStartAt) : null,
                  leaseExpiredMs: p.leaseExpiredAt > 0 ? round3(p.leaseExpiredAt - r.plannedStartAt) : null,
                  returnedAt: p.lost.returnedAt > 0 ? new Date(p.lost.returnedAt).toISOString() : null,
                  finalReport: p.final,
                },
              }),
        };
      }),
      connectionsOpened: [...r.aggregate.agents.values()].reduce((n, a) => n + a.connectionsOpened, 0),
      notes,
    },
    totals,
    requests,
    thresholds: judged,
    monitors: Object.fromEntries(Object.entries(r.monitors).map(([n, m]) => [n, { ...m }])),
    monitorRequests: { ...r.monitorRequests },
    ...(options.data === undefined || options.data.length === 0
      ? {}
      : {
          data: dataSummary(
            options.data,
            r.aggregate.agents,
            (id) => r.participants.find((p) => p.id === id)?.name ?? id,
          ),
        }),
  };
}
