// The reports print figures with core's formatter, from a summary built here:
// a threshold on growth(rss) reads "576 KiB" in the Markdown, terminal and
// JUnit outputs; a run nothing answered shows "–" for its latency, never
// "0 ms"; a monitor's failed polls say why and each monitor URL's requests are
// counted; a run that ended in error gets a report that leads with the reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestSummary } from '../src/merge/request-figures.ts';
import { junitReport } from '../src/report/junit.ts';
import { markdownReport } from '../src/report/markdown.ts';
import { formatSummary } from '../src/report/summary-table.ts';
import { partialSummary } from '../src/results/partial-summary.ts';
import type { Summary } from '../src/results/summary.ts';
import { parseScenario } from '../src/scenario/read.ts';

const scenario = parseScenario(`
name: figures
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
scenarios: [{ name: s, executor: shared-iterations, vus: 1, iterations: 3 }]
monitors: [{ name: rss, path: /metrics, prometheus: process_resident_memory_bytes }]
thresholds: ['growth(rss)<50MB', 'p(95)<500ms']
`);

const figures = (o: Partial<RequestSummary> = {}): RequestSummary => ({
  requests: 3,
  redirects: 0,
  responses: 3,
  ok: 3,
  rateLimited: 0,
  failed: 0,
  dropped: 0,
  rps: 140.23,
  status: { 200: 3 },
  errors: { timeout: 0, refused: 0, reset: 0, other: 0, tls: 0 },
  retryAfterPresent: 0,
  firstRateLimitedAfter: null,
  bytesReceived: 0,
  bytesSent: 0,
  checks: {},
  latencyMs: { min: 0.5, mean: 20, p50: 4.2, p90: 60, p95: 67.31, p99: 1250, p999: 1250, max: 1250 },
  ...o,
});

const summary = (totals: RequestSummary): Summary => ({
  run: {
    id: 'r1',
    scenario: 'figures',
    status: 'passed',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:01.000Z',
    startSkewMs: 0.5,
    activeWindowMs: 1000,
    agents: [],
    notes: [],
  },
  totals,
  requests: { health: totals },
  thresholds: [
    { expr: 'growth(rss)<50MB', scope: 'rss', value: 589_824, ok: true },
    { expr: 'p(95)<500ms', scope: 'all', value: totals.latencyMs.p95, ok: true },
  ],
  monitors: {
    rss: {
      first: 94 * 1024 * 1024,
      last: 94 * 1024 * 1024 + 589_824,
      min: 94 * 1024 * 1024,
      max: 94 * 1024 * 1024 + 589_824,
      avg: 94 * 1024 * 1024,
      growth: 589_824,
      rate: 12_288,
      samples: 3,
      errors: 2,
      failedPolls: 2,
      failures: { 'HTTP 503': 2 },
    },
  },
  monitorRequests: { 'http://127.0.0.1:1/metrics': 6 },
});

const input = (s: Summary) => ({ summary: s, scenario, target: undefined, monitorSamples: {} });

test('a threshold on growth(rss) reads 576 KiB in every output, latency in ms or s, rates per second', () => {
  const s = summary(figures());
  const md = markdownReport(input(s));
  assert.match(md, /^\| Growth \| 576 KiB \| <50MB \| ✅ \|$/m);
  assert.match(md, /^\| P95 Latency \| 67\.3 ms \| <500ms \| ✅ \|$/m);
  assert.match(md, /^\| P99 Latency \| 1\.25 s \| - \| - \|$/m);
  assert.match(md, /^\| Responses\/sec \| 140\.2\/s \| - \| - \|$/m);
  assert.match(md, /^\| Change per second \| 12 KiB\/s \| - \| - \|$/m);
  // The Target column echoes the expression as written; every figure is in IEC units.
  assert.doesNotMatch(md.replaceAll('<50MB', ''), /589824|\d ?(MB|KB|GB)\b/, 'no raw bytes, no MB meaning MiB');
  const table = formatSummary(s);
  assert.match(table, /^growth\(rss\)\s+rss\s+<50MB\s+576 KiB\s+pass$/m);
  assert.match(table, /^rss\s+3\s+94 MiB\s+94\.6 MiB\s+.*576 KiB\s+12 KiB\/s\s+2$/m);
  const failing = junitReport({ ...s, thresholds: [{ ...s.thresholds[0]!, ok: false }] });
  assert.match(failing, /message="growth\(rss\)&lt;50MB failed: measured 576 KiB"/);
});

