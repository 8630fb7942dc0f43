// Per-interval measurements of one agent, one slot per request name. The hot
// path (record/recordError) only increments counters and records into an
// HdrHistogram; snapshot() turns the interval into wire RequestStats and resets.
import {
  type barrage,
  clampLatencyUs,
  encodeHistogram,
  newIntervalHistogram,
  RETRY_AFTER_BUCKETS_MS,
  retryAfterBucket,
} from '@barrage/proto';
import type { Int32Histogram } from 'hdr-histogram-js';

export type ErrorKind = 'timeout' | 'refused' | 'reset' | 'other' | 'tls';

/** Distinct TLS reasons a name reports per interval; later ones count as OTHER. */
const MAX_TLS_REASONS = 8;

class Slot {
  readonly latency: Int32Histogram = newIntervalHistogram();
  readonly serviceTime: Int32Histogram = newIntervalHistogram();
  /** Counts of the statuses HTTP defines (100-599) by status - 100; others (a server may send any 3 digits) in `otherStatus`. */
  readonly status = new Uint32Array(500);
  statusUsed = false;
  readonly otherStatus = new Map<number, number>();
  timeout = 0;
  refused = 0;
  reset = 0;
  other = 0;
  /** TLS failures by reason (tls-failure.ts); their sum is the name's tls count. */
  readonly tls = new Map<string, number>();
  ok = 0;
  rateLimited = 0;
  failed = 0;
  retryAfterPresent = 0;
  dropped = 0;
  bytesReceived = 0;
  bytesSent = 0;
  firstRateLimitedAt = 0;
  serviceTimeUsed = false;
  /** Per check name: [passes, fails]. */
  readonly checks = new Map<string, [number, number]>();
  redirects = 0;
  /** The first redirect of this name, until a snapshot sends it (once per run). */
  firstRedirect: barrage.v1.RedirectSeen.$Properties | null = null;
  firstRedirectSent = false;
  /** Answers with a session refresh.on status: neither ok nor failed (the VU refreshed and retried). */
  sessionRetries = 0;
  /** Retried attempts (http/retry.ts): recorded with their status or error, neither ok nor failed. */
  retries = 0;
  retriedAnswers = 0;
  retriedRateLimited = 0;
  giveUps = 0;
  retriesBeforeRetryAfter = 0;
  readonly retryAfter = new Uint32Array(RETRY_AFTER_BUCKETS_MS.length + 1);
  /** Retried answers' time from their send; created on the first. */
  attemptTime: Int32Histogram | null = null;
  /** Answers by the protocol they came over (every hop and attempt: what the target served). */
  answeredH1 = 0;
  answeredH2 = 0;

  get active(): boolean {
    if (this.retries > 0 || this.retriesBeforeRetryAfter > 0) return true;
    return this.latency.totalCount > 0 || this.failed > 0 || this.dropped > 0 || this.answeredH1 + this.answeredH2 > 0;
  }

  clear(): void {
    this.latency.reset();
    this.serviceTime.reset();
    if (this.statusUsed) {
      this.status.fill(0);
      this.statusUsed = false;
    }
    this.otherStatus.clear();
    this.timeout = this.refused = this.reset = this.other = 0;
    this.tls.clear();
    this.ok = this.rateLimited = this.failed = this.retryAfterPresent = this.dropped = 0;
    this.bytesReceived = this.bytesSent = 0;
    this.firstRateLimitedAt = 0;
    this.serviceTimeUsed = false;
    this.checks.clear();
    this.redirects = 0;
    this.sessionRetries = 0;
    this.retries = this.retriedAnswers = this.retriedRateLimited = this.giveUps = this.retriesBeforeRetryAfter = 0;
    this.retryAfter.fill(0);
    this.attemptTime?.reset();
    this.answeredH1 = this.answeredH2 = 0;
  }
}

export interface ResponseSample {
  latencyUs: number;
  /** Service time from the actual send (kept only for names an open model fires). */
  serviceTimeUs?: number;
  status: number;
  ok: boolean;
  retryAfter: boolean;
  bytesReceived: number;
  bytesSent: number;
  /** When the answer arrived, controller clock. */
  at: number;
}

export class Recorder {
  private readonly slots: Slot[];
  readonly names: readonly string[];

