// deploy/compose/compose.yaml brought up for real with Debian's docker-compose, by the very
// `up` command docs/deploy.md tells users to run (`--scale agent=3`): the controller serves,
// three agent replicas dial it with the agent token, and ratelimit-150 submitted through the
// controller's container (as the docs show), on all three agents and then on one, is
// reconciled with the sample target's own counters. An agent with a wrong token is refused,
// and so is an API call without the API token. Torn down with `down -v` whatever happens.
//
// Needs a Docker engine, the offline base image and docker-compose (test/helpers/docker.ts);
// without them the test is skipped and says why, and under REQUIRE_DOCKER=1 (.ci/run) fails.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Summary } from '@barrage/controller';
import { buildImage, dockerUnavailable, repoRoot } from '../helpers/docker.ts';

const reason = await dockerUnavailable({ compose: true });
const IMAGE = 'barrage:compose-test';
const COMPOSE_FILE = 'deploy/compose/compose.yaml';

interface Done {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs docker-compose from the repository's root to completion (killed past `timeout`). */
function compose(args: string[], env: NodeJS.ProcessEnv, timeout = 120_000): Promise<Done> {
  return new Promise((resolve) => {
    execFile('docker-compose', args, { cwd: repoRoot, env, timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr: err !== null && code === -1 ? `${stderr}\n${err.message}` : stderr });
    });
  });
}

/** The `docker compose … up …` line of docs/deploy.md's Docker Compose section, as argv. */
function documentedUp(): string[] {
  const doc = readFileSync(join(repoRoot, 'docs/deploy.md'), 'utf8');
  const section = doc.slice(doc.indexOf('\n## Docker Compose'));
  const line = section
    .slice(0, section.indexOf('\n## ', 1))
    .split('\n')
    .find((l) => /^docker[ -]compose .* up /.test(l));
  assert.ok(line, 'docs/deploy.md shows the docker compose up command');
  return line
    .replace(/^docker[ -]compose /, '')
    .trim()
    .split(/\s+/);
}

