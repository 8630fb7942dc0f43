// Multi-worker agents (`agent --workers N`, here through `start --agent-workers`)
// with real processes: each agent's worker threads fire its share between
// them, the controller still sees one agent and one report per interval, and
// every count equals what the target itself saw — open and closed models, and
// the exact "first 429 after" count, which needs every worker's completions.
// How much of a dead worker's load can go unreported is a timing claim: it is
// proven on fake time (packages/agent/test/agent-run.test.ts).

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli, startTarget } from '../helpers/processes.ts';

async function run(
  t: { after: (fn: () => Promise<unknown>) => void },
  scenario: string,
  agents: number,
  workers: number,
) {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-workers-'));
  let file = scenario;
  if (scenario.includes('\n')) {
    file = join(dir, 's.yaml');
    writeFileSync(file, scenario);
  }
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    file,
    '--target',
    target.url,
    '--local-agents',
    String(agents),
    '--agent-workers',
    String(workers),
    '--out',
    join(dir, 'out.json'),
    '--db',
    join(dir, 'db'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  return { s: JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary, seen: await target.stats(), r };
}

test('open model on 2 agents x 2 workers: exactly rate x duration, all seen by the target, one report stream per agent', async (t) => {
  const { s, seen } = await run(
    t,
    `
name: open-workers
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }, { name: ready, path: /ready, weight: 3 }]
scenarios: [{ name: fixed, executor: constant-arrival-rate, rate: 200, duration: 4s, maxInFlight: 300 }]
`,
    2,
    2,
  );
  assert.equal(s.totals.requests, 800);
  assert.equal(seen.total, 800);
  assert.equal(s.totals.dropped, 0);
  assert.equal(s.requests.health!.requests, seen.routes['GET /health']!['200']);
  assert.equal(s.requests.ready!.requests, seen.routes['GET /ready']!['200']);
  assert.equal(s.run.agents.length, 2, 'the controller sees agents, not threads');
  assert.deepEqual(
    s.run.agents.map((a) => a.requests),
    [400, 400],
  );
  assert.ok(s.totals.serviceTimeMs !== undefined);
  assert.equal(s.run.status, 'passed');
});

test('closed models on 1 agent x 3 workers: iteration budgets are exact, ramps run, totals equal the target', async (t) => {
  const { s, seen } = await run(
    t,
    `
name: closed-workers
baseUrl: http://127.0.0.1:1
requests: [{ name: a, path: /health }, { name: b, path: /ready }, { name: c, path: /live }]
scenarios:
  - { name: shared, executor: shared-iterations, vus: 5, iterations: 37, requests: [a] }
  - { name: per-vu, executor: per-vu-iterations, vus: 4, iterations: 7, requests: [b] }
  - { name: ramp, executor: ramping-vus, startVUs: 1, stages: [{ duration: 1s, target: 5 }, { duration: 1s, target: 0 }], thinkTime: 20ms, requests: [c] }
`,
    1,
    3,
  );
  assert.equal(s.requests.a!.requests, 37);
  assert.equal(seen.routes['GET /health']!['200'], 37);
  assert.equal(s.requests.b!.requests, 28, '4 VUs x 7 iterations, spread over 3 workers');
  assert.equal(seen.routes['GET /ready']!['200'], 28);
  assert.ok(s.requests.c!.requests > 0);
  assert.equal(seen.routes['GET /live']!['200'], s.requests.c!.requests);
  assert.equal(s.totals.requests, seen.total);
  assert.equal(s.run.agents.length, 1);
  assert.equal(s.run.status, 'passed');
});

test('ratelimit-150 on 1 agent x 3 workers: the 200/429 split and "first 429 after" equal the target\'s', async (t) => {
  const { s, seen, r } = await run(t, 'ratelimit-150', 1, 3);
  const sessions = seen.routes['GET /api/sessions/']!;
  assert.equal(s.totals.requests, 150);
  assert.deepEqual(s.totals.status, sessions);
  assert.equal(s.totals.rateLimited, 51);
  assert.equal(s.totals.retryAfterPresent, 51);
  assert.equal(s.totals.firstRateLimitedAfter, 99, 'the completions before the first 429, summed over the workers');
  assert.equal(s.requests.sessions!.firstRateLimitedAfter, 99);
  assert.match(r.stdout, /first 429 after 99 request\(s\)/);
});

test('a worker thread that dies mid-run: the others go on, the run is degraded and says why, nothing is counted that the target did not see', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-workers-'));
  writeFileSync(
    join(dir, 's.yaml'),
    `
name: worker-dies
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
scenarios: [{ name: fixed, executor: constant-arrival-rate, rate: 100, duration: 4s, maxInFlight: 50 }]
`,
  );
  const r = await runCli(
    bins.controller,
    [
      'start',
      '--scenario',
      join(dir, 's.yaml'),
      '--target',
      target.url,
      '--local-agents',
      '1',
      '--agent-workers',
      '2',
      '--out',
      join(dir, 'out.json'),
      '--db',
      join(dir, 'db'),
    ],
    {
      env: { BARRAGE_FAULT_WORKER_EXIT_MS: '1500' },
    },
  );
  assert.equal(r.code, 1, r.stderr);
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  const seen = await target.stats();
  assert.equal(s.run.status, 'degraded');
  assert.ok(
    s.run.notes.some((n) => /agent local-1: AGENT_WORKER_FAILED: worker thread 1 died/.test(n)),
    s.run.notes.join('\n'),
  );
  // Worker 0 fired all of its 200 arrivals; worker 1 stopped 1.5 s into its 2 x 2 s.
  assert.ok(s.totals.requests >= 200 && s.totals.requests < 400, `${s.totals.requests} requests`);
  assert.ok(s.totals.requests <= seen.total, 'nothing counted that the target did not see');
  assert.equal(s.run.agents.length, 1);
  assert.equal(s.run.agents[0]!.workers, 2);
});
