// Threshold expressions: what parses, what each metric reads, and coded errors
// that quote the bad expression.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateThresholds } from '../src/merge/judge.ts';
import { finalStatus, type RequestSummary } from '../src/results/summary.ts';
import { parseScenario } from '../src/scenario/read.ts';
import { parseThreshold } from '../src/scenario/thresholds.ts';

const summary = (o: Partial<RequestSummary> = {}): RequestSummary => ({
  requests: 150,
  redirects: 0,
  responses: 150,
  ok: 99,
  rateLimited: 51,
  failed: 0,
  dropped: 0,
  rps: 140.5,
  status: { 200: 99, 429: 51 },
  errors: { timeout: 0, refused: 0, reset: 0, other: 0, tls: 0 },
  retryAfterPresent: 51,
  firstRateLimitedAfter: 99,
  bytesReceived: 0,
  bytesSent: 0,
  checks: {},
  latencyMs: { min: 1, mean: 40, p50: 30, p90: 70, p95: 80, p99: 120, p999: 150, max: 151 },
  ...o,
});

test("each metric reads its figure, in the expression's units", () => {
  const ts = [
    'p(95)<500ms',
    'p(95) < 0.5s',
    'avg<200ms',
    'med<=30',
    'max<2s',
    'min>0',
    'rps>10',
    'rate(ok)>0.99',
    'rate(ok)>=66%',
    'rate(retry_after)==1',
    'rate(429)<0.5',
    'count(429)==51',
    'count(200)>=99',
    'requests==150',
    'dropped==0',
    'count(failed)==0',
    'p(97.5)<1s',
  ].map((e) => parseThreshold(e));
  const r = evaluateThresholds(ts, {
    totals: summary(),
    requests: {},
    percentile: (_s, q) => (q === 97.5 ? 100 : NaN),
  });
  assert.deepEqual(
    r.map((x) => [x.expr, x.value, x.ok]),
    [
      ['p(95)<500ms', 80, true],
      ['p(95)<0.5s', 80, true],
      ['avg<200ms', 40, true],
      ['med<=30', 30, true],
      ['max<2s', 151, true],
      ['min>0', 1, true],
      ['rps>10', 140.5, true],
      ['rate(ok)>0.99', 0.66, false],
      ['rate(ok)>=66%', 0.66, true],
      ['rate(retry_after)==1', 1, true],
      ['rate(429)<0.5', 0.34, true],
      ['count(429)==51', 51, true],
      ['count(200)>=99', 99, true],
      ['requests==150', 150, true],
      ['dropped==0', 0, true],
      ['count(failed)==0', 0, true],
      ['p(97.5)<1s', 100, true],
    ],
  );
  assert.equal(parseThreshold('p(95)<500ms').target, 500);
  assert.equal(parseThreshold('p(95)<2m').target, 120_000);
  assert.equal(parseThreshold('growth(rss)<50MB').target, 50 * 1024 * 1024);
  assert.deepEqual(parseThreshold('max(pool_in_use)<15').metric, {
    kind: 'monitor',
    stat: 'max',
    monitor: 'pool_in_use',
  });
});

test('a value that does not exist fails: no responses, no 429 for retry_after, an unknown scope', () => {
  const none = summary({ requests: 0, responses: 0, ok: 0, rateLimited: 0, retryAfterPresent: 0, status: {} });
  const r = evaluateThresholds(
    ['p(95)<500ms', 'rate(retry_after)==1', 'rate(ok)>0.5'].map((e) => parseThreshold(e)),
    { totals: none, requests: {} },
  );
  assert.ok(r.every((x) => !x.ok && Number.isNaN(x.value)));
  assert.equal(
    evaluateThresholds([parseThreshold('p(95)<1s', 'nope')], { totals: summary(), requests: {} })[0]!.ok,
    false,
  );
});

test('bad expressions are coded errors that quote the expression and say what was expected', () => {
  for (const [bad, why] of [
    ['p95<500ms', /expected METRIC OP VALUE|unknown metric/],
    ['p(0)<5', /percentile between 0 and 100/],
    ['p(95)<500MB', /unit MB does not fit p/],
    ['rate(4-2)>1', /rate\(X\) takes ok, failed, rate_limited, retry_after, a status code, or a monitor name/],
    ['count()==1', /count\(X\) takes/],
    ['latency<5', /unknown metric latency/],
    ['p(95)=500', /expected METRIC OP VALUE/],
    ['growth<5', /growth\(NAME\) takes a monitor name/],
    ['rps(x)>1', /rps takes no argument/],
  ] as const) {
    assert.throws(
      () => parseThreshold(bad),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, 'CTRL_THRESHOLD_INVALID');
        assert.ok(e.message.includes(bad), e.message);
        assert.match(e.message, why);
        return true;
      },
    );
  }
});

