// What a request name (or all of them) amounts to over a span of time, in the
// summary's units: counts, rps over the window, latency in ms with percentiles
// clamped into [min, max]. Pure: read from merged totals, no clock.
import { RETRY_AFTER_BUCKETS_MS } from '@barrage/proto';
import type { Float64Histogram } from 'hdr-histogram-js';
import type { RequestTotals } from './run-aggregate.ts';

export interface LatencyMs {
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export interface RequestSummary {
  /** Attempts: every request sent, answered or not. */
  requests: number;
  /** Answers with a status; refused, reset, timed-out and otherwise lost attempts are not responses. */
  responses: number;
  ok: number;
  rateLimited: number;
  failed: number;
  dropped: number;
  /** Responses (not attempts) per second over the active window. */
  rps: number;
  status: Record<string, number>;
  errors: { timeout: number; refused: number; reset: number; other: number; tls: number };
  /** TLS failures by reason (an OpenSSL or Node code, e.g. CERT_HAS_EXPIRED); present when errors.tls > 0. */
  tlsReasons?: Record<string, number>;
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
  /** Redirect hops followed; each request is still one request and one latency sample. */
  redirects: number;
  /**
   * Answers with a session refresh.on status (say 401): in `requests`, `responses` and `status`,
   * neither ok nor failed; the VU refreshed its session and retried, and the retry is its own
   * request. ok + rateLimited + failed + sessionRetries = requests. Present when not 0.
   */
  sessionRetries?: number;
  /** Answers by the protocol they came over ("h1", "h2"; every hop and attempt); present when some came back. */
  protocols?: Record<string, number>;
  /**
   * Retries (docs/scenarios.md "Retries"), present when the name retried or gave up: attempts
   * tried again (each in `requests`, `status` or `errors`, neither ok nor failed; only the final
   * attempt has a latency sample), so ok + rateLimited + failed + sessionRetries + retries =
   * requests, and requests - retries are the logical requests.
   */
  retries?: number;
  /** Final outcomes still retryable with the retries spent. */
  giveUps?: number;
  /** Retries sent before the server's Retry-After had elapsed (must be 0). */
  retriesBeforeRetryAfter?: number;
  /** Retry-After waits the retried attempts were asked for: count per bucket, keyed by its upper bound in ms ("inf": longer). */
  retryAfterMs?: Record<string, number>;
  /** Retried attempts' own time from their send (the final attempt's is in latency / serviceTime). */
  attemptTimeMs?: LatencyMs;
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
    min: ms(min),
    mean: ms(Math.min(max, Math.max(min, h.mean))),
    p50: p(50),
    p90: p(90),
    p95: p(95),
    p99: p(99),
    p999: p(99.9),
    max: ms(max),
  };
}

export function statusRecord(m: Map<number, number>): Record<string, number> {
  return Object.fromEntries([...m].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));
}

export function requestSummary(t: RequestTotals, windowMs: number, firstAfter: number | undefined): RequestSummary {
  const requests = t.requests;
  const responses = t.responses;
  const out: RequestSummary = {
    requests,
    responses,
    ok: t.ok,
    rateLimited: t.rateLimited,
    failed: t.failed,
    dropped: t.dropped,
    rps: windowMs > 0 ? Math.round((responses / (windowMs / 1000)) * 100) / 100 : 0,
    status: statusRecord(t.status),
    errors: { ...t.errors },
    ...(t.errors.tls > 0 ? { tlsReasons: Object.fromEntries([...t.tlsReasons].sort((a, b) => b[1] - a[1])) } : {}),
    retryAfterPresent: t.retryAfterPresent,
    firstRateLimitedAfter: t.rateLimited > 0 ? (firstAfter ?? null) : null,
    bytesReceived: t.bytesReceived,
    bytesSent: t.bytesSent,
    latencyMs: latencyMs(t.latency),
    checks: Object.fromEntries([...t.checks].sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => [k, { ...v }])),
    redirects: t.redirects,
    ...(t.sessionRetries > 0 ? { sessionRetries: t.sessionRetries } : {}),
    ...(t.answeredH1 + t.answeredH2 > 0 ? { protocols: protocolCounts(t) } : {}),
    ...retryFigures(t),
  };
  // Shown only where it covers every sample: a TOTAL over open and closed models has no service time.
  if (t.serviceTime && t.serviceTime.totalCount === t.latency.totalCount) out.serviceTimeMs = latencyMs(t.serviceTime);
  return out;
}

/** Answers per protocol, the ones used only. */
function protocolCounts(t: RequestTotals): Record<string, number> {
  return { ...(t.answeredH1 > 0 ? { h1: t.answeredH1 } : {}), ...(t.answeredH2 > 0 ? { h2: t.answeredH2 } : {}) };
}

/** The summary's retry figures; none when the name neither retried nor gave up. */
function retryFigures(t: RequestTotals): Partial<RequestSummary> {
  if (t.retries === 0 && t.giveUps === 0 && t.retriesBeforeRetryAfter === 0) return {};
  const buckets: Record<string, number> = {};
  t.retryAfterBuckets.forEach((n, i) => {
    if (n > 0) buckets[String(RETRY_AFTER_BUCKETS_MS[i] ?? 'inf')] = n;
  });
  return {
    retries: t.retries,
    giveUps: t.giveUps,
    retriesBeforeRetryAfter: t.retriesBeforeRetryAfter,
    retryAfterMs: buckets,
    ...(t.attemptServiceTime !== null && t.attemptServiceTime.totalCount > 0
      ? { attemptTimeMs: latencyMs(t.attemptServiceTime) }
      : {}),
  };
}

/** Any percentile (ms) of a histogram, clamped into [min, max] like the summary's. */
export function percentileMs(h: Float64Histogram, q: number): number {
  if (h.totalCount === 0) return NaN;
  return ms(Math.min(h.maxValue, Math.max(h.minNonZeroValue, h.getValueAtPercentile(q))));
}
