// The dashboard and the HTML report in a real browser (Debian's chromium via
// playwright-core): the run page of a live run gains chart points while the
// run goes and ends with the numbers the API and the target give; a failed
// threshold turns its row red; the runs list links the run; a report written
// by `controller start --report r.html` opens from disk with its charts drawn
// and fetches nothing. Screenshots go to test-artifacts/.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Summary } from '@barrage/controller';
import { artifact, browserUnavailable, launchBrowser } from '../helpers/browser.ts';
import { bins, runCli, startTarget } from '../helpers/processes.ts';
import { serveWithAgents } from '../helpers/serve-cluster.ts';

// What the page-side callbacks touch (they run in the browser; this project compiles without the DOM lib).
declare const document: {
  querySelector(s: string): { getAttribute(n: string): string | null } | null;
  body: { hasAttribute(n: string): boolean };
};
declare function getComputedStyle(e: unknown): { backgroundColor: string };
interface HTMLCanvasElement {
  width: number;
  height: number;
  getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}

const TOKEN = 'browser-test-token';
const skip = browserUnavailable();
const count = (text: string | null) => Number((text ?? '').replace(/,/g, ''));

test("dashboard: a live run gains points, ends with the API's and the target's numbers, a failed threshold is red", {
  skip,
}, async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const { origin: api } = await serveWithAgents(t, { token: TOKEN, agents: ['browser-1', 'browser-2'] });
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  const scenario = {
    name: 'dashboard-live',
    baseUrl: target.url,
    requests: [
      { name: 'health', path: '/health' },
      { name: 'sessions', path: '/api/sessions/' },
    ],
    scenarios: [{ name: 'open', executor: 'constant-arrival-rate', rate: 60, duration: '6s', maxInFlight: 50 }],
    monitors: [{ name: 'rss', path: '/metrics', prometheus: 'process_resident_memory_bytes' }],
    // /api/sessions/ answers 401 without a login: the second threshold fails, on purpose.
    thresholds: ['p(95)<5s', 'rate(ok)>0.99'],
  };
  const res = await fetch(`${api}/api/v1/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ scenario }),
  });
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = (await res.json()) as { id: string };
  await page.goto(`${api}/runs/${id}`);

  // Points arrive while the run goes: the throughput chart grows from one interval to a later one.
  await page.waitForSelector('figure[data-chart="rps"][data-points]');
  await page.waitForFunction(
    () =>
      Number(document.querySelector('figure[data-chart="rps"]')!.getAttribute('data-points')) >= 2 &&
      !document.body.hasAttribute('data-ended'),
  );
  const early = Number(await page.getAttribute('figure[data-chart="rps"]', 'data-points'));
  const running = (await (await fetch(`${api}/api/v1/runs/${id}`)).json()) as { status: string };
  // Monitor samples are stored while the run goes: /timeseries has them before the end.
  let liveMonitor = 0;
  for (let i = 0; i < 100 && liveMonitor === 0; i++) {
    const live = (await (await fetch(`${api}/api/v1/runs/${id}/timeseries`)).json()) as {
      monitors: Record<string, unknown[]>;
    };
    const status = ((await (await fetch(`${api}/api/v1/runs/${id}`)).json()) as { status: string }).status;
    if (status !== 'running') break;
    liveMonitor = live.monitors.rss?.length ?? 0;
    if (liveMonitor === 0) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(liveMonitor > 0, 'monitor samples in /timeseries while the run was running');
  await page.screenshot({ path: artifact('dashboard-live-running.png'), fullPage: true });
  await page.waitForSelector('body[data-ended]', { timeout: 60_000 });
  const late = Number(await page.getAttribute('figure[data-chart="rps"]', 'data-points'));
  assert.ok(late > early, `the chart gained points: ${early} -> ${late}`);
  assert.ok(running.status === 'running' || late > early);

  const summary = (await (await fetch(`${api}/api/v1/runs/${id}/summary`)).json()) as Summary;
  const ts = (await (await fetch(`${api}/api/v1/runs/${id}/timeseries`)).json()) as {
    intervals: Array<{ requests: number }>;
  };
  const seen = await target.stats();
  const shown = async (stat: string) => count(await page.textContent(`dd[data-stat="${stat}"]`));
  assert.equal(await shown('requests'), summary.totals.requests);
  assert.equal(summary.totals.requests, seen.total, 'the target saw every request the page shows');
  assert.equal(await shown('ok'), summary.totals.ok);
  assert.equal(await shown('failed'), summary.totals.failed);
  assert.equal(await shown('rateLimited'), summary.totals.rateLimited);
  assert.equal(late, ts.intervals.length, 'one point per stored interval');
  assert.equal(
    ts.intervals.reduce((s, p) => s + p.requests, 0),
    summary.totals.requests,
  );
  assert.equal(await page.getAttribute('body', 'data-ended'), summary.run.status);
  assert.equal(summary.run.status, 'failed');

  // The threshold table: the failed one red, the passed one not.
  const failRow = page.locator('tr[data-threshold="rate(ok)>0.99"]');
  assert.equal(await failRow.getAttribute('class'), 'fail');
  const bg = await failRow
    .locator('td')
    .first()
    .evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.equal(bg, 'rgb(254, 226, 226)', 'a failed threshold is drawn red');
  assert.equal(await page.locator('tr[data-threshold="p(95)<5s"]').getAttribute('class'), 'pass');
  for (const chart of ['rps', 'latency', 'status', 'outcomes', 'agents', 'monitor-rss']) {
    assert.equal(await page.locator(`figure[data-chart="${chart}"] canvas`).count(), 1, `${chart} chart drawn`);
  }
  const legend = await page.locator('figure[data-chart="status"] .u-legend').textContent();
  assert.match(legend ?? '', /401/, 'status codes charted by code');
  assert.ok(
    Number(await page.getAttribute('figure[data-chart="monitor-rss"]', 'data-points')) >= 1,
    'the monitor series is charted',
  );
  assert.match(
    (await page.locator('figure[data-chart="agents"] .u-legend').textContent()) ?? '',
    /browser-1.*browser-2|browser-2.*browser-1/,
  );
  await page.screenshot({ path: artifact('dashboard-run.png'), fullPage: true });

  // The API's HTML report draws its charts under its own Content-Security-Policy (inline scripts by hash only).
  const violations: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });
  await page.goto(`${api}/api/v1/runs/${id}/report.html`);
  await page.waitForSelector('body[data-charts-drawn="1"]');
  assert.equal(await page.locator('figure[data-chart] canvas').count(), 6);
  assert.deepEqual(violations, []);

  // The runs list links the run, with its status.
  await page.goto(`${api}/`);
  const row = page.locator(`tr[data-run="${id}"]`);
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /dashboard-live.*failed/);
  await page.screenshot({ path: artifact('dashboard-runs.png') });
  assert.deepEqual(errors, [], 'no script errors');
});

test('HTML report: opens from disk with its charts drawn and the seed tables, fetching nothing', {
  skip,
}, async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-browser-'));
  writeFileSync(
    join(dir, 's.yaml'),
    `
name: report-charts
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
scenarios: [{ name: open, executor: constant-arrival-rate, rate: 50, duration: 3s, maxInFlight: 20 }]
thresholds: ['p(95)<5s']
`,
  );
  const report = join(dir, 'r.html');
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 's.yaml'),
    '--target',
    target.url,
    '--local-agents',
    '2',
    '--report',
    report,
    '--out',
    join(dir, 'out.json'),
    '--db',
    join(dir, 'db'),
    '--quiet',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  const html = readFileSync(report, 'utf8');
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/, 'nothing loaded from elsewhere');

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const requests: string[] = [];
  page.on('request', (q) => requests.push(q.url()));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(report).href);
  await page.waitForSelector('body[data-charts-drawn="1"]');
  const charts = await page
    .locator('figure[data-chart]')
    .evaluateAll((fs) => fs.map((f) => [f.getAttribute('data-chart'), Number(f.getAttribute('data-points'))]));
  assert.deepEqual(
    charts.map((c) => c[0]),
    ['rps', 'latency', 'status', 'outcomes', 'agents'],
  );
  // Every chart has drawn something: its canvas holds non-blank pixels.
  const inked = await page.locator('figure[data-chart] canvas').evaluateAll((cs) =>
    cs.map((c) => {
      const canvas = c as HTMLCanvasElement;
      const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
      return n;
    }),
  );
  assert.ok(inked.length === 5 && inked.every((n) => n > 100), `inked pixels per chart: ${inked.join(', ')}`);
  const points = charts[0]![1] as number;
  assert.ok(points >= 3, `${points} intervals charted`);
  // The seed-style tables are there, with the run's numbers.
  const text = await page.textContent('article.report');
  assert.match(text ?? '', /Performance Report: report-charts/);
  assert.match(text ?? '', new RegExp(`Total Requests\\s*${s.totals.requests}`));
  assert.ok((await page.locator('article.report table').count()) >= 2);
  assert.deepEqual(
    requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')),
    [],
    'no network request',
  );
  assert.deepEqual(errors, []);
  await page.screenshot({ path: artifact('report-html.png'), fullPage: true });
});

test("a 0.3 s run's HTML report has every chart inked: points, not only lines, from the run's own intervals", {
  skip,
}, async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-browser-'));
  writeFileSync(
    join(dir, 's.yaml'),
    `
name: short-burst
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
scenarios: [{ name: open, executor: constant-arrival-rate, rate: 100, duration: 300ms, maxInFlight: 20 }]
monitors: [{ name: rss, path: /metrics, prometheus: process_resident_memory_bytes, interval: 100ms }]
`,
  );
  const report = join(dir, 'r.html');
  const r = await runCli(bins.controller, [
    ...['start', '--scenario', join(dir, 's.yaml'), '--target', target.url, '--local-agents', '1'],
    ...['--report', report, '--out', join(dir, 'out.json'), '--db', join(dir, 'db'), '--quiet'],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  assert.ok(s.run.activeWindowMs < 1000, `a short run: ${s.run.activeWindowMs} ms`);

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(report).href);
  await page.waitForSelector('body[data-charts-drawn="1"]');
  const charts = await page
    .locator('figure[data-chart]')
    .evaluateAll((fs) => fs.map((f) => [f.getAttribute('data-chart'), Number(f.getAttribute('data-points'))]));
  assert.deepEqual(
    charts.map((c) => c[0]),
    ['rps', 'latency', 'status', 'outcomes', 'agents', 'monitor-rss'],
  );
  // The run's intervals are shorter than a second: several points where one 1 s interval drew none.
  assert.ok((charts[0]![1] as number) >= 2, `${charts[0]![1]} intervals charted`);
  const inked = await page.locator('figure[data-chart] canvas').evaluateAll((cs) =>
    cs.map((c) => {
      const canvas = c as HTMLCanvasElement;
      const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i]! > 0) n++;
      return n;
    }),
  );
  assert.ok(inked.length === 6 && inked.every((n) => n > 100), `inked pixels per chart: ${inked.join(', ')}`);
  // Every x axis counts seconds from the run's start (not wall-clock), every y axis starts at 0.
  const ranges = await page
    .locator('figure[data-chart]')
    .evaluateAll((fs) => fs.map((f) => [f.getAttribute('data-x-range'), f.getAttribute('data-y-range')]));
  for (const [x, y] of ranges) {
    const [x0, x1] = x!.split(',').map(Number);
    assert.ok(x0 === 0 && x1! > 0 && x1! < 5, `x from the start, in seconds: ${x}`);
    assert.equal(Number(y!.split(',')[0]), 0, `y from 0: ${y}`);
  }
  assert.deepEqual(errors, []);
  await page.screenshot({ path: artifact('report-html-short.png'), fullPage: true });
});
