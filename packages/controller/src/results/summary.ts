// The summary JSON of DESIGN.md: the one source of every report (--out, the
// REST API, tables). Built from a finished run; pure.
import type { Float64Histogram } from 'hdr-histogram-js';
import type { RequestTotals } from '../merge/run-aggregate.ts';
import type { MonitorStats } from '../monitor/monitor-poller.ts';
import type { RunResult, RunStatus } from '../run/run.ts';
import { evaluateThresholds, type Threshold } from '../scenario/thresholds.ts';

export interface LatencyMs {
  min: number; mean: number; p50: number; p90: number; p95: number; p99: number; p999: number; max: number;
}

export interface RequestSummary {
  requests: number;
  ok: number;
  rateLimited: number;
  failed: number;
  dropped: number;
  rps: number;
  status: Record<string, number>;
  errors: { timeout: number; refused: number; reset: number; other: number };
  retryAfterPresent: number;
  /**
   * Requests answered with anything but 429 that were sent before the cluster's first 429
   * arrived (controller clock); null without a 429. For a fixed-window limiter this is
   * the number of requests the server admitted before it started limiting.
   */
  firstRateLimitedAfter: number | null;
  bytesReceived: number;
  bytesSent: number;
  /** From the intended send in open models (coordinated omission corrected), else from the send. */
  latencyMs: LatencyMs;
  /** Open models: from the moment the request went onto a connection; only when every sample has one. */
  serviceTimeMs?: LatencyMs;
  /** Per check (and capture): how many answered requests passed and failed it. */
  checks: Record<string, { passes: number; fails: number }>;
}

export interface AgentSummary {
  id: string; name: string; host: string; share: number; requests: number; status: Record<string, number>;
  clockOffsetMs: number; startOffsetMs: number;
  /** As the agent reported them in its Hello. */
  hostname: string; cpus: number; version: string;
  /** Threads that fired its load (agent --workers). */
  workers: number;
  /** Its worst interval: event-loop delay p99 and max (ms), and cores busy; a saturated agent gets a note. */
  eventLoopP99Ms: number; eventLoopMaxMs: number; cpuCores: number;
  /** Its busiest interval's event-loop utilisation (0..1), and the intervals it was at 0.95 or more (two or more: a note). */
  eventLoopUtilization: number; busyIntervals: number;
  /** Set when the agent was lost (silent past the run's agentTimeout). */
  lost?: { at: string; afterMs: number; silentMs: number; share: number; policy: string; takenBy: string[]; takenFromMs: number | null; returnedAt: string | null; finalReport: boolean; leaseExpiredMs: number | null };
}

export interface Summary {
  run: {
    id: string; scenario: string; status: RunStatus; startedAt: string; endedAt: string; startSkewMs: number;
    activeWindowMs: number; agents: AgentSummary[]; notes: string[];
  };
  totals: RequestSummary;
  requests: Record<string, RequestSummary>;
  thresholds: Array<{ expr: string; scope: string; value: number; ok: boolean }>;
  monitors: Record<string, MonitorStats>;
}

const ms = (us: number) => Math.round(us) / 1000;

/**
 * Latency figures in ms. HdrHistogram answers a percentile with the highest value
 * equivalent to its bucket, which can lie above the exact max recorded in that
 * bucket; the true value cannot, so percentiles are clamped into [min, max]
 * (never "p99 > max").
 */
export function latencyMs(h: Float64Histogram): LatencyMs {
  if (h.totalCount === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  const min = h.minNonZeroValue;
  const max = h.maxValue;
  const p = (q: number) => ms(Math.min(max, Math.max(min, h.getValueAtPercentile(q))));
  return {
    min: ms(min), mean: ms(Math.min(max, Math.max(min, h.mean))),
    p50: p(50), p90: p(90), p95: p(95), p99: p(99), p999: p(99.9), max: ms(max),
  };
}

function statusRecord(m: Map<number, number>): Record<string, number> {
  return Object.fromEntries([...m].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));
}

export function requestSummary(t: RequestTotals, windowMs: number, firstAfter: number | undefined): RequestSummary {
  const requests = t.requests;
  const out: RequestSummary = {
    requests, ok: t.ok, rateLimited: t.rateLimited, failed: t.failed, dropped: t.dropped,
    rps: windowMs > 0 ? Math.round((requests / (windowMs / 1000)) * 100) / 100 : 0,
    status: statusRecord(t.status), errors: { ...t.errors }, retryAfterPresent: t.retryAfterPresent,
    firstRateLimitedAfter: t.rateLimited > 0 ? firstAfter ?? null : null,
    bytesReceived: t.bytesReceived, bytesSent: t.bytesSent, latencyMs: latencyMs(t.latency),
    checks: Object.fromEntries([...t.checks].sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => [k, { ...v }])),
  };
  // Shown only where it covers every sample: a TOTAL over open and closed models has no service time.
  if (t.serviceTime && t.serviceTime.totalCount === t.latency.totalCount) out.serviceTimeMs = latencyMs(t.serviceTime);
  return out;
}

