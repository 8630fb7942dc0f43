// The retry rules on their own: Retry-After in both of its forms, the capped
// exponential backoff with and without jitter, and when a request is tried
// again, given up on, or left alone. Pure: instants and draws are given.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { backoffMs, decideRetry, type RetryPolicy, retryAfterMs } from '../src/retry-policy.ts';

const NOW = Date.parse('2026-12-08T10:00:00Z');
const policy = (o: Partial<RetryPolicy> = {}): RetryPolicy => ({
  on: new Set([429, 503, 'reset', 'timeout']),
  max: 3,
  baseMs: 100,
  maxMs: 5_000,
  jitter: false,
  honorRetryAfter: true,
  ...o,
});
const half = () => 0.5;

test('Retry-After: delta-seconds and an HTTP-date, read against the clock; anything else is no header', () => {
  assert.equal(retryAfterMs('1', NOW), 1_000);
  assert.equal(retryAfterMs(' 120 ', NOW), 120_000);
  assert.equal(retryAfterMs('Tue, 08 Dec 2026 10:00:30 GMT', NOW), 30_000);
  assert.equal(retryAfterMs('Tuesday, 08-Dec-26 10:00:05 GMT', NOW), 5_000);
  assert.equal(retryAfterMs('Tue, 08 Dec 2026 09:00:00 GMT', NOW), 0, 'a date in the past: now');
  for (const bad of [undefined, '', '-1', '1.5', 'soon', '10 seconds', 'Tue, 99 Zzz 2026 10:00:30 GMT'])
    assert.equal(retryAfterMs(bad, NOW), undefined, String(bad));
});

test('backoff doubles from base and stops at max; with jitter it is a draw below that', () => {
  const p = policy();
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 99].map((r) => backoffMs(p, r, half)),
    [100, 200, 400, 800, 1600, 3200, 5000, 5000],
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (r, u) => {
      const j = backoffMs(policy({ jitter: true }), r, () => u);
      return j >= 0 && j < Math.max(1, backoffMs(p, r, half)) + 1 && j <= 5_000;
    }),
  );
});

test('a listed outcome is retried until max, then given up; an unlisted one is left alone', () => {
  const p = policy();
  assert.deepEqual(decideRetry(p, 503, 0, undefined, NOW, half), { retry: true, delayMs: 100 });
  assert.deepEqual(decideRetry(p, 'reset', 2, undefined, NOW, half), { retry: true, delayMs: 400 });
  assert.deepEqual(decideRetry(p, 503, 3, undefined, NOW, half), { retry: false, gaveUp: true });
  assert.deepEqual(decideRetry(p, 500, 0, undefined, NOW, half), { retry: false, gaveUp: false });
  assert.deepEqual(decideRetry(p, 'other', 0, undefined, NOW, half), { retry: false, gaveUp: false });
  assert.deepEqual(decideRetry(policy({ max: 0 }), 429, 0, '1', NOW, half), { retry: false, gaveUp: true });
});

test("the server's Retry-After wins over the backoff (never sooner), unless the policy ignores it; an absurd one gives up", () => {
  assert.deepEqual(decideRetry(policy(), 429, 0, '1', NOW, half), { retry: true, delayMs: 1_000, retryAfterMs: 1_000 });
  assert.deepEqual(decideRetry(policy({ baseMs: 4_000 }), 429, 0, '1', NOW, half), {
    retry: true,
    delayMs: 1_000,
    retryAfterMs: 1_000,
  });
  assert.deepEqual(decideRetry(policy({ honorRetryAfter: false }), 429, 0, '1', NOW, half), {
    retry: true,
    delayMs: 100,
  });
  assert.deepEqual(decideRetry(policy(), 429, 0, 'garbage', NOW, half), { retry: true, delayMs: 100 });
  assert.deepEqual(decideRetry(policy(), 429, 0, String(2 * 86_400), NOW, half), { retry: false, gaveUp: true });
});