test('in a scenario: every bad threshold is reported with its path', () => {
  assert.throws(
    () =>
      parseScenario(`
name: t
baseUrl: http://h
requests: [{ name: a, path: /a }]
thresholds:
  - p(95)<500ms
  - nonsense
  - { expr: 'rate(ok)>0.9', request: zz }
  - 'max(rss)<1GB'
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s }]
`),
    (e: Error) => {
      assert.match(e.message, /\/thresholds\/1: threshold nonsense is invalid/);
      assert.match(e.message, /\/thresholds\/2\/request: no request named zz/);
      assert.match(e.message, /\/thresholds\/3: no monitor named rss/);
      return true;
    },
  );
  assert.throws(
    () =>
      parseScenario(`
name: t
baseUrl: http://h
requests: [{ name: a, path: /a }]
thresholds: [{ expr: 'p(99)<1s', delay: soon }]
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s }]
`),
    /\/thresholds\/0: a threshold is an expression \(p\(95\)<500ms\) or \{ expr, request, abortOnFail, delay \}/,
  );
  const s = parseScenario(`
name: t
baseUrl: http://h
requests: [{ name: a, path: /a }]
thresholds: [p(95)<500ms, { expr: 'rate(ok) > 0.99', request: a, abortOnFail: true, delay: 10s }]
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s }]
`);
  assert.deepEqual(
    s.thresholds.map((t) => [t.expr, t.scope, t.abortOnFail, t.delayMs]),
    [
      ['p(95)<500ms', '', false, 0],
      ['rate(ok)>0.99', 'a', true, 10_000],
    ],
  );
});

test('status: a failed threshold fails a passed or degraded run, an abortOnFail stop is failed, a hand abort stays aborted', () => {
  assert.equal(finalStatus('passed', true, false), 'passed');
  assert.equal(finalStatus('passed', false, false), 'failed');
  assert.equal(finalStatus('degraded', false, false), 'failed');
  assert.equal(finalStatus('degraded', true, false), 'degraded');
  assert.equal(finalStatus('aborted', false, false), 'aborted');
  assert.equal(finalStatus('aborted', false, true), 'failed');
});

test('abortOnFail only where a live verdict is final: latency, rates, upper bounds on counts, max/min of monitors', () => {
  assert.throws(
    () =>
      parseScenario(`
name: live
baseUrl: http://h
requests: [{ name: a, path: /a }]
monitors: [{ name: rss, path: /m, prometheus: rss }]
thresholds:
  - { expr: 'rps>10', abortOnFail: true }
  - { expr: 'requests>=100', abortOnFail: true }
  - { expr: 'growth(rss)<1MB', abortOnFail: true }
  - { expr: 'count(500)<=3', abortOnFail: true }
  - { expr: 'dropped==0', abortOnFail: true }
  - { expr: 'p(95)<1s', abortOnFail: true }
  - { expr: 'max(rss)<1GB', abortOnFail: true }
  - 'max(rss)<100ms'
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s }]
`),
    (e: Error) => {
      const lines = e.message.split('\n').slice(1);
      assert.deepEqual(lines, [
        '/thresholds/0/abortOnFail: rps is judged at the end only',
        '/thresholds/1/abortOnFail: a count only grows: abortOnFail takes <, <= or == 0 on it',
        '/thresholds/2/abortOnFail: of a monitor, abortOnFail takes max(...) or min(...)',
        '/thresholds/7: threshold max(rss)<100ms is invalid: unit ms does not fit max',
      ]);
      return true;
    },
  );
});

test('a summary that went through JSON (NaN became null) still prints', async () => {
  const { formatSummary } = await import('../src/report/summary-table.ts');
  const s = JSON.parse(
    JSON.stringify({
      run: {
        id: 'r',
        scenario: 's',
        status: 'passed',
        startedAt: '',
        endedAt: '',
        startSkewMs: 0,
        activeWindowMs: 1000,
        agents: [],
        notes: [],
      },
      totals: summary(),
      requests: { a: summary() },
      thresholds: [{ expr: 'max(m)<5', scope: 'm', value: NaN, ok: false }],
      monitors: {
        m: { first: NaN, last: NaN, min: NaN, max: NaN, avg: NaN, growth: NaN, rate: NaN, samples: 0, errors: 3 },
      },
    }),
  );
  const text = formatSummary(s);
  // No data prints as "–" (core's units.ts), never a number.
  assert.match(text, /max\(m\)\s+m\s+<5\s+–\s+FAIL/);
  assert.match(text, /^m\s+0\s+–\s+–/m);
  assert.match(text, /^m\s+.*\s3$/m, 'the failed polls of a summary from before failedPolls');
});
