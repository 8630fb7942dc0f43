// What the dashboard says in a real browser beside the other outputs: a run
// that ended in error leads its page with the reason (and the runs list shows
// it); and one run's figures read the same in the terminal (progress lines and
// the summary table), the Markdown report and the dashboard's DOM, all printed
// by core's units.ts. Screenshots go to test-artifacts/.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { formatDuration, formatLatency, formatMonitorValue } from '@barrage/core';
import { artifact, browserUnavailable, launchBrowser } from '../helpers/browser.ts';
import { bins, runCli, startTarget } from '../helpers/processes.ts';
import { serveWithAgents } from '../helpers/serve-cluster.ts';

const TOKEN = 'dashboard-figures-token';
const skip = browserUnavailable();

test('the page of a run that ended in error leads with why, and the runs list says it', { skip }, async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const { origin, api } = await serveWithAgents(t, { token: TOKEN, agents: ['err-1'] });
  // A wrong password: the sample target answers 401, the setup step fails, the run ends in error before any load.
  const scenario = {
    name: 'setup-fails',
    baseUrl: target.url,
    requests: [{ name: 'health', path: '/health' }],
    setup: [
      { name: 'login', method: 'POST', path: '/api/auth/login', json: { username: 'x', password: 'y' }, expect: [200] },
    ],
    scenarios: [{ name: 's', executor: 'shared-iterations', vus: 1, iterations: 5 }],
  };
  const res = await fetch(`${api}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ scenario }),
  });
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = (await res.json()) as { id: string };

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${origin}/runs/${id}`);
  await page.waitForSelector('body[data-ended="error"]', { timeout: 60_000 });
  const reason = (await page.textContent('[data-run-error]')) ?? '';
  assert.match(reason, /ended in error.*CTRL_SETUP_FAILED: setup step login failed: HTTP 401/);
  assert.equal(await page.textContent('[data-run-status]'), 'error');
  assert.equal(await page.locator('[data-no-intervals]').count(), 1, 'no empty charts: nothing was recorded');
  await page.screenshot({ path: artifact('dashboard-error-run.png'), fullPage: true });
  await page.goto(`${origin}/`);
  const row = page.locator(`tr[data-run="${id}"]`);
  await row.waitFor();
  assert.match((await row.locator('td.reason').textContent()) ?? '', /CTRL_SETUP_FAILED: setup step login failed/);
  assert.deepEqual(errors, []);
});

/** A cell of a text table whose columns are set apart by two or more spaces. */
function cell(table: string, header: string, rowName: string, column: string): string {
  const lines = table.split('\n');
  const head = lines.findIndex((l) => l.startsWith(header));
  assert.ok(head >= 0, `no table headed ${header} in:\n${table}`);
  const cols = lines[head]!.split(/ {2,}/);
  const row = lines.slice(head + 1).find((l) => l.startsWith(`${rowName} `));
  assert.ok(row !== undefined, `no row ${rowName} under ${header}`);
  return row.split(/ {2,}/)[cols.indexOf(column)]!;
}

test('one run, one way to print each figure: terminal, Markdown report and dashboard agree', { skip }, async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const { origin } = await serveWithAgents(t, { token: TOKEN, agents: ['units-1'] });
  const dir = mkdtempSync(join(tmpdir(), 'barrage-figures-'));
  writeFileSync(
    join(dir, 's.yaml'),
    `
name: figures
requests: [{ name: health, path: /health }]
scenarios: [{ name: open, executor: constant-arrival-rate, rate: 40, duration: 2s, maxInFlight: 20 }]
monitors: [{ name: rss, path: /metrics, prometheus: process_resident_memory_bytes, interval: 200ms }]
`,
  );
  // Submitted to the serving controller: progress comes from the run's event stream, one plain line per interval.
  const r = await runCli(bins.controller, [
    ...['start', '--controller', origin, '--token', TOKEN, '--scenario', join(dir, 's.yaml'), '--target', target.url],
    ...['--report', join(dir, 'r.md'), '--out', join(dir, 's.json')],
  ]);
  assert.equal(r.code, 0, r.stderr);
  const id = /run (\S+): /.exec(r.stderr)![1]!;
  const s = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')) as Summary;
  const md = readFileSync(join(dir, 'r.md'), 'utf8');
  const ts = (await (await fetch(`${origin}/api/v1/runs/${id}/timeseries`)).json()) as {
    intervals: Array<{ p95Ms: number | null }>;
  };

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(`${origin}/runs/${id}`);
  await page.waitForSelector('body[data-ended]');
  await page.waitForSelector('tr[data-monitor="rss"]');
  const dom = async (selector: string) => ((await page.textContent(selector)) ?? '').trim();
  const mdRow = (metric: string) => new RegExp(`^\\| ${metric} \\| ([^|]+) \\|`, 'm').exec(md)?.[1]?.trim();

  // The run's p95: the summary table, the report's row and the dashboard's figure.
  const p95 = formatLatency(s.totals.latencyMs.p95, s.totals.responses);
  assert.match(p95, /^[\d.]+ (ms|s)$/);
  assert.equal(cell(r.stdout, 'request', 'health', 'p95'), p95, r.stdout);
  assert.equal(mdRow('P95 Latency'), p95);
  assert.equal(await dom('dd[data-stat="p95Run"]'), p95);
  // The monitor's growth: bytes in binary units everywhere.
  const growth = formatMonitorValue('rss', s.monitors.rss!.growth);
  assert.match(growth, /^-?[\d.,]+ (B|KiB|MiB|GiB)$/);
  assert.equal(cell(r.stdout, 'monitor', 'rss', 'growth'), growth, r.stdout);
  assert.equal(mdRow('Growth'), growth);
  assert.equal(await dom('tr[data-monitor="rss"] td[data-stat="growth"]'), growth);
  // The last interval's p95: the last progress line and the dashboard's live figure.
  const lines = r.stderr.match(/^\[\s*\d+s\] reqs .*$/gm) ?? [];
  assert.ok(lines.length > 0, r.stderr);
  const progressP95 = /  p95 (.+?)  ok /.exec(lines.at(-1)!)![1]!;
  assert.equal(progressP95, formatDuration(ts.intervals.at(-1)!.p95Ms));
  assert.equal(await dom('dd[data-stat="p95"]'), progressP95);
  await page.screenshot({ path: artifact('dashboard-figures.png'), fullPage: true });
});
