// One interval's figures as they leave the controller (store, /timeseries, the
// events stream): a pure conversion of a merged interval, with its histogram's
// percentiles, its status and error counts and its requests per agent label.
import type { Float64Histogram } from 'hdr-histogram-js';
import type { ErrorCounts, IntervalBreakdown, IntervalPoint } from './run-aggregate.ts';

/**
 * One interval as it leaves the controller. Exact identities:
 * ok + rateLimited + failed = requests = Σ status + Σ errors = Σ agents.
 * Percentiles are null when no response came in the interval.
 */
export interface StoredInterval {
  interval: number;
  requests: number;
  ok: number;
  rateLimited: number;
  failed: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  meanMs: number | null;
  /** Arrivals never sent (open models: the in-flight cap was reached); not in `requests`. */
  dropped: number;
  /** Responses by HTTP status. */
  status: Record<string, number>;
  /** Requests that got no response, by kind. */
  errors: ErrorCounts;
  /** Requests completed per agent, by agent name (see agentLabels). */
  agents: Record<string, number>;
}

/** An interval point, with or without its breakdown (a point without one stores zeros). */
export type IntervalInput = IntervalPoint & Partial<IntervalBreakdown>;

export const NO_ERRORS: ErrorCounts = { timeout: 0, refused: 0, reset: 0, other: 0, tls: 0 };

const ms = (us: number) => Math.round(us) / 1000;

/**
 * How agents are named in per-interval figures: by name, or, when several of a run's agents
 * share one (say the default, the hostname), by name and the start of their id.
 */
export function agentLabels(agents: Iterable<{ id: string; name: string }>): Map<string, string> {
  const list = [...agents];
  const count = new Map<string, number>();
  for (const a of list) count.set(a.name, (count.get(a.name) ?? 0) + 1);
  return new Map(list.map((a) => [a.id, count.get(a.name)! > 1 ? `${a.name} (${a.id.slice(0, 8)})` : a.name]));
}

/**
 * An interval's figures as stored and served. Percentiles come from `histogram` (clamped into
 * [min, max] like the summary's: a bucket's top can lie above the exact max), null without one.
 */
export function intervalFigures(
  p: IntervalInput,
  histogram: Float64Histogram | null,
  agentNames: ReadonlyMap<string, string> = new Map(),
): StoredInterval {
  const h = histogram !== null && histogram.totalCount > 0 ? histogram : null;
  const pct = (q: number) =>
    h === null ? null : ms(Math.min(h.maxValue, Math.max(h.minNonZeroValue, h.getValueAtPercentile(q))));
  // Keyed by names agents chose: built as Maps and made objects with own properties only, so
  // `__proto__` or `constructor` is a name like any other (Object.fromEntries defines, never assigns).
  const status = Object.fromEntries(
    [...(p.status ?? [])].sort((a, b) => a[0] - b[0]).map(([code, n]) => [String(code), n]),
  ) as Record<string, number>;
  const byLabel = new Map<string, number>();
  for (const [label, n] of [...(p.agents ?? [])]
    .map(([id, n]) => [agentNames.get(id) ?? id, n] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    byLabel.set(label, (byLabel.get(label) ?? 0) + n);
  }
  const agents = Object.fromEntries(byLabel) as Record<string, number>;
  return {
    interval: p.interval,
    requests: p.requests,
    ok: p.ok,
    rateLimited: p.rateLimited,
    failed: p.failed,
    p50Ms: pct(50),
    p95Ms: pct(95),
    p99Ms: pct(99),
    maxMs: h === null ? null : ms(h.maxValue),
    meanMs: h === null ? null : ms(h.mean),
    dropped: p.dropped ?? 0,
    status,
    errors: { ...(p.errors ?? NO_ERRORS) },
    agents,
  };
}