  /** Service time is kept for the names an open model fires (for every sample of them, so counts match). */
  private readonly service: readonly boolean[];

  constructor(names: readonly string[], serviceTimeFor: ReadonlySet<string> = new Set()) {
    this.names = names;
    this.slots = names.map(() => new Slot());
    this.service = names.map((n) => serviceTimeFor.has(n));
  }

  record(name: number, s: ResponseSample): void {
    this.recordResponse(
      name,
      s.latencyUs,
      s.serviceTimeUs ?? s.latencyUs,
      s.status,
      s.ok,
      s.retryAfter,
      s.bytesReceived,
      s.bytesSent,
      s.at,
    );
  }

  /** record() without the sample object: the executor's path, once per response. */
  recordResponse(
    name: number,
    latencyUs: number,
    serviceTimeUs: number,
    status: number,
    ok: boolean,
    retryAfter: boolean,
    bytesReceived: number,
    bytesSent: number,
    at: number,
    refreshed = false,
  ): void {
    const slot = this.slots[name]!;
    slot.latency.recordValue(clampLatencyUs(latencyUs));
    if (this.service[name]) {
      slot.serviceTime.recordValue(clampLatencyUs(serviceTimeUs));
      slot.serviceTimeUsed = true;
    }
    if (status >= 100 && status < 600) {
      slot.status[status - 100]!++;
      slot.statusUsed = true;
    } else slot.otherStatus.set(status, (slot.otherStatus.get(status) ?? 0) + 1);
    slot.bytesReceived += bytesReceived;
    slot.bytesSent += bytesSent;
    if (refreshed) {
      slot.sessionRetries++;
    } else if (status === 429) {
      slot.rateLimited++;
      if (retryAfter) slot.retryAfterPresent++;
      if (slot.firstRateLimitedAt === 0 || at < slot.firstRateLimitedAt) slot.firstRateLimitedAt = at;
    } else if (ok) {
      slot.ok++;
    } else {
      slot.failed++;
    }
  }

  /** A request that got no answer; a `tls` one with its reason (an OpenSSL or Node code). */
  recordError(name: number, kind: ErrorKind, bytesSent: number, tlsReason = 'OTHER'): void {
    const slot = this.slots[name]!;
    if (kind === 'tls') {
      const reason = slot.tls.has(tlsReason) || slot.tls.size < MAX_TLS_REASONS ? tlsReason : 'OTHER';
      slot.tls.set(reason, (slot.tls.get(reason) ?? 0) + 1);
    } else slot[kind]++;
    slot.failed++;
    slot.bytesSent += bytesSent;
  }

  /** One answer (a status came back) over HTTP/2 (`h2`) or HTTP/1.x. */
  recordProtocol(name: number, h2: boolean): void {
    if (h2) this.slots[name]!.answeredH2++;
    else this.slots[name]!.answeredH1++;
  }

  /**
   * An attempt that is tried again: its answer's status (0: none, `kind` says why) is counted
   * like any answer's, but it is neither ok nor failed and has no latency sample (its request
   * gets one at its final attempt). `retryAfterMs`: the wait the server asked, if it did.
   */
  recordRetried(
    name: number,
    status: number,
    kind: ErrorKind,
    attemptUs: number,
    retryAfterMs: number | undefined,
    bytesReceived: number,
    bytesSent: number,
    at: number,
    tlsReason = 'OTHER',
  ): void {
    const slot = this.slots[name]!;
    slot.retries++;
    slot.bytesSent += bytesSent;
    if (retryAfterMs !== undefined) slot.retryAfter[retryAfterBucket(retryAfterMs)]!++;
    if (status === 0) {
      if (kind === 'tls') {
        const reason = slot.tls.has(tlsReason) || slot.tls.size < MAX_TLS_REASONS ? tlsReason : 'OTHER';
        slot.tls.set(reason, (slot.tls.get(reason) ?? 0) + 1);
      } else slot[kind]++;
      return;
    }
    slot.retriedAnswers++;
    slot.bytesReceived += bytesReceived;
    (slot.attemptTime ??= newIntervalHistogram()).recordValue(clampLatencyUs(attemptUs));
    if (status >= 100 && status < 600) {
      slot.status[status - 100]!++;
      slot.statusUsed = true;
    } else slot.otherStatus.set(status, (slot.otherStatus.get(status) ?? 0) + 1);
    if (status === 429) {
      slot.retriedRateLimited++;
      if (slot.firstRateLimitedAt === 0 || at < slot.firstRateLimitedAt) slot.firstRateLimitedAt = at;
    }
  }

