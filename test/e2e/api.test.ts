// The REST API end to end: `controller serve` as a process, agent processes
// that stay connected, runs submitted with POST /api/v1/runs, everything read
// back through the API (summary, timeseries, agents, histogram, reports,
// OpenAPI, /metrics), coded errors; then the controller killed mid-run and
// started again on the same store: the run is `interrupted`, its data kept.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli, startTarget } from '../helpers/processes.ts';
import { serveWithAgents, startAgents, startServe, stopProcess, untilAgents } from '../helpers/serve-cluster.ts';

const TOKEN = 'api-test-token';

/** Polls `f` until it returns a value (an HTTP check, not a timing guess), up to `ms`. */
async function until<T>(f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const json = async (url: string, init?: RequestInit) => {
  const r = await fetch(url, init);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};
// Changes take the API token, on loopback too (by default it is the agents' token).
const post = (url: string, body: unknown, token: string | null = TOKEN) =>
  json(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });

test('runs through the API: submit, read back every view, coded errors', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const { api, serve } = await serveWithAgents(t, { token: TOKEN, agents: ['api-1', 'api-2'] });

  const anonymous = await post(`${api}/runs`, { scenario: 'ratelimit-150', target: target.url }, null);
  assert.deepEqual(
    [anonymous.status, anonymous.body.code],
    [401, 'CTRL_UNAUTHORIZED'],
    'no change without the API token',
  );
  const created = await post(`${api}/runs`, { scenario: 'ratelimit-150', target: target.url });
  assert.equal(created.status, 202, JSON.stringify(created.body));
  const id = created.body.id as string;
  assert.equal(created.body.status, 'running');
  assert.equal(created.body.url, `${api}/runs/${id}`);
  const busy = await post(`${api}/runs`, { scenario: 'health-100', target: target.url });
  assert.deepEqual([busy.status, busy.body.code], [409, 'CTRL_BUSY']);
  await serve.waitForStderr(new RegExp(`run ${id} ended: passed`));

  const s = (await json(`${api}/runs/${id}/summary`)).body as unknown as Summary;
  const seen = await target.stats();
  assert.equal(s.totals.requests, 150);
  assert.equal(s.totals.requests + 1, seen.total);
  assert.equal(s.totals.firstRateLimitedAfter, 99);
  assert.equal((await json(`${api}/runs/${id}`)).body.status, 'passed');
  assert.deepEqual(
    ((await json(`${api}/runs`)).body as unknown as Array<{ id: string }>).map((r) => r.id),
    [id],
  );
  const agentsView = (await json(`${api}/runs/${id}/agents`)).body as unknown as Array<{ requests: number }>;
  assert.equal(
    agentsView.reduce((n, x) => n + x.requests, 0),
    150,
  );
  const ts = (await json(`${api}/runs/${id}/timeseries`)).body as { intervals: Array<{ requests: number }> };
  assert.equal(
    ts.intervals.reduce((n, x) => n + x.requests, 0),
    150,
    'intervals add up to the total',
  );
  const hist = (await json(`${api}/runs/${id}/histogram?name=sessions`)).body as {
    count: number;
    histogram: string;
    percentiles: Array<{ percentile: number; ms: number }>;
  };
  assert.equal(hist.count, 150);
  assert.match(hist.histogram, /^HISTF/);
  assert.equal(
    hist.percentiles.find((p) => p.percentile === 95)!.ms,
    s.requests.sessions!.latencyMs.p95,
    "the histogram gives the summary's p95",
  );
  const md = await (await fetch(`${api}/runs/${id}/report.md`)).text();
  assert.match(md, /^# Performance Report: ratelimit-150/);
  assert.match(md, /\| Total Requests \| 150 \|/);
  assert.match(md, /Rate limit triggered after 99 requests/);
  assert.match(
    await (await fetch(`${api}/runs/${id}/junit.xml`)).text(),
    /<testsuites name="barrage" tests="4" failures="0" errors="0"/,
  );
  assert.deepEqual((await json(`${api}/runs/${id}/report.json`)).body, s as unknown as Record<string, unknown>);
  assert.match(await (await fetch(`${api}/runs/${id}/report.html`)).text(), /^<!doctype html>/);

  const openapi = (await json(`${api}/openapi.json`)).body as { openapi: string; paths: Record<string, unknown> };
  assert.match(openapi.openapi, /^3\./);
  for (const p of [
    '/api/v1/runs',
    '/api/v1/runs/{id}',
    '/api/v1/runs/{id}/stop',
    '/api/v1/runs/{id}/summary',
    '/api/v1/runs/{id}/timeseries',
    '/api/v1/runs/{id}/agents',
    '/api/v1/runs/{id}/histogram',
    '/api/v1/runs/{id}/report.md',
    '/api/v1/runs/{id}/junit.xml',
    '/api/v1/agents',
    '/api/v1/health',
  ]) {
    assert.ok(openapi.paths[p], `OpenAPI documents ${p}`);
  }
  const metrics = await (await fetch(api.replace('/api/v1', '/metrics'))).text();
  assert.match(metrics, /^barrage_agents_connected 2$/m);
  assert.match(metrics, /^barrage_runs_stored 1$/m);

  // Coded errors with the right status.
  assert.deepEqual(Object.values(pick((await json(`${api}/runs/nope/summary`)).body)), [404, 'CTRL_RUN_NOT_FOUND']);
  assert.deepEqual(Object.values(pick((await post(`${api}/runs`, { scenario: 'ratelimit-150', bogus: 1 })).body)), [
    400,
    'CTRL_BAD_REQUEST',
  ]);
  assert.deepEqual(
    Object.values(pick((await post(`${api}/runs`, { scenario: { name: 'x', requests: [], scenarios: [] } })).body)),
    [400, 'SCENARIO_INVALID'],
  );
  assert.deepEqual(Object.values(pick((await post(`${api}/runs/${id}/stop`, {})).body)), [409, 'CTRL_RUN_NOT_RUNNING']);
  assert.deepEqual(Object.values(pick((await json(`${api}/nothing-here`)).body)), [404, 'CTRL_NOT_FOUND']);

  // `controller start --controller URL` submits to this controller and prints/writes what it returns.
  const dir = mkdtempSync(join(tmpdir(), 'barrage-api-'));
  const remote = await runCli(
    bins.controller,
    [
      'start',
      '--controller',
      api.replace('/api/v1', ''),
      '--scenario',
      'health-100',
      '--target',
      target.url,
      '--report',
      join(dir, 'r.md'),
      '--out',
      join(dir, 's.json'),
    ],
    { env: { BARRAGE_TOKEN: TOKEN } },
  );
  // health-100's latency targets judge this machine's speed, which a test must not: the exit
  // code must match the verdict, and only a speed threshold may fail on a busy machine.
  const rs = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')) as Summary;
  assert.ok(
    rs.thresholds.filter((x) => !x.ok).every((x) => /^(avg|med|min|max|p\(\d+(\.\d+)?\)|rps)\b/.test(x.expr)),
    JSON.stringify(rs.thresholds),
  );
  assert.equal(remote.code, rs.run.status === 'passed' ? 0 : 99, remote.stderr);
  assert.match(remote.stdout, new RegExp(`barrage · health-100 · ${rs.run.status} · 2 agent\\(s\\)`));
  const rid = /run (\S+): /.exec(remote.stderr)![1]!;
  assert.deepEqual(rs, (await json(`${api}/runs/${rid}/summary`)).body);
  assert.match(readFileSync(join(dir, 'r.md'), 'utf8'), /^# Performance Report: health-100/);
});

function pick(b: Record<string, unknown>) {
  return { statusCode: b.statusCode, code: b.code };
}

test('a controller killed mid-run: on restart the run is interrupted, its intervals kept, and it still reports', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const db = join(mkdtempSync(join(tmpdir(), 'barrage-api-')), 'runs.db');
  const first = await startServe(TOKEN, db);
  t.after(() => first.serve.kill());
  const a = startAgents(first.ws, TOKEN, ['api-1']);
  t.after(() => Promise.all(a.map(stopProcess)));
  await untilAgents(first.api, 1);
  const yaml =
    'name: long\nrequests: [{ name: health, path: /health }]\nscenarios: [{ name: s, executor: constant-arrival-rate, rate: 20, duration: 60s }]\n';
  const { body } = await post(`${first.api}/runs`, { scenario: yaml, target: target.url });
  const id = body.id as string;
  // Once two intervals are stored, the controller dies without a word.
  await until(
    async () =>
      ((await json(`${first.api}/runs/${id}/timeseries`)).body.intervals as unknown[]).length >= 2 || undefined,
  );
  first.serve.child.kill('SIGKILL');
  await first.serve.exited;

  const second = await startServe(TOKEN, db);
  t.after(() => second.serve.kill());
  await second.serve.waitForStderr(/1 run\(s\) left going by a stopped controller marked interrupted/);
  const run = (await json(`${second.api}/runs/${id}`)).body;
  assert.equal(run.status, 'interrupted');
  const ts = (await json(`${second.api}/runs/${id}/timeseries`)).body as {
    intervals: Array<{ requests: number; p95Ms: number }>;
  };
  assert.ok(
    ts.intervals.length >= 2 && ts.intervals.every((i) => i.requests > 0 && i.p95Ms > 0),
    JSON.stringify(ts.intervals),
  );
  // Its summary is the partial one: why it stopped, and the counts of the intervals it kept.
  const partial = await json(`${second.api}/runs/${id}/summary`);
  assert.equal(partial.status, 200);
  const summary = partial.body as { run: { status: string; error: string }; totals: { requests: number } };
  assert.equal(summary.run.status, 'interrupted');
  assert.match(summary.run.error, /controller stopped/);
  assert.equal(
    summary.totals.requests,
    ts.intervals.reduce((n, i) => n + i.requests, 0),
  );
});