test("a monitor's failed polls say why, and each monitor URL's requests are counted", () => {
  const md = markdownReport(input(summary(figures())));
  assert.match(md, /^\| Failed polls \| 2: HTTP 503 × 2 \| - \| - \|$/m);
  assert.match(md, /^Monitor requests: `http:\/\/127\.0\.0\.1:1\/metrics` 6 /m);
  // A summary from before these fields prints without them.
  const old = summary(figures());
  const { failedPolls: _f, failures: _r, ...before } = old.monitors.rss!;
  const older = { ...old, monitors: { rss: { ...before, errors: 0 } } } as unknown as Summary;
  delete (older as { monitorRequests?: unknown }).monitorRequests;
  const text = markdownReport(input(older));
  assert.doesNotMatch(text, /Failed polls|Monitor requests/);
});

test('nothing answered: latency is "–", never "0 ms"', () => {
  const none = figures({
    responses: 0,
    ok: 0,
    failed: 3,
    status: {},
    errors: { timeout: 0, refused: 3, reset: 0, other: 0, tls: 0 },
    rps: 0,
    latencyMs: { min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 },
  });
  const s = { ...summary(none), thresholds: [] };
  const md = markdownReport(input(s));
  assert.match(md, /^\| P95 Latency \| – \| - \| - \|$/m);
  assert.match(md, /P95 latency –$/m);
  assert.doesNotMatch(md, /\| 0(\.0+)? ?ms \||latency 0/);
  assert.match(formatSummary(s), /^health\s+3\s+0\/s\s+0\.0%\s+0\s+0\s+–\s+–\s+–\s+–\s+–\s/m);
});

test('redirects followed: a row in the Markdown metric table and a column in the terminal table, only when there were some', () => {
  const s = { ...summary(figures({ redirects: 3 })), thresholds: [] };
  assert.match(markdownReport(input(s)), /^\| Redirects Followed \| 3 \| - \| - \|$/m);
  assert.match(formatSummary(s), /^request\s+reqs\s+resp\/s\s+ok\s+429\s+retry-after\s+redirects\s/m);
  const none = { ...summary(figures()), thresholds: [] };
  assert.doesNotMatch(markdownReport(input(none)), /Redirects Followed/);
  assert.doesNotMatch(formatSummary(none), /redirects/);
});

test('a run that ended in error: its partial summary and a report that leads with the reason', () => {
  const s = partialSummary(
    {
      id: 'e1',
      scenario: 'figures',
      status: 'error',
      createdAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:00:02.000Z',
      error: 'CTRL_SETUP_FAILED: setup step login failed: HTTP 401',
    },
    { plannedStartAt: Date.parse('2026-01-01T00:00:00.500Z'), intervalMs: 100 },
    [0, 1].map((interval) => ({
      interval,
      requests: 1_200,
      ok: 1_100,
      rateLimited: 0,
      failed: 100,
      p50Ms: 2,
      p95Ms: 9,
      p99Ms: 12,
      maxMs: 20 + interval,
      meanMs: 3,
      dropped: 0,
      status: { 200: 1_100, 500: 50 },
      errors: { timeout: 0, refused: 50, reset: 0, other: 0, tls: 0 },
      agents: { a: 1_200 },
    })),
    { rss: [{ t: 0, value: 1024 }] },
  );
  assert.equal(s.run.status, 'error');
  assert.equal(s.run.error, 'CTRL_SETUP_FAILED: setup step login failed: HTTP 401');
  assert.equal(s.totals.requests, 2_400);
  assert.equal(s.totals.responses, 2_300);
  assert.deepEqual(s.totals.status, { 200: 2_200, 500: 100 });
  assert.equal(s.totals.errors.refused, 100);
  assert.equal(s.run.activeWindowMs, 200);
  assert.equal(s.totals.latencyMs.max, 21);
  assert.equal(s.totals.latencyMs.mean, 3);
  assert.ok(Number.isNaN(s.totals.latencyMs.p95), 'no merged histogram: no percentile');
  assert.equal(s.monitors.rss!.samples, 1);
  // Its report: the reason first, then what was recorded; the stored scenario is not needed.
  for (const sc of [scenario, undefined]) {
    const md = markdownReport({ summary: s, scenario: sc, target: undefined, monitorSamples: {} });
    const lead = md.indexOf('## ❌ The run ended in error');
    assert.ok(lead > 0 && lead < md.indexOf('## What Was Recorded'), md);
    assert.match(md, /^> CTRL_SETUP_FAILED: setup step login failed: HTTP 401$/m);
    assert.match(md, /^\| Total Requests \| 2,400 \| - \| - \|$/m);
    assert.match(md, /^\| P95 Latency \| – \| - \| - \|$/m);
    assert.match(md, /^\| Max Latency \| 21 ms \| - \| - \|$/m);
  }
  assert.match(
    junitReport(s),
    /<error type="error" message="run error: CTRL_SETUP_FAILED: setup step login failed: HTTP 401">/,
  );
  assert.match(formatSummary(s), /^error: CTRL_SETUP_FAILED: setup step login failed: HTTP 401$/m);
});