/** Any percentile (ms) of a histogram, clamped into [min, max] like the summary's. */
export function percentileMs(h: Float64Histogram, q: number): number {
  if (h.totalCount === 0) return NaN;
  return ms(Math.min(h.maxValue, Math.max(h.minNonZeroValue, h.getValueAtPercentile(q))));
}

/**
 * The run's status once thresholds are judged: a failed threshold makes a passed or degraded
 * run `failed`, and so does an abort a threshold caused; an abort by hand stays `aborted`.
 */
export function finalStatus(status: RunStatus, thresholdsOk: boolean, abortedByThreshold: boolean): RunStatus {
  if (abortedByThreshold) return 'failed';
  if (!thresholdsOk && (status === 'passed' || status === 'degraded')) return 'failed';
  return status;
}

export function buildSummary(scenarioName: string, r: RunResult, thresholds: readonly Threshold[] = []): Summary {
  const started = r.participants.map((p) => p.startedAt).filter((t) => t > 0);
  const firstStart = started.length > 0 ? Math.min(...started) : r.plannedStartAt;
  const ends = r.participants.map((p) => p.finished?.endedAt ?? 0).filter((t) => t > 0);
  const lastEnd = ends.length > 0 ? Math.max(...ends) : r.endedAt;
  const windowMs = Math.max(0, lastEnd - firstStart);
  const round3 = (x: number) => Math.round(x * 1000) / 1000;
  const totals = requestSummary(r.aggregate.total, windowMs, r.firstRateLimitedAfter.get(''));
  const requests = Object.fromEntries([...r.aggregate.byName].map(([name, t]) => [name, requestSummary(t, windowMs, r.firstRateLimitedAfter.get(name))]));
  const judged = evaluateThresholds(thresholds, {
    totals, requests, monitors: r.monitors,
    percentile: (scope, q) => percentileMs((scope === '' ? r.aggregate.total : r.aggregate.byName.get(scope)!).latency, q),
  });
  // The threshold that stopped the run failed, whatever the complete data say afterwards.
  const stop = r.thresholdAbort;
  if (stop) {
    const i = judged.findIndex((j) => j.expr === stop.expr && j.scope === stop.scope);
    if (i >= 0) judged[i] = { ...stop, ok: false };
  }
  return {
    run: {
      id: r.runId, scenario: scenarioName, status: finalStatus(r.status, judged.every((t) => t.ok), r.abortedByThreshold),
      startedAt: new Date(firstStart).toISOString(), endedAt: new Date(lastEnd).toISOString(),
      startSkewMs: started.length > 0 ? round3(Math.max(...started) - firstStart) : 0,
      activeWindowMs: round3(windowMs),
      agents: r.participants.map((p) => {
        const a = r.aggregate.agents.get(p.id);
        return {
          id: p.id, name: p.name, host: p.host, share: round3(p.segment.end - p.segment.start),
          requests: a?.requests ?? 0, status: statusRecord(a?.status ?? new Map()),
          clockOffsetMs: round3(p.clockOffsetMs), startOffsetMs: p.startedAt > 0 ? round3(p.startedAt - r.plannedStartAt) : 0,
          hostname: p.session.hello?.hostname ?? '', cpus: p.session.hello?.cpus ?? 0, version: p.session.hello?.version ?? '',
          workers: Math.max(1, p.session.hello?.workers ?? 1),
          eventLoopP99Ms: p.eventLoopP99Ms, eventLoopMaxMs: p.eventLoopMaxMs, cpuCores: p.cpuCores,
          eventLoopUtilization: p.eventLoopUtilization, busyIntervals: p.busyIntervals,
          ...(p.lost === undefined ? {} : { lost: {
            at: new Date(p.lost.at).toISOString(), afterMs: round3(p.lost.at - r.plannedStartAt), silentMs: round3(p.lost.at - p.lost.lastContactAt),
            share: round3(p.lost.share), policy: p.lost.policy, takenBy: [...p.lost.takenBy],
            takenFromMs: p.lost.takenFrom > 0 ? round3(p.lost.takenFrom - r.plannedStartAt) : null,
            leaseExpiredMs: p.leaseExpiredAt > 0 ? round3(p.leaseExpiredAt - r.plannedStartAt) : null,
            returnedAt: p.lost.returnedAt > 0 ? new Date(p.lost.returnedAt).toISOString() : null, finalReport: p.final,
          } }),
        };
      }),
      notes: [...r.notes],
    },
    totals,
    requests,
    thresholds: judged,
    monitors: Object.fromEntries(Object.entries(r.monitors).map(([n, m]) => [n, { ...m }])),
  };
}
