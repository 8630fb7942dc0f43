// Honest verdicts: throughput counts responses, never refused or timed-out
// attempts; a run in which nothing answered as expected is failed whatever its
// thresholds, with a note in words; interval length fits the run.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestSummary } from '../src/merge/request-figures.ts';
import { requestSummary } from '../src/merge/request-figures.ts';
import { RequestTotals } from '../src/merge/request-totals.ts';
import { intervalLengthMs } from '../src/plan/interval-length.ts';
import { nothingAnswered } from '../src/results/answer-verdict.ts';
import { finalStatus } from '../src/results/summary.ts';
import { parseScenario } from '../src/scenario/read.ts';

const NONE = { timeout: 0, refused: 0, reset: 0, other: 0, tls: 0 };
const totals = (o: Partial<RequestSummary>): RequestSummary => ({
  requests: 0,
  redirects: 0,
  responses: 0,
  ok: 0,
  rateLimited: 0,
  failed: 0,
  dropped: 0,
  rps: 0,
  status: {},
  errors: { ...NONE },
  retryAfterPresent: 0,
  firstRateLimitedAfter: null,
  bytesReceived: 0,
  bytesSent: 0,
  checks: {},
  latencyMs: { min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 },
  ...o,
});

test('rps counts responses over the window; refused attempts are requests, not throughput', () => {
  const t = new RequestTotals();
  t.add({ errors: { refused: 60 } });
  const s = requestSummary(t, 1000, undefined);
  assert.equal(s.requests, 60);
  assert.equal(s.responses, 0);
  assert.equal(s.rps, 0);
  assert.equal(s.errors.refused, 60);
});

test('nothing answered: each way of failing is said in words', () => {
  assert.equal(
    nothingAnswered(totals({ requests: 60, failed: 60, errors: { ...NONE, refused: 60 } }), false),
    'the target refused all 60 connections',
  );
  assert.equal(
    nothingAnswered(totals({ requests: 5, failed: 5, errors: { ...NONE, timeout: 5 } }), false),
    'all 5 requests timed out without an answer',
  );
  assert.equal(
    nothingAnswered(totals({ requests: 7, failed: 7, errors: { ...NONE, refused: 3, timeout: 4 } }), false),
    'none of 7 requests got an answer: 3 refused, 4 timed out',
  );
  assert.equal(
    nothingAnswered(
      totals({ requests: 12, responses: 10, failed: 12, status: { 500: 8, 404: 2 }, errors: { ...NONE, reset: 2 } }),
      false,
    ),
    'no request got an expected answer: 10 responses (500 ×8, 404 ×2), 2 requests without an answer',
  );
  assert.equal(nothingAnswered(totals({}), false), 'no request was sent');
  assert.match(nothingAnswered(totals({ dropped: 40 }), false)!, /all 40 arrivals were dropped/);
});

test('one expected answer is enough; a 429 counts only when a request expects it', () => {
  assert.equal(nothingAnswered(totals({ requests: 100, responses: 100, ok: 1, failed: 99 }), false), undefined);
  const limited = totals({ requests: 50, responses: 50, rateLimited: 50, status: { 429: 50 } });
  assert.match(nothingAnswered(limited, false)!, /no request got an expected answer: 50 responses \(429 ×50\)/);
  assert.equal(nothingAnswered(limited, true), undefined);
});

test('a run where nothing answered is failed whatever its thresholds; a hand abort stays aborted', () => {
  assert.equal(finalStatus('passed', true, false, true), 'failed');
  assert.equal(finalStatus('degraded', true, false, true), 'failed');
  assert.equal(finalStatus('aborted', true, false, true), 'aborted');
  assert.equal(finalStatus('passed', true, false, false), 'passed');
});

const scenario = (models: string, extra = '') =>
  parseScenario(
    `name: t\nbaseUrl: http://127.0.0.1:1\n${extra}requests: [{ name: a, path: / }]\nscenarios:\n${models}`,
    'yaml',
  );

test('interval length: 100 ms for short runs and small bursts, 1 s otherwise, the scenario’s own when set', () => {
  assert.equal(intervalLengthMs(scenario('  - { name: s, executor: constant-vus, vus: 1, duration: 3s }\n')), 100);
  assert.equal(intervalLengthMs(scenario('  - { name: s, executor: constant-vus, vus: 1, duration: 10s }\n')), 100);
  assert.equal(intervalLengthMs(scenario('  - { name: s, executor: constant-vus, vus: 1, duration: 11s }\n')), 1000);
  // startTime counts: the load ends 12 s in.
  assert.equal(
    intervalLengthMs(scenario('  - { name: s, executor: constant-vus, vus: 1, duration: 5s, startTime: 7s }\n')),
    1000,
  );
  // The seed's bursts: iteration-bounded, their maxDuration is only a bound.
  assert.equal(
    intervalLengthMs(scenario('  - { name: s, executor: shared-iterations, vus: 10, iterations: 150 }\n')),
    100,
  );
  assert.equal(
    intervalLengthMs(scenario('  - { name: s, executor: per-vu-iterations, vus: 100, iterations: 11 }\n')),
    1000,
  );
  assert.equal(
    intervalLengthMs(
      scenario(
        '  - { name: s, executor: constant-arrival-rate, rate: 5, duration: 1m, maxInFlight: 10 }\n',
        'interval: 250ms\n',
      ),
    ),
    250,
  );
  assert.throws(
    () => scenario('  - { name: s, executor: constant-vus, vus: 1, duration: 3s }\n', 'interval: 50ms\n'),
    /\/interval: 50ms is not between 100ms and 10s/,
  );
});
