// Retries (a scenario's `retry:`): an attempt whose outcome the policy retries
// (core's decideRetry: the server's Retry-After when it sent one, else backoff)
// is recorded as a retried attempt (its status or error counted, neither ok nor
// failed, no latency sample) and the same handler is dispatched again after the
// wait. The handler stays in flight meanwhile, so a closed model's VU waits and
// an open model's arrival keeps its slot while the arrival schedule goes on: a
// retry is never an arrival. The logical request's one latency sample is taken
// at its final attempt, from its intended (or first) send. Waits run on the
// injected timers and are cut short when the Requester closes (the retry that
// never went out is counted as dropped); no timer outlives the run.
import { type Draw, decideRetry, type RetryPolicy, type RetryTrigger } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import type { ErrorKind } from '../measure/recorder.ts';
import { systemTimers, type Timer, type Timers } from '../timers.ts';
import { classifyError, NOT_SENDABLE, Requester, type RequesterOptions } from './requester.ts';
import type { ResponseHandler } from './response-handler.ts';
import { tlsFailureReason } from './tls-failure.ts';

/** Retries per request at most, whatever the scenario asks (the schema says the same). */
export const MAX_RETRIES = 10;

/** The wire RetrySpec as the agent applies it; null: the request is never retried. */
export function retryPolicyOf(spec: barrage.v1.RetrySpec.$Properties | null | undefined): RetryPolicy | null {
  if (spec == null || !((spec.max ?? 0) > 0)) return null;
  const on = new Set<RetryTrigger>(spec.onStatus ?? []);
  if (spec.onReset) on.add('reset');
  if (spec.onTimeout) on.add('timeout');
  if (spec.onRefused) on.add('refused');
  return {
    on,
    max: Math.min(spec.max!, MAX_RETRIES),
    baseMs: Math.max(0, spec.baseMs ?? 0),
    maxMs: Math.max(0, spec.maxMs ?? 0),
    jitter: spec.jitter === true,
    honorRetryAfter: spec.honorRetryAfter === true,
  };
}

export interface RetryingRequesterOptions extends RequesterOptions {
  /** What retries wait on; default: Node's timers. */
  timers?: Timers;
  /** Jitter draws; default Math.random. */
  draw?: Draw;
}

/** A Requester whose requests with a retry policy are tried again; others go exactly as before. */
export class RetryingRequester extends Requester {
  private readonly ro: RetryingRequesterOptions;
  private readonly timers: Timers;
  private readonly draw: Draw;
  /** Handlers waiting for their next attempt, and the timer that sends it. */
  private readonly waiting = new Map<ResponseHandler, Timer>();

  constructor(opts: RetryingRequesterOptions) {
    super(opts);
    this.ro = opts;
    this.timers = opts.timers ?? systemTimers;
    this.draw = opts.draw ?? Math.random;
  }

  /** Requests waiting for a retry (each also in `inFlight`). */
  get retryWaits(): number {
    return this.waiting.size;
  }

  override complete(h: ResponseHandler, error: unknown): void {
    const policy = h.req.retry;
    if (policy == null || !this.retried(h, error, policy)) super.complete(h, error);
  }

  /** Whether the attempt that just ended is tried again (then recorded here as a retried attempt). */
  private retried(h: ResponseHandler, error: unknown, p: RetryPolicy): boolean {
    if (this.closed) return false;
    let kind: ErrorKind = 'other';
    let tls: string | undefined;
    let outcome: RetryTrigger | 'other';
    if (error !== null) {
      // Never sent (undici refused it): not an attempt, so not retried (the Requester drops it).
      if (!h.onConnection && NOT_SENDABLE.has((error as { code?: string } | null)?.code ?? '')) return false;
      tls = this.http.tlsReason?.(error) ?? tlsFailureReason(error);
      kind = tls === undefined ? classifyError(error) : 'tls';
      outcome = kind === 'reset' || kind === 'timeout' || kind === 'refused' ? kind : 'other';
    } else outcome = h.status;
    const at = this.clock.now();
    const header = h.headers?.['retry-after'];
    const d = decideRetry(p, outcome, h.retries, Array.isArray(header) ? header[0] : header, at, this.draw);
    if (!d.retry) {
      if (d.gaveUp) this.ro.recorder.recordGiveUp(h.req.index);
      return false;
    }
    const { recorder, log } = this.ro;
    const i = h.req.index;
    const answered = error === null;
    recorder.recordRetried(
      i,
      answered ? h.status : 0,
      kind,
      (at - h.startedAt) * 1000,
      d.retryAfterMs,
      h.bytes,
      answered || h.onConnection ? h.bytesSent : 0,
      at,
      tls,
    );
    if (answered) log.note(i, h.startedAt, at, h.status === 429);
    if (h.redirects > 0) recorder.recordRedirects(i, h.redirects);
    this.lastCompletionAt = at;
    this.ro.onComplete?.(at, answered);
    // Not before the server's Retry-After has elapsed, measured from this answer's completion.
    const notBefore = at + (d.retryAfterMs ?? 0);
    this.waiting.set(
      h,
      this.timers.setTimeout(() => this.send(h, notBefore), d.delayMs),
    );
    return true;
  }

  /** Sends the next attempt through the same handler (a fresh stream for an upload). */
  private send(h: ResponseHandler, notBefore: number): void {
    this.waiting.delete(h);
    const now = this.clock.now();
    // Timers may fire a hair early on the run's clock: wait out the rest rather than go early.
    if (now < notBefore) {
      this.waiting.set(
        h,
        this.timers.setTimeout(() => this.send(h, notBefore), Math.ceil(notBefore - now)),
      );
      return;
    }
    const first = h.first;
    const body = h.upload !== null ? h.upload.stream() : first.body;
    const sent = h.upload !== null ? h.upload.length : body == null ? 0 : Buffer.byteLength(body as Buffer | string);
    const opts = h.upload !== null ? { ...first, body } : first;
    h.again(opts, sent);
    // Measured at the dispatch itself: the compliance figure (retries before Retry-After) must stay 0.
    if (h.startedAt < notBefore) this.ro.recorder.recordEarlyRetry(h.req.index);
    this.http.dispatch(opts, h, this.profileOf[h.req.index] ?? 0, h.cookies);
  }

  /** Cuts every retry wait short (the retry is dropped: it never went out), then closes. */
  override async close(): Promise<void> {
    this.closed = true;
    for (const [h, t] of this.waiting) {
      this.timers.clearTimeout(t);
      this.inFlight--;
      this.ro.recorder.recordDropped(h.req.index);
      h.done(0, false);
    }
    this.waiting.clear();
    await super.close();
  }
}
