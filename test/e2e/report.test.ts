// Reports from a real run: the Markdown report has the seed's sections and
// its numbers are the summary's (the summary JSON is what the API serves); the
// JUnit XML has one test case per threshold plus the run, failures where a
// threshold failed.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { formatCount, formatDuration, formatPercent, formatRate } from '@barrage/core';
import { bins, runCli, startCli, startTarget } from '../helpers/processes.ts';

// Every figure is printed by core's units.ts.
const msText = formatDuration;

test("ratelimit-150 --report r.md: the seed's layout, every number equal to the summary", async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-report-'));
  const db = join(dir, 'runs.db');
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    'ratelimit-150',
    '--target',
    target.url,
    '--local-agents',
    '3',
    '--report',
    join(dir, 'r.md'),
    '--out',
    join(dir, 's.json'),
    '--db',
    db,
  ]);
  assert.equal(r.code, 0, r.stderr);
  // The run is in the store: a controller serving it answers GET /runs/:id/summary with the same figures.
  const id = /run (\S+): /.exec(r.stderr)![1]!;
  const serve = startCli(bins.controller, ['serve', '--port', '0', '--db', db]);
  t.after(() => serve.kill());
  const api = (await serve.waitForStderr(/API (http:\/\/\S+)/))[1]!;
  assert.deepEqual(
    await (await fetch(`${api}/runs/${id}/summary`)).json(),
    JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')),
  );
  assert.equal(
    await (await fetch(`${api}/runs/${id}/report.md`)).text(),
    readFileSync(join(dir, 'r.md'), 'utf8'),
    'the API serves the same report',
  );
  const md = readFileSync(join(dir, 'r.md'), 'utf8');
  const s = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')) as Summary;
  for (const h of [
    '# Performance Report: ratelimit-150',
    '## Executive Summary',
    '## Test Environment',
    '## Test Results',
    '### 1. burst',
    '**Test Configuration:**',
    '**Results:**',
    '**Rate Limiting:**',
    '## Bottlenecks',
  ]) {
    assert.ok(md.includes(h), `section ${h}`);
  }
  const q = s.requests.sessions!;
  const row = (metric: string) =>
    new RegExp(`^\\| ${metric.replace(/[()]/g, '\\$&')} \\| ([^|]+) \\| ([^|]+) \\| ([^|]+) \\|$`, 'm').exec(md);
  assert.equal(row('Total Requests')![1]!.trim(), formatCount(q.requests));
  assert.equal(row('Success Rate')![1]!.trim(), formatPercent(q.ok / q.requests));
  assert.equal(row('P95 Latency')![1]!.trim(), msText(q.latencyMs.p95));
  assert.equal(row('P99 Latency')![1]!.trim(), msText(q.latencyMs.p99));
  assert.equal(row('Average Latency')![1]!.trim(), msText(q.latencyMs.mean));
  assert.equal(row('Responses/sec')![1]!.trim(), formatRate(q.rps));
  assert.equal(
    row('Rate Limited (429)')![1]!.trim(),
    `${q.rateLimited} (${((100 * q.rateLimited) / q.requests).toFixed(1)}%)`,
  );
  assert.deepEqual(
    row('Rate Limited (429)')!
      .slice(2)
      .map((x) => x.trim()),
    ['>=1', '✅'],
  );
  assert.deepEqual(
    row('Retry-After Header')!
      .slice(1)
      .map((x) => x.trim()),
    [`${q.retryAfterPresent} of ${q.rateLimited}`, '==1', '✅'],
  );
  assert.match(md, new RegExp(`Rate limit triggered after ${q.firstRateLimitedAfter} requests`));
  assert.equal(q.firstRateLimitedAfter, 99);
  // The environment: one row per agent, with what the summary says of it.
  for (const a of s.run.agents)
    assert.match(
      md,
      new RegExp(
        `^\\| ${a.name} \\| .* \\| ${a.cpus} \\| ${a.share} \\| ${formatCount(a.requests)} \\| ${formatDuration(a.startOffsetMs)} \\|`,
        'm',
      ),
    );
  assert.match(md, /all 3 thresholds passed/);
  assert.match(md, /No threshold failed\./);
});

test('JUnit: a test case per threshold and one for the run; failed thresholds are failures', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-report-'));
  writeFileSync(
    join(dir, 's.yaml'),
    `
name: junit-x.y
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
thresholds: ['p(95)<10s', 'rate(ok)<0.5', { expr: 'count(200)==20', request: health }]
scenarios: [{ name: s, executor: shared-iterations, vus: 2, iterations: 20 }]
`,
  );
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 's.yaml'),
    '--target',
    target.url,
    '--local-agents',
    '2',
    '--report',
    join(dir, 'j.xml'),
  ]);
  assert.equal(r.code, 99, r.stderr);
  const x = readFileSync(join(dir, 'j.xml'), 'utf8');
  assert.match(
    x,
    /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="barrage" tests="4" failures="1" errors="0"/,
  );
  assert.match(x, /<testsuite name="junit-x.y" tests="4" failures="1" errors="0"/);
  const cases = [...x.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)].map(
    (m) => [m[1], m[2], m[3]!.includes('<failure')],
  );
  assert.deepEqual(cases, [
    ['barrage.junit-x.y.all', 'p(95)&lt;10s', false],
    ['barrage.junit-x.y.all', 'rate(ok)&lt;0.5', true],
    ['barrage.junit-x.y.health', 'count(200)==20 [health]', false],
    ['barrage.junit-x.y', 'run', false],
  ]);
  assert.match(x, /<failure type="threshold" message="rate\(ok\)&lt;0.5 failed: measured 100.0%">/);
  // Balanced: every opened element is closed.
  for (const tag of ['testsuites', 'testsuite', 'properties'])
    assert.equal(
      (x.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length,
      (x.match(new RegExp(`</${tag}>`, 'g')) ?? []).length,
      tag,
    );
});
