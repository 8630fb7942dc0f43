// When a request is tried again (a scenario's `retry:`), and how long it waits
// first: the server's Retry-After when it sent one and the policy honours it
// (delta-seconds or an HTTP-date, read against the run's clock), else an
// exponential backoff from `base`, capped at `max`, with "full jitter" when
// asked (a uniform draw below the backoff: AWS's recipe, so retrying clients
// do not stampede in step). Pure: the clock's instant and the draw are given,
// so agents decide alike and tests run on fake time.
import type { Draw } from './seeded-random.ts';

/** What may be retried: statuses, and errors without an answer. */
export type RetryTrigger = number | 'reset' | 'timeout' | 'refused';

export interface RetryPolicy {
  on: ReadonlySet<RetryTrigger>;
  /** Retries at most (attempts = 1 + retries). */
  max: number;
  baseMs: number;
  maxMs: number;
  jitter: boolean;
  honorRetryAfter: boolean;
}

/** The longest wait a Retry-After may ask for that is honoured as given (a day); longer ones give up. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * A Retry-After header's wait in ms at `nowMs` (epoch ms on the run's clock): delta-seconds
 * (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`, a date in the past: 0).
 * Undefined when the header is absent or neither form (RFC 9110 §10.2.3).
 */
export function retryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v) * 1000, Number.MAX_SAFE_INTEGER);
  // An IMF-fixdate (or the obsolete forms Date.parse reads), always with a weekday and GMT.
  if (!/^[A-Za-z]{3},? .*GMT$|^[A-Za-z]+day, /.test(v)) return undefined;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The backoff before retry `retry` (1 for the first): base·2^(retry−1), capped; with jitter a draw below it. */
export function backoffMs(p: RetryPolicy, retry: number, draw: Draw): number {
  const capped = Math.min(p.maxMs, p.baseMs * 2 ** Math.min(retry - 1, 52));
  return p.jitter ? Math.floor(draw() * capped) : capped;
}

export type RetryDecision =
  /** Send again after `delayMs`; `retryAfterMs`: what the server asked, when it did (the retry must not go sooner). */
  | { retry: true; delayMs: number; retryAfterMs?: number }
  /** The outcome is final: `gaveUp` when it would have been retried but the retries are spent (or the wait is absurd). */
  | { retry: false; gaveUp: boolean };

/**
 * Whether the attempt that ended with `outcome` (a status, or an error kind) is tried again.
 * `retriesDone`: retries already sent for this request. The wait honours Retry-After (when the
 * policy does and the server sent one), never shorter than it; otherwise the backoff.
 */
export function decideRetry(
  p: RetryPolicy,
  outcome: RetryTrigger | 'other',
  retriesDone: number,
  retryAfter: string | undefined,
  nowMs: number,
  draw: Draw,
): RetryDecision {
  if (outcome === 'other' || !p.on.has(outcome)) return { retry: false, gaveUp: false };
  if (retriesDone >= p.max) return { retry: false, gaveUp: true };
  const asked = p.honorRetryAfter ? retryAfterMs(retryAfter, nowMs) : undefined;
  if (asked !== undefined) {
    if (asked > MAX_RETRY_AFTER_MS) return { retry: false, gaveUp: true };
    return { retry: true, delayMs: asked, retryAfterMs: asked };
  }
  return { retry: true, delayMs: backoffMs(p, retriesDone + 1, draw) };
}
