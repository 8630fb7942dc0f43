// The live events stream end to end: `controller serve` as a process, two
// agent processes, the sample target rate-limiting one route. A stream opened
// as the run is submitted gets the start, each interval as soon as every agent
// has reported it (while the run still goes), monitor samples, threshold
// results and the end; the intervals add up exactly — to the summary, to the
// target's own count, per status and per agent. A stream opened after the end
// replays the same from the store.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { startTarget } from '../helpers/processes.ts';
import { serveWithAgents } from '../helpers/serve-cluster.ts';
import { drain, openSse, type SseEvent } from '../helpers/sse.ts';

const TOKEN = 'events-e2e-token';

interface Interval {
  interval: number;
  requests: number;
  ok: number;
  rateLimited: number;
  failed: number;
  dropped: number;
  p95Ms: number | null;
  status: Record<string, number>;
  errors: Record<string, number>;
  agents: Record<string, number>;
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((n, x) => n + x, 0);
const json = async <T>(url: string) => (await (await fetch(url)).json()) as T;

// Half the load at the target's rate-limited login (30 a minute per address): 200s, then 429s.
const SCENARIO = `
name: live-events
requests:
  - { name: health, path: /health }
  - { name: login, method: POST, path: /api/auth/login, json: { username: demo, password: demo }, expect: [200] }
monitors: [{ name: rss, path: /metrics, prometheus: process_resident_memory_bytes, interval: 1s }]
# max(rss) with abortOnFail is judged live on the monitor (it once crashed the controller).
thresholds: ['count(429)>=1', 'p(95)<5s', 'rate(failed)==0', { expr: 'max(rss)<4GB', abortOnFail: true }]
scenarios: [{ name: open, executor: constant-arrival-rate, rate: 20, duration: 5s }]
`;

test('events stream: intervals live and in order, exact per status and agent, then the end; replayed after it', {
  timeout: 90_000,
}, async (t) => {
  const target = await startTarget(['--api-limit', '30']);
  t.after(() => target.stop());
  const { api } = await serveWithAgents(t, { token: TOKEN, agents: ['ev-1', 'ev-2'] });

  const created = await fetch(`${api}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ scenario: SCENARIO, target: target.url }),
  });
  assert.equal(created.status, 202);
  const { id } = (await created.json()) as { id: string };

  // Live: everything until `end`; on the first interval, the run must still be going.
  const live = await openSse(`${api}/runs/${id}/events`);
  assert.equal(live.status, 200);
  const events: SseEvent[] = [];
  let statusAtFirstInterval: string | undefined;
  for (let e = await live.next(); e !== undefined; e = await live.next()) {
    events.push(e);
    if (e.event === 'interval' && statusAtFirstInterval === undefined)
      statusAtFirstInterval = (await json<{ status: string }>(`${api}/runs/${id}`)).status;
  }
  assert.equal(statusAtFirstInterval, 'running', 'the first interval came while the run was going');
  const kinds = events.map((e) => e.event);
  assert.equal(kinds[0], 'start');
  assert.deepEqual(kinds.slice(-2), ['thresholds', 'end']);
  assert.ok(
    events.some((e) => e.event === 'thresholds' && !(e.data as { final: boolean }).final),
    'thresholds judged live while the run went',
  );
  assert.ok(kinds.filter((k) => k === 'interval').length >= 5, kinds.join());

  const intervals = events.filter((e) => e.event === 'interval').map((e) => e.data as Interval);
  const ids = events.filter((e) => e.event === 'interval').map((e) => Number(e.id));
  assert.deepEqual(
    ids,
    intervals.map((i) => i.interval),
    "an interval's id is its number",
  );
  assert.ok(
    ids.every((k, i) => i === 0 || k > ids[i - 1]!),
    `in order, each once: ${ids.join()}`,
  );

  const summary = await json<Summary>(`${api}/runs/${id}/summary`);
  const seen = await target.stats();
  const total = intervals.reduce((n, i) => n + i.requests, 0);
  assert.equal(total, summary.totals.requests, 'the streamed intervals add up to the summary');
  assert.equal(total, seen.total, 'and to what the target itself answered');
  assert.ok(summary.totals.rateLimited > 0 && summary.totals.ok > 0, JSON.stringify(summary.totals.status));
  for (const i of intervals) {
    assert.equal(sum(i.agents), i.requests, `interval ${i.interval}: agents add up`);
    assert.equal(sum(i.status) + sum(i.errors), i.requests, `interval ${i.interval}: status + errors add up`);
    assert.equal(sum(i.errors), 0, 'the sample target answers everything');
    assert.equal(i.ok + i.rateLimited + i.failed, i.requests);
    assert.equal(i.rateLimited, i.status['429'] ?? 0);
    // Both agents, but an interval at the very end may hold one agent's final report only.
    assert.ok(
      Object.keys(i.agents).length > 0 && Object.keys(i.agents).every((n) => n === 'ev-1' || n === 'ev-2'),
      JSON.stringify(i.agents),
    );
  }
  const statusTotals: Record<string, number> = {};
  for (const i of intervals)
    for (const [code, n] of Object.entries(i.status)) statusTotals[code] = (statusTotals[code] ?? 0) + n;
  assert.deepEqual(statusTotals, summary.totals.status, 'per status, the intervals add up to the summary');
  for (const a of summary.run.agents) {
    assert.equal(
      intervals.reduce((n, i) => n + (i.agents[a.name] ?? 0), 0),
      a.requests,
      `agent ${a.name}: the intervals add up to its total`,
    );
  }

  const end = events.at(-1)!;
  assert.deepEqual(end.data, { status: summary.run.status });
  assert.deepEqual(events.at(-2)!.data, { final: true, results: JSON.parse(JSON.stringify(summary.thresholds)) });
  assert.equal(summary.run.status, 'passed');

  const ts = await json<{
    intervalMs: number;
    plannedStartAt: string;
    intervals: Interval[];
    monitors: Record<string, Array<{ t: number; value: number }>>;
  }>(`${api}/runs/${id}/timeseries`);
  assert.deepEqual(events[0]!.data, {
    id,
    scenario: 'live-events',
    plannedStartAt: ts.plannedStartAt,
    intervalMs: ts.intervalMs,
  });
  assert.deepEqual(ts.intervals, intervals, '/timeseries holds what was streamed');
  const monitors = events
    .filter((e) => e.event === 'monitor')
    .map((e) => e.data as { name: string; t: number; value: number });
  assert.deepEqual(
    monitors.map(({ t: at, value }) => ({ t: at, value })),
    ts.monitors.rss,
  );

  // After the end: the same from the store, then end, and the stream closes.
  const replay = await drain(await openSse(`${api}/runs/${id}/events`));
  const core = (list: SseEvent[]) =>
    list.filter((e) => e.event !== 'monitor' && !(e.event === 'thresholds' && e.id !== 'thresholds:final'));
  assert.deepEqual(core(replay), core(events), 'start, intervals, final thresholds, end: as streamed live');
  assert.deepEqual(
    replay.filter((e) => e.event === 'monitor').map((e) => e.data),
    monitors,
  );
});
