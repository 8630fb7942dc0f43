// An agent stopped by SIGTERM mid-run (as `docker stop` or Kubernetes would):
// it stops firing, tells the controller why, flushes its final report and
// leaves with exit 0 once that is acknowledged. Nothing it fired is lost: the
// run's totals still equal the target's, and the run says it is short.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { startTarget } from '../helpers/processes.ts';
import { serveWithAgents } from '../helpers/serve-cluster.ts';

const TOKEN = 'sigterm-test-token';

test('SIGTERM to an agent mid-run: final report flushed, exit 0, totals equal the target, run degraded with the reason', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const { origin: api, agents } = await serveWithAgents(t, { token: TOKEN, agents: ['term-1', 'term-2'] });
  const poll = async <T>(f: () => Promise<T | undefined>): Promise<T> => {
    for (;;) {
      const v = await f();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await poll(async () => ((await (await fetch(`${api}/api/v1/agents`)).json()) as unknown[]).length === 2 || undefined);
  const scenario = {
    name: 'sigterm',
    baseUrl: target.url,
    requests: [{ name: 'health', path: '/health' }],
    scenarios: [{ name: 'open', executor: 'constant-arrival-rate', rate: 40, duration: '6s', maxInFlight: 20 }],
  };
  const res = await fetch(`${api}/api/v1/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ scenario }),
  });
  assert.equal(res.status, 202);
  const { id } = (await res.json()) as { id: string };
  // Two intervals in, while the run goes.
  await poll(async () => {
    const run = (await (await fetch(`${api}/api/v1/runs/${id}/timeseries`)).json()) as { intervals: unknown[] };
    return run.intervals.length >= 2 || undefined;
  });
  const exited = once(agents[0]!, 'exit');
  agents[0]!.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0, 'it left cleanly, its final report acknowledged');
  const summary = await poll(async () => {
    const r = await fetch(`${api}/api/v1/runs/${id}/summary`);
    return r.status === 200 ? ((await r.json()) as Summary) : undefined;
  });
  const seen = await target.stats();
  assert.equal(summary.totals.requests, seen.total, 'every request the stopped agent fired was reported');
  assert.equal(summary.run.status, 'degraded');
  assert.ok(
    summary.run.notes.some((n) => /agent term-1: AGENT_STOPPED: agent stopped by SIGTERM/.test(n)),
    summary.run.notes.join('\n'),
  );
  const stopped = summary.run.agents.find((a) => a.name === 'term-1')!;
  const other = summary.run.agents.find((a) => a.name === 'term-2')!;
  assert.equal(other.requests, 120, 'the other agent fired its whole share');
  assert.ok(stopped.requests > 0 && stopped.requests < 120, `the stopped agent fired ${stopped.requests} of 120`);
  assert.equal(stopped.lost, undefined, 'a clean stop is not a loss');
});
