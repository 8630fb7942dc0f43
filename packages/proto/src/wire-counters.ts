// Adds up the counters of wire RequestStats: every field but the name and the
// histograms. The agent (merging its worker threads' reports) and the controller
// (merging agents' reports) both do this; one function keeps them from drifting
// apart when a field is added to RequestStats. Histograms stay with the callers
// (they keep them in different layouts). test/wire-counters.test.ts fails when a
// RequestStats field is neither handled here nor listed as deliberately left out.
import type { barrage } from './generated/barrage.js';

type WireStats = barrage.v1.RequestStats.$Properties;

/** An accumulator of RequestStats counters; agent and controller totals implement it. */
export interface WireCounters {
  /** Responses by HTTP status. */
  readonly status: Map<number, number>;
  readonly errors: { timeout: number; refused: number; reset: number; other: number; tls: number };
  /** TLS failures by reason (an OpenSSL or Node code); at most MAX_TLS_REASONS, the rest under OTHER. */
  readonly tlsReasons: Map<string, number>;
  ok: number;
  rateLimited: number;
  failed: number;
  retryAfterPresent: number;
  dropped: number;
  bytesReceived: number;
  bytesSent: number;
  /** The earliest non-zero one seen; 0 = none. */
  firstRateLimitedAt: number;
  /** Passes and fails by check name. */
  readonly checks: Map<string, { passes: number; fails: number }>;
  redirects: number;
  /** The first one seen (agents send theirs once per name). */
  firstRedirect: barrage.v1.RedirectSeen.$Properties | null;
  /** Answers with a session refresh.on status (refreshed and retried): neither ok nor failed. */
  sessionRetries: number;
  /** Answers by the protocol they came over (HTTP/1.x, HTTP/2). */
  answeredH1: number;
  answeredH2: number;
  /** Attempts retried (RequestSpec.retry): recorded with their status or error, neither ok nor failed. */
  retries: number;
  /** Of those, attempts answered with a status (in `status`, without a latency sample). */
  retriedAnswers: number;
  /** Of those, 429s (rateLimited counts only a logical request's final 429). */
  retriedRateLimited: number;
  /** Final outcomes that were still retryable, the retries spent. */
  giveUps: number;
  /** Retries sent before the server's Retry-After had elapsed: must be 0. */
  retriesBeforeRetryAfter: number;
  /** Retry-After waits of retried attempts by RETRY_AFTER_BUCKETS_MS bucket (length: bounds + 1). */
  readonly retryAfterBuckets: number[];
}

/**
 * Upper bounds (ms, inclusive) of the Retry-After distribution's buckets; one more bucket
 * counts the longer waits. Fixed on the wire, so agents and controller add bucket by bucket.
 */
export const RETRY_AFTER_BUCKETS_MS: readonly number[] = Object.freeze([
  0, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000, 3_600_000,
]);

/** The bucket a Retry-After wait of `ms` falls in. */
export function retryAfterBucket(ms: number): number {
  let i = 0;
  while (i < RETRY_AFTER_BUCKETS_MS.length && ms > RETRY_AFTER_BUCKETS_MS[i]!) i++;
  return i;
}

/** Distinct TLS failure reasons kept per name; later ones are counted under OTHER. */
export const MAX_TLS_REASONS = 16;

/** Network errors of a wire ErrorCounts, TLS failures included. */
export function wireErrorTotal(e: barrage.v1.ErrorCounts.$Properties | null | undefined): number {
  if (e == null) return 0;
  let n = (e.timeout ?? 0) + (e.refused ?? 0) + (e.reset ?? 0) + (e.other ?? 0);
  for (const r of e.tls ?? []) n += r.count ?? 0;
  return n;
}

/**
 * The counters, zeroed: what the agent's per-name totals and the controller's
 * RequestTotals extend, so each field is declared once, here, beside the sum.
 */