  /** A request's final outcome was still retryable, but its retries were spent. */
  recordGiveUp(name: number): void {
    this.slots[name]!.giveUps++;
  }

  /** A retry went out before the server's Retry-After had elapsed (a compliance fault: must stay 0). */
  recordEarlyRetry(name: number): void {
    this.slots[name]!.retriesBeforeRetryAfter++;
  }

  recordDropped(name: number): void {
    this.slots[name]!.dropped++;
  }

  /** Redirect hops one request followed (recorded with its outcome). */
  recordRedirects(name: number, hops: number): void {
    this.slots[name]!.redirects += hops;
  }

  /** The first redirect followed for this name: kept until sent, then never again. */
  noteFirstRedirect(
    name: number,
    method: string,
    url: string,
    status: number,
    location: string | string[] | undefined,
  ): void {
    const slot = this.slots[name]!;
    if (slot.firstRedirect !== null || slot.firstRedirectSent) return;
    const loc = Array.isArray(location) ? location[0] : location;
    // Bounded here as the controller bounds them: a URL is for a note, not a payload.
    slot.firstRedirect = { method, url: url.slice(0, 2048), status, location: (loc ?? '').slice(0, 2048) };
  }

  /** One check (or capture) outcome for an answered request of this name. */
  recordCheck(name: number, check: string, pass: boolean): void {
    const m = this.slots[name]!.checks;
    let c = m.get(check);
    if (c === undefined) m.set(check, (c = [0, 0]));
    c[pass ? 0 : 1]++;
  }

  /** The interval's stats for every name that saw activity; resets the interval. */
  snapshot(): barrage.v1.RequestStats.$Properties[] {
    const out: barrage.v1.RequestStats.$Properties[] = [];
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i]!;
      if (!s.active) continue;
      out.push({
        name: this.names[i]!,
        latency: encodeHistogram(s.latency),
        serviceTime: s.serviceTimeUsed ? encodeHistogram(s.serviceTime) : null,
        status: statusCounts(s),
        errors: {
          timeout: s.timeout,
          refused: s.refused,
          reset: s.reset,
          other: s.other,
          tls: [...s.tls].map(([name, count]) => ({ name, count })),
        },
        ok: s.ok,
        rateLimited: s.rateLimited,
        failed: s.failed,
        retryAfterPresent: s.retryAfterPresent,
        dropped: s.dropped,
        bytesReceived: s.bytesReceived,
        bytesSent: s.bytesSent,
        firstRateLimitedAt: s.firstRateLimitedAt,
        checks: [...s.checks].map(([name, [passes, fails]]) => ({ name, passes, fails })),
        redirects: s.redirects,
        // Sent with the interval that counts its request's redirects (the hop may finish later).
        firstRedirect: s.redirects > 0 ? s.firstRedirect : null,
        sessionRetries: s.sessionRetries,
        retries: s.retries,
        retriedAnswers: s.retriedAnswers,
        retriedRateLimited: s.retriedRateLimited,
        giveUps: s.giveUps,
        retriesBeforeRetryAfter: s.retriesBeforeRetryAfter,
        retryAfterBuckets: s.retries > 0 ? [...s.retryAfter] : [],
        attemptServiceTime: s.retriedAnswers > 0 && s.attemptTime !== null ? encodeHistogram(s.attemptTime) : null,
        answeredH1: s.answeredH1,
        answeredH2: s.answeredH2,
      });
      if (s.firstRedirect !== null && s.redirects > 0) {
        s.firstRedirect = null;
        s.firstRedirectSent = true;
      }
      s.clear();
    }
    return out;
  }
}

function statusCounts(s: Slot): barrage.v1.StatusCount.$Properties[] {
  const out: barrage.v1.StatusCount.$Properties[] = [];
  if (s.statusUsed)
    for (let i = 0; i < s.status.length; i++) if (s.status[i]! > 0) out.push({ status: i + 100, count: s.status[i]! });
  for (const [status, count] of s.otherStatus) out.push({ status, count });
  return out;
}
