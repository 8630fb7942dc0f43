// Judging thresholds on merged results: the one judge used live (abortOnFail,
// the dashboard) and at the end (the summary), so a verdict means the same at
// both moments. Pure: figures in, verdicts out, no clock.
import type { MonitorStats } from '../monitor/monitor-stats.ts';
import type { Metric, Op, Threshold, ThresholdResult } from '../scenario/thresholds.ts';
import { percentileMs, type RequestSummary, requestSummary } from './request-figures.ts';
import type { RunAggregate } from './run-aggregate.ts';

/**
 * The metric's value in a request summary (ms, fraction, count, per second); NaN when it has
 * no value (a rate of nothing, latency without a response). `percentile` answers the
 * percentiles a summary does not carry, from the merged histogram.
 */
export function requestValue(m: Metric, s: RequestSummary, percentile?: (q: number) => number): number {
  switch (m.kind) {
    case 'latency': {
      const l = s.latencyMs;
      if (s.responses === 0) return NaN;
      if (m.stat === 'p') return percentileOf(l, m.percentile!) ?? percentile?.(m.percentile!) ?? NaN;
      return m.stat === 'avg' ? l.mean : m.stat === 'med' ? l.p50 : l[m.stat];
    }
    case 'rate': {
      if (m.of === 'retry_after') return s.rateLimited === 0 ? NaN : s.retryAfterPresent / s.rateLimited;
      // Of logical requests: a retried attempt is part of its request, not one of its own.
      const logical = s.requests - (s.retries ?? 0);
      return logical <= 0 ? NaN : count(m.of, s) / logical;
    }
    case 'count':
      return count(m.of, s);
    case 'rps':
      return s.rps;
    case 'monitor':
      return NaN;
  }
}

function count(of: Exclude<Metric & { kind: 'count' }, never>['of'], s: RequestSummary): number {
  if (typeof of === 'number') return s.status[String(of)] ?? 0;
  switch (of) {
    case 'ok':
      return s.ok;
    case 'failed':
      return s.failed;
    case 'rate_limited':
      return s.rateLimited;
    case 'retry_after':
      return s.retryAfterPresent;
    case 'requests':
      return s.requests;
    case 'dropped':
      return s.dropped;
  }
}

/** The summary keeps p50/p90/p95/p99/p99.9; other percentiles need the histogram (see summary.ts percentile). */
function percentileOf(l: RequestSummary['latencyMs'], q: number): number | undefined {
  const known: Record<number, number> = { 50: l.p50, 90: l.p90, 95: l.p95, 99: l.p99, 99.9: l.p999, 100: l.max };
  return known[q];
}

export function compare(value: number, op: Op, target: number): boolean {
  if (Number.isNaN(value)) return false;
  switch (op) {
    case '<':
      return value < target;
    case '<=':
      return value <= target;
    case '>':
      return value > target;
    case '>=':
      return value >= target;
    case '==':
      return value === target;
    case '!=':
      return value !== target;
  }
}

/** What thresholds are judged on: the merged results, overall and per request name, and monitors. */
export interface Judged {
  totals: RequestSummary;
  requests: Readonly<Record<string, RequestSummary>>;
  /** Any latency percentile (ms) of a scope ('' = all requests), from the merged histogram. */
  percentile?: (scope: string, q: number) => number;
  /** Monitor statistics by monitor name. */
  monitors?: Readonly<Record<string, MonitorStats>>;
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x);

/** Every threshold's value and verdict; a value that cannot be computed (NaN) fails. */
export function evaluateThresholds(ts: readonly Threshold[], j: Judged): ThresholdResult[] {
  return ts.map((t) => {
    let value: number;
    if (t.metric.kind === 'monitor') value = j.monitors?.[t.metric.monitor]?.[t.metric.stat] ?? NaN;
    else {
      const s = t.scope === '' ? j.totals : j.requests[t.scope];
      value = s === undefined ? NaN : requestValue(t.metric, s, (q) => j.percentile?.(t.scope, q) ?? NaN);
    }
    return {
      expr: t.expr,
      scope: t.scope === '' ? 'all' : t.scope,
      value: round(value),
      ok: compare(value, t.op, t.target),
    };
  });
}

/** The merged results thresholds are judged on, and the window their rates are taken over. */
export interface JudgeInput {
  aggregate: RunAggregate;
  /** The active window (ms): live, the time since the start; at the end, first start to last end. */
  windowMs: number;
  /** Per name ('' = all): answered non-429 requests sent before the first 429, once known. */
  firstRateLimitedAfter?: ReadonlyMap<string, number>;
  monitors?: Readonly<Record<string, MonitorStats>>;
}

/** Every threshold judged on the merged results (only the scopes they name are summed up). */
export function judge(ts: readonly Threshold[], i: JudgeInput): ThresholdResult[] {
  if (ts.length === 0) return [];
  const agg = i.aggregate;
  // All requests, as thresholds see them: session-only names are judged only where named.
  const totalsOf = (scope: string) => (scope === '' ? agg.judged : agg.byName.get(scope)!);
  const summaryOf = (scope: string) => requestSummary(totalsOf(scope), i.windowMs, i.firstRateLimitedAfter?.get(scope));
  const scopes = new Set(ts.filter((t) => t.metric.kind !== 'monitor').map((t) => t.scope));
  const requests = Object.fromEntries(
    [...scopes].filter((n) => n !== '' && agg.byName.has(n)).map((n) => [n, summaryOf(n)]),
  );
  return evaluateThresholds(ts, {
    totals: summaryOf(''),
    requests,
    monitors: i.monitors,
    percentile: (scope, q) => percentileMs(totalsOf(scope).latency, q),
  });
}

/**
 * Of the abortOnFail thresholds past their delay at `elapsedMs`, the first that fails on the
 * results so far. A value not yet defined (no response so far) is not a failure yet.
 */
export function firstLiveFailure(
  live: readonly Threshold[],
  elapsedMs: number,
  judgeDue: (due: readonly Threshold[]) => ThresholdResult[],
): ThresholdResult | undefined {
  const due = live.filter((t) => elapsedMs >= t.delayMs);
  if (due.length === 0) return undefined;
  return judgeDue(due).find((r) => !r.ok && !Number.isNaN(r.value));
}