export class WireCounterTotals implements WireCounters {
  readonly status = new Map<number, number>();
  readonly errors = { timeout: 0, refused: 0, reset: 0, other: 0, tls: 0 };
  readonly tlsReasons = new Map<string, number>();
  ok = 0;
  rateLimited = 0;
  failed = 0;
  retryAfterPresent = 0;
  dropped = 0;
  bytesReceived = 0;
  bytesSent = 0;
  firstRateLimitedAt = 0;
  readonly checks = new Map<string, { passes: number; fails: number }>();
  redirects = 0;
  firstRedirect: barrage.v1.RedirectSeen.$Properties | null = null;
  sessionRetries = 0;
  answeredH1 = 0;
  answeredH2 = 0;
  retries = 0;
  retriedAnswers = 0;
  retriedRateLimited = 0;
  giveUps = 0;
  retriesBeforeRetryAfter = 0;
  readonly retryAfterBuckets = new Array<number>(RETRY_AFTER_BUCKETS_MS.length + 1).fill(0);

  /** Adds the counters of one wire RequestStats (addWireCounters). */
  addCounters(s: WireStats): void {
    addWireCounters(this, s);
  }
}

/** A zeroed accumulator. */
export function newWireCounters(): WireCounters {
  return new WireCounterTotals();
}

/** Adds every counter of `s` (all but name, latency and service_time) into `into`. */
export function addWireCounters(into: WireCounters, s: WireStats): void {
  for (const sc of s.status ?? []) {
    const code = sc.status ?? 0;
    into.status.set(code, (into.status.get(code) ?? 0) + (sc.count ?? 0));
  }
  const e = s.errors;
  if (e != null) {
    into.errors.timeout += e.timeout ?? 0;
    into.errors.refused += e.refused ?? 0;
    into.errors.reset += e.reset ?? 0;
    into.errors.other += e.other ?? 0;
    for (const r of e.tls ?? []) {
      const n = r.count ?? 0;
      into.errors.tls += n;
      const reason =
        into.tlsReasons.has(r.name ?? '') || into.tlsReasons.size < MAX_TLS_REASONS ? (r.name ?? '') : 'OTHER';
      into.tlsReasons.set(reason, (into.tlsReasons.get(reason) ?? 0) + n);
    }
  }
  into.ok += s.ok ?? 0;
  into.rateLimited += s.rateLimited ?? 0;
  into.failed += s.failed ?? 0;
  into.retryAfterPresent += s.retryAfterPresent ?? 0;
  into.dropped += s.dropped ?? 0;
  into.bytesReceived += s.bytesReceived ?? 0;
  into.bytesSent += s.bytesSent ?? 0;
  const at = s.firstRateLimitedAt ?? 0;
  if (at > 0 && (into.firstRateLimitedAt === 0 || at < into.firstRateLimitedAt)) into.firstRateLimitedAt = at;
  for (const c of s.checks ?? []) {
    const name = c.name ?? '';
    let t = into.checks.get(name);
    if (t === undefined) into.checks.set(name, (t = { passes: 0, fails: 0 }));
    t.passes += c.passes ?? 0;
    t.fails += c.fails ?? 0;
  }
  into.redirects += s.redirects ?? 0;
  if (into.firstRedirect === null && s.firstRedirect != null) into.firstRedirect = s.firstRedirect;
  into.sessionRetries += s.sessionRetries ?? 0;
  into.answeredH1 += s.answeredH1 ?? 0;
  into.answeredH2 += s.answeredH2 ?? 0;
  into.retries += s.retries ?? 0;
  into.retriedAnswers += s.retriedAnswers ?? 0;
  into.retriedRateLimited += s.retriedRateLimited ?? 0;
  into.giveUps += s.giveUps ?? 0;
  into.retriesBeforeRetryAfter += s.retriesBeforeRetryAfter ?? 0;
  // Bucket by bucket; a longer list (the controller validates reports) adds nothing past the last.
  const b = s.retryAfterBuckets ?? [];
  const last = into.retryAfterBuckets.length - 1;
  for (let i = 0; i < b.length; i++) into.retryAfterBuckets[Math.min(i, last)]! += b[i] ?? 0;
}
