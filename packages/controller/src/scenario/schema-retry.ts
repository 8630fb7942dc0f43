// The scenario's `retry:` (on a request, a load model or the defaults): which
// outcomes are tried again, how often, and how long to wait first. Its schema,
// its defaults beside it, and its normalization into the RetryDef the planner
// sends (RequestSpec.retry). The waiting rules themselves are core's
// retry-policy.ts; the agent applies them (http/retry.ts).
import { duration } from './schema-fields.ts';
import { parseDuration } from './units.ts';

export const RETRY_DEFAULTS = Object.freeze({
  on: Object.freeze([429, 503] as const),
  max: 3,
  base: '100ms',
  maxBackoff: '5s',
  jitter: true,
  honorRetryAfter: true,
});

/** Retries per request at most (the agent caps at the same). */
export const MAX_RETRIES = 10;
/** The longest backoff that may be asked (Retry-After may still ask up to a day). */
const MAX_BACKOFF_MS = 3_600_000;

const ERROR_TRIGGERS = ['reset', 'timeout', 'refused'] as const;
type ErrorTrigger = (typeof ERROR_TRIGGERS)[number];

/** `retry:` as written (after schema validation). */
export interface RetryInput {
  on?: Array<number | ErrorTrigger>;
  max?: number;
  backoff?: { base?: string; max?: string; jitter?: boolean };
  honorRetryAfter?: boolean;
}

/** A retry policy resolved: statuses and error kinds retried, at most `max` retries. */
export interface RetryDef {
  statuses: number[];
  errors: ErrorTrigger[];
  max: number;
  baseMs: number;
  maxMs: number;
  jitter: boolean;
  honorRetryAfter: boolean;
}

export const retrySchema = {
  type: 'object',
  additionalProperties: false,
  description:
    'tries an attempt again when its outcome is listed: each retried attempt is counted with its status, neither ok nor failed (docs/scenarios.md "Retries")',
  properties: {
    on: {
      type: 'array',
      description: `statuses and error kinds (reset, timeout, refused) that are retried (default ${RETRY_DEFAULTS.on.join(', ')})`,
      items: { anyOf: [{ type: 'integer', minimum: 100, maximum: 599 }, { enum: ERROR_TRIGGERS }] },
      minItems: 1,
      maxItems: 50,
      uniqueItems: true,
    },
    max: {
      type: 'integer',
      description: `retries at most per request; 0: none (default ${RETRY_DEFAULTS.max})`,
      minimum: 0,
      maximum: MAX_RETRIES,
    },
    backoff: {
      type: 'object',
      additionalProperties: false,
      description: 'the wait without a Retry-After: base * 2^(retry-1), capped at max',
      properties: {
        base: duration(`the first retry's backoff (default ${RETRY_DEFAULTS.base})`),
        max: duration(`the longest backoff (default ${RETRY_DEFAULTS.maxBackoff})`),
        jitter: {
          type: 'boolean',
          description: `full jitter: wait a uniform draw below the backoff (default ${RETRY_DEFAULTS.jitter})`,
        },
      },
    },
    honorRetryAfter: {
      type: 'boolean',
      description: `wait what the server's Retry-After asks (seconds or an HTTP-date), never less (default ${RETRY_DEFAULTS.honorRetryAfter})`,
    },
  },
} as const;

/** `retry:` at `path` resolved with its defaults; problems (with their paths) go into `problems`. */
export function normalizeRetry(r: RetryInput, path: string, problems: string[]): RetryDef {
  const on = r.on ?? [...RETRY_DEFAULTS.on];
  const ms = (v: string, where: string) => {
    const n = parseDuration(v);
    if (!(n >= 0) || n > MAX_BACKOFF_MS) problems.push(`${path}/backoff/${where}: must be between 0s and 1h`);
    return n;
  };
  const baseMs = ms(r.backoff?.base ?? RETRY_DEFAULTS.base, 'base');
  const maxMs = ms(r.backoff?.max ?? RETRY_DEFAULTS.maxBackoff, 'max');
  if (baseMs > maxMs) problems.push(`${path}/backoff/base: must not exceed backoff.max`);
  return {
    statuses: on.filter((t): t is number => typeof t === 'number'),
    errors: on.filter((t): t is ErrorTrigger => typeof t === 'string'),
    max: r.max ?? RETRY_DEFAULTS.max,
    baseMs,
    maxMs,
    jitter: r.backoff?.jitter ?? RETRY_DEFAULTS.jitter,
    honorRetryAfter: r.honorRetryAfter ?? RETRY_DEFAULTS.honorRetryAfter,
  };
}
