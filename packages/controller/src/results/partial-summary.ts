// The summary of a run that ended without one of its own: it ended in error
// (setup failed, no agents came, a monitor was refused before the load) or was
// interrupted (its controller stopped). It says why (run.error) and carries
// what the run recorded before it stopped: its stored intervals' counters
// summed (the merged ones, so exact), their latency max and mean, and the
// monitors' figures from their stored samples. Latency percentiles need the
// run's merged histogram, which such a run never wrote: they are NaN (null in
// JSON), as is anything the intervals do not hold. No threshold is judged. Pure.
import type { StoredInterval } from '../merge/interval-figures.ts';
import type { RequestSummary } from '../merge/request-figures.ts';
import { type MonitorSample, monitorStats } from '../monitor/monitor-stats.ts';
import type { RunStatus } from './run-result.ts';
import type { Summary } from './summary.ts';

/** What the store knows of a run besides its data (a StoredRun). */
export interface EndedRun {
  id: string;
  scenario: string;
  status: RunStatus | 'error';
  createdAt: string;
  endedAt: string | null;
  error: string | null;
}

const add = (into: Record<string, number>, from: Readonly<Record<string, number>>) => {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
};

/** The intervals' counters summed; latency max and mean where intervals had answers, percentiles NaN. */
function totalsOf(intervals: readonly StoredInterval[], windowMs: number): RequestSummary {
  const status: Record<string, number> = {};
  const errors = { timeout: 0, refused: 0, reset: 0, other: 0, tls: 0 };
  let [requests, ok, rateLimited, failed, dropped, weighted, max] = [0, 0, 0, 0, 0, 0, Number.NaN];
  for (const p of intervals) {
    requests += p.requests;
    ok += p.ok;
    rateLimited += p.rateLimited;
    failed += p.failed;
    dropped += p.dropped;
    add(status, p.status);
    add(errors, p.errors);
    const answers = Object.values(p.status).reduce((n, c) => n + c, 0);
    if (p.meanMs !== null) weighted += p.meanMs * answers;
    if (p.maxMs !== null) max = Number.isNaN(max) ? p.maxMs : Math.max(max, p.maxMs);
  }
  const responses = Object.values(status).reduce((n, c) => n + c, 0);
  const none = Number.NaN;
  return {
    requests,
    responses,
    ok,
    rateLimited,
    failed,
    dropped,
    rps: windowMs > 0 ? Math.round((responses / (windowMs / 1000)) * 100) / 100 : 0,
    status: Object.fromEntries(Object.entries(status).sort((a, b) => Number(a[0]) - Number(b[0]))),
    errors,
    retryAfterPresent: none,
    firstRateLimitedAfter: null,
    bytesReceived: none,
    bytesSent: none,
    latencyMs: {
      min: none,
      mean: responses > 0 ? Math.round((weighted / responses) * 1000) / 1000 : none,
      p50: none,
      p90: none,
      p95: none,
      p99: none,
      p999: none,
      max,
    },
    checks: {},
    redirects: none,
  };
}

/** The summary of an ended run that has none: its reason, and what its stored intervals and samples hold. */
export function partialSummary(
  run: EndedRun,
  timing: { plannedStartAt: number | null; intervalMs: number },
  intervals: readonly StoredInterval[],
  monitorSamples: Readonly<Record<string, readonly MonitorSample[]>>,
): Summary {
  const last = intervals.at(-1);
  const windowMs = last === undefined ? 0 : (last.interval + 1) * timing.intervalMs;
  const startedAt = timing.plannedStartAt ?? Date.parse(run.createdAt);
  const totals = totalsOf(intervals, windowMs);
  return {
    run: {
      id: run.id,
      scenario: run.scenario,
      status: run.status,
      startedAt: new Date(startedAt).toISOString(),
      endedAt: run.endedAt ?? new Date(startedAt + windowMs).toISOString(),
      startSkewMs: 0,
      activeWindowMs: windowMs,
      agents: [],
      notes: [],
      error: run.error ?? `the run ended ${run.status} without a summary`,
    },
    totals,
    requests: {},
    thresholds: [],
    monitors: Object.fromEntries(Object.entries(monitorSamples).map(([n, s]) => [n, monitorStats(s)])),
    monitorRequests: {},
  };
}