test('compose: deploy/compose up --scale agent=3 as documented; ratelimit-150 reconciles with the target', {
  skip: reason,
  timeout: 300_000,
}, async (t) => {
  const timings: string[] = [];
  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings.push(`${what} ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    }
  };
  const up = documentedUp();
  assert.deepEqual(up.slice(up.indexOf('-f'), up.indexOf('-f') + 2), ['-f', COMPOSE_FILE]);
  assert.deepEqual(up.slice(up.indexOf('--scale'), up.indexOf('--scale') + 2), ['--scale', 'agent=3']);
  // The user's project name (-p barrage) becomes this run's own, so a real deployment on
  // this host is left alone.
  const project = `barrage-test-${process.pid}`;
  const p = up.indexOf('-p');
  assert.ok(p >= 0, 'the documented command names its project with -p');
  up[p + 1] = project;
  const pf = ['-p', project, '-f', COMPOSE_FILE];

  const apiToken = randomBytes(24).toString('hex');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BARRAGE_TOKEN: randomBytes(24).toString('hex'),
    BARRAGE_API_TOKEN: apiToken,
    BARRAGE_IMAGE: IMAGE,
    // "127.0.0.1::7400": a free port on the host's loopback, not 7400 (which may be in use).
    BARRAGE_PUBLISH: '127.0.0.1:',
  };
  await timed('image build', () => buildImage(IMAGE));

  t.after(async () => {
    const down = await compose([...pf, 'down', '-v', '--remove-orphans', '--timeout', '10'], env);
    assert.equal(down.code, 0, `down -v: ${down.stderr}`);
  });
  const logsOnFailure = async (what: string, r: Done): Promise<string> => {
    const logs = await compose([...pf, 'logs', '--no-color', '--tail', '40'], env);
    return `${what} exited ${r.code}\n${r.stdout}\n${r.stderr}\n--- compose logs ---\n${logs.stdout}`;
  };

  const started = await timed('up', () => compose(up, env, 180_000));
  if (started.code !== 0) assert.fail(await logsOnFailure('up', started));

  const port = await compose([...pf, 'port', 'controller', '7400'], env);
  assert.equal(port.code, 0, port.stderr);
  const api = `http://${port.stdout.trim()}`;
  assert.match(api, /^http:\/\/127\.0\.0\.1:\d+$/, 'published on the host loopback only');

  // The three replicas dial in once the controller's health check passes; /api/v1/health
  // counts them. Polled until they are all in (bounded), never a fixed wait.
  const agentsIn = await timed('agents connected', async () => {
    let seen = -1;
    for (let i = 0; i < 300 && seen !== 3; i++) {
      if (i > 0) await delay(200);
      const h = (await (await fetch(`${api}/api/v1/health`)).json()) as { agents: number };
      seen = h.agents;
    }
    return seen;
  });
  if (agentsIn !== 3) assert.fail(await logsOnFailure(`${agentsIn} agents after 60s`, started));

  await t.test('no unauthenticated control path', async () => {
    // The API refuses a run without the API token.
    const anon = await fetch(`${api}/api/v1/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenario: 'ratelimit-150', target: 'http://sample-target:8080' }),
    });
    assert.equal(anon.status, 401);
    await anon.body?.cancel();
    // An agent replica with the wrong agent token is refused at the upgrade and exits 1.
    const rogue = await compose(
      [...pf, 'run', '--rm', '--no-deps', '-T', '-e', 'BARRAGE_TOKEN=not-the-token', 'agent'],
      env,
      60_000,
    );
    if (rogue.code !== 1) assert.fail(await logsOnFailure('an agent with a wrong token', rogue));
    const h = (await (await fetch(`${api}/api/v1/health`)).json()) as { agents: number };
    assert.equal(h.agents, 3, 'still only the three agents with the token');
  });

  type Stats = { total: number; routes: Record<string, Record<string, number>> };
  /** The sample target's own counters, read inside its container (its port is not published). */
  const targetStats = async (): Promise<Stats> => {
    const read = "fetch('http://127.0.0.1:8080/__stats').then((r) => r.text()).then((b) => process.stdout.write(b))";
    const r = await compose([...pf, 'exec', '-T', 'sample-target', 'node', '-e', read], env);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Stats;
  };
  /** ratelimit-150 on `agents` agents, submitted from the controller's container as the docs show. */
  const ratelimit150 = async (agents: number): Promise<{ run: Done; s: Summary }> => {
    const out = `/tmp/ratelimit-150-${agents}.json`;
    const start = ['controller', 'start', '--controller', 'http://127.0.0.1:7400', '--agents', String(agents)];
    const scenario = ['--scenario', 'ratelimit-150', '--target', 'http://sample-target:8080', '--out', out];
    const run = await timed(`ratelimit-150 on ${agents}`, () =>
      compose([...pf, 'exec', '-T', 'controller', 'barrage', ...start, ...scenario], env),
    );
    const cat = await compose([...pf, 'exec', '-T', 'controller', 'cat', out], env);
    if (cat.code !== 0) assert.fail(await logsOnFailure('controller start (no summary written)', run));
    return { run, s: JSON.parse(cat.stdout) as Summary };
  };
  const firstRun = new Map<string, number>();

  await t.test('ratelimit-150 on the 3 replicas: every count equals the target', async () => {
    const { run, s } = await ratelimit150(3);
    const seen = await targetStats();
    // Three agents, each its own client IP under the target's default 100/min limit: none
    // is limited, so the scenario's own threshold count(429)>=1 fails (exit 99, `failed`).
    assert.equal(run.code, 99, `exit ${run.code}:\n${run.stdout}\n${run.stderr}`);
    assert.equal(s.run.status, 'failed');
    const ids = await compose([...pf, 'ps', '-q', 'agent'], env);
    const hostnames = ids.stdout
      .trim()
      .split('\n')
      .map((id) => id.slice(0, 12))
      .sort();
    assert.equal(hostnames.length, 3, 'three agent replicas');
    assert.deepEqual(s.run.agents.map((a) => a.name).sort(), hostnames, 'each agent named by its container');
    // 10 VUs split 4/3/3, the 150 iterations by VUs 60/45/45.
    assert.deepEqual(
      s.run.agents.map((a) => a.requests).sort((a, b) => a - b),
      [45, 45, 60],
    );
    for (const a of s.run.agents) firstRun.set(a.name, a.requests);
    assert.deepEqual(seen.routes['GET /api/sessions/'], { 200: 150 });
    assert.deepEqual(seen.routes['POST /api/auth/login'], { 200: 1 }, 'the setup login, run by the controller');
    assert.equal(seen.total, 151);
    assert.deepEqual(s.totals.status, seen.routes['GET /api/sessions/']);
    assert.equal(s.totals.requests, 150);
    assert.equal(s.totals.ok, 150);
    assert.equal(s.totals.failed, 0);
    t.diagnostic(
      `ratelimit-150 on 3: exit ${run.code} (${s.run.status}); summary ${JSON.stringify(s.totals.status)} = target ${JSON.stringify(seen.routes)}; ` +
        `agents ${s.run.agents.map((a) => `${a.name} ${a.requests}`).join(', ')}`,
    );
  });

  await t.test(
    'ratelimit-150 on one agent (as docs/deploy.md says): the limiter trips, counts equal the target',
    async () => {
      assert.equal(firstRun.size, 3, 'the 3-agent run came first');
      const before = await targetStats();
      const { run, s } = await ratelimit150(1);
      const after = await targetStats();
      assert.equal(run.code, 0, `exit ${run.code}:\n${run.stdout}\n${run.stderr}`);
      assert.equal(s.run.status, 'passed');
      assert.equal(s.run.agents.length, 1);
      const delta: Record<string, number> = {};
      for (const [code, n] of Object.entries(after.routes['GET /api/sessions/'] ?? {}))
        delta[code] = n - (before.routes['GET /api/sessions/']?.[code] ?? 0);
      assert.deepEqual(s.totals.status, delta, "this run's statuses = what the target answered in it");
      assert.equal(after.total - before.total, 151, '150 + the setup login');
      // One client IP, 100 a minute: at least the 50 past the limit are 429, with Retry-After.
      assert.equal((delta['200'] ?? 0) + (delta['429'] ?? 0), 150);
      assert.ok((delta['429'] ?? 0) >= 50, JSON.stringify(delta));
      assert.equal(s.totals.retryAfterPresent, delta['429']);
      t.diagnostic(
        `ratelimit-150 on 1 (${s.run.agents[0]?.name}, ${firstRun.get(s.run.agents[0]?.name ?? '')} requests in the first run): ` +
          `exit ${run.code} (${s.run.status}); summary ${JSON.stringify(s.totals.status)} = target delta ${JSON.stringify(delta)}`,
      );
    },
  );
  t.diagnostic(`timings: ${timings.join(', ')}`);
});
