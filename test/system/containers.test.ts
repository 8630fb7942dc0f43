// The cluster in containers: the image built from deploy/docker/Dockerfile runs the sample
// target, a long-lived `controller serve` and three agents on one Docker network, the agents
// dialling the controller by its network alias. Two built-ins are submitted to it
// (`controller start --controller ... --agents 3`, run inside the controller's container) and
// every figure of each summary is reconciled with the target's own /__stats counters.
//
// Needs a Docker engine and a local Node 24 base image (deploy/docker/make-base-image.sh;
// no image registry is reachable here, so node:24-slim cannot be pulled). Without them the
// test is skipped and says why; REQUIRE_DOCKER=1 makes that a failure (.ci/run provides both).
// Readiness is waited for on log lines the processes print, never by sleeping.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { buildImage, dockerUnavailable } from '../helpers/docker.ts';

const { GenericContainer, Network, Wait } = await import('testcontainers');
type Started = Awaited<ReturnType<InstanceType<typeof GenericContainer>['start']>>;

const IMAGE = 'barrage:containers-test';
const AGENTS = ['agent-1', 'agent-2', 'agent-3'];
const TARGET_PORT = 8080;
const CONTROLLER_PORT = 7400;

const reason = await dockerUnavailable();

interface TargetStats {
  total: number;
  routes: Record<string, Record<string, number>>;
}

const ROUTE: Record<string, string> = {
  health: 'GET /health',
  ready: 'GET /ready',
  live: 'GET /live',
  sessions: 'GET /api/sessions/',
};

test('cluster in containers: ratelimit-150 and stress-100 reconcile with the target', {
  skip: reason,
  timeout: 600_000,
}, async (t) => {
  const token = randomBytes(16).toString('hex');
  const timings: string[] = [];
  const timed = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings.push(`${what} ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    }
  };

  await timed('image build', () => buildImage(IMAGE));
  // A fresh definition per container: GenericContainer's with* methods change the instance.
  const image = () => new GenericContainer(IMAGE).withNetwork(network);

  const network = await new Network().start();
  const started: Started[] = [];
  t.after(async () => {
    // docker stop: SIGTERM first; every binary handles it (the agents leave, the controller closes its store).
    await Promise.allSettled(started.reverse().map((c) => c.stop({ timeout: 10_000 })));
    await network.stop();
  });
  const start = async (c: InstanceType<typeof GenericContainer>): Promise<Started> => {
    const s = await c.start();
    started.push(s);
    return s;
  };

  // One target per scenario, so each one's counters and rate-limit windows start from zero.
  // 30 requests a minute per client IP on /api/*: each agent container is its own client.
  const target = (alias: string) =>
    image()
      .withNetworkAliases(alias)
      .withCommand([
        'sample-target',
        '--host',
        '0.0.0.0',
        '--port',
        String(TARGET_PORT),
        '--api-limit',
        '30',
        '--api-window',
        '1m',
      ])
      .withExposedPorts(TARGET_PORT)
      .withWaitStrategy(Wait.forLogMessage(/sample-target listening on/))
      .withStartupTimeout(60_000);
  const [targetRl, targetStress, controller] = await timed('target + controller start', () =>
    Promise.all([
      start(target('target-ratelimit')),
      start(target('target-stress')),
      start(
        image()
          .withNetworkAliases('controller')
          .withEnvironment({ BARRAGE_TOKEN: token })
          .withCommand(['controller', 'serve', '--host', '0.0.0.0', '--port', String(CONTROLLER_PORT)])
          .withWaitStrategy(Wait.forLogMessage(/controller serving: API/))
          .withStartupTimeout(60_000),
      ),
    ]),
  );
  const agents = await timed('agents connected', () =>
    Promise.all(
      AGENTS.map((name) =>
        start(
          image()
            .withNetworkAliases(name)
            .withEnvironment({ BARRAGE_TOKEN: token })
            .withCommand(['agent', '--controller', `ws://controller:${CONTROLLER_PORT}`, '--name', name])
            .withWaitStrategy(Wait.forLogMessage(/welcomed by controller/))
            .withStartupTimeout(60_000),
        ),
      ),
    ),
  );
  const agentIps = new Map(agents.map((c, i) => [AGENTS[i]!, c.getIpAddress(network.getName())]));

  const stats = async (c: Started): Promise<TargetStats> =>
    (await (await fetch(`http://${c.getHost()}:${c.getMappedPort(TARGET_PORT)}/__stats`)).json()) as TargetStats;

  /** Submits a built-in to the serving controller from inside its container; the summary and exit code. */
  const run = async (
    scenario: string,
    targetAlias: string,
  ): Promise<{ code: number; summary: Summary; output: string }> => {
    const out = `/data/${scenario}.json`;
    const r = await timed(scenario, () =>
      controller.exec([
        'barrage',
        'controller',
        'start',
        '--controller',
        `http://127.0.0.1:${CONTROLLER_PORT}`,
        '--agents',
        String(AGENTS.length),
        '--scenario',
        scenario,
        '--target',
        `http://${targetAlias}:${TARGET_PORT}`,
        '--out',
        out,
      ]),
    );
    const cat = await controller.exec(['cat', out]);
    assert.equal(cat.exitCode, 0, `no summary written (exit ${r.exitCode}):\n${r.output}`);
    return { code: r.exitCode, summary: JSON.parse(cat.stdout) as Summary, output: r.output };
  };

  await t.test('ratelimit-150: 3 agents, 3 client IPs, exact 200/429 split', async () => {
    const { code, summary: s, output } = await run('ratelimit-150', 'target-ratelimit');
    assert.equal(code, 0, output);
    const seen = await stats(targetRl);
    const sessions = seen.routes['GET /api/sessions/']!;
    assert.equal(s.run.status, 'passed');
    assert.deepEqual(s.run.agents.map((a) => a.name).sort(), AGENTS);
    for (const a of s.run.agents)
      assert.equal(a.host, agentIps.get(a.name), `${a.name} seen from its container's address`);
    // 10 VUs split 4/3/3, the 150 iterations by VUs 60/45/45; each agent's own window of 30.
    assert.deepEqual(
      s.run.agents.map((a) => a.requests).sort((a, b) => a - b),
      [45, 45, 60],
    );
    for (const a of s.run.agents) assert.deepEqual(a.status, { 200: 30, 429: a.requests - 30 }, `${a.name}'s statuses`);
    // The summary equals what the target counted, status by status.
    assert.deepEqual(sessions, { 200: 90, 429: 60 });
    assert.deepEqual(s.totals.status, sessions);
    assert.deepEqual(seen.routes['POST /api/auth/login'], { 200: 1 }, 'the setup login, run by the controller');
    assert.equal(seen.total, 151);
    assert.equal(s.totals.requests, 150);
    assert.equal(s.totals.ok, sessions['200']);
    assert.equal(s.totals.rateLimited, sessions['429']);
    assert.equal(s.totals.failed, 0);
    assert.equal(s.totals.retryAfterPresent, 60, 'every 429 carried Retry-After');
    t.diagnostic(
      `ratelimit-150: summary ${JSON.stringify(s.totals.status)} = target ${JSON.stringify(sessions)} (+ login ${JSON.stringify(seen.routes['POST /api/auth/login'])}); ` +
        `agents ${s.run.agents.map((a) => `${a.name}@${a.host} ${JSON.stringify(a.status)}`).join(', ')}`,
    );
  });

  await t.test("stress-100: ramp to 120 VUs on the seed mix, every count equals the target's", async () => {
    const { code, summary: s, output } = await run('stress-100', 'target-stress');
    const seen = await stats(targetStress);
    // Exit 0 (passed) or 99 (a latency threshold failed on a loaded 2-core host) both end a
    // complete run; what must hold either way is the accounting.
    assert.ok(code === 0 || code === 99, `exit ${code}:\n${output}`);
    assert.ok(s.run.status === 'passed' || s.run.status === 'failed', s.run.status);
    assert.equal(s.run.agents.length, 3);
    assert.deepEqual(seen.routes['POST /api/auth/login'], { 200: 1 });
    const fired: Record<string, number> = {};
    for (const [name, route] of Object.entries(ROUTE)) {
      const r = s.requests[name]!;
      assert.deepEqual(r.status, seen.routes[route] ?? {}, `${name}: summary statuses = target's ${route}`);
      for (const [code, n] of Object.entries(r.status)) fired[code] = (fired[code] ?? 0) + n;
    }
    assert.deepEqual(s.totals.status, fired, 'totals = sum over the request names');
    assert.equal(s.totals.requests, seen.total - 1, 'every request the target answered but the login');
    assert.equal(s.totals.failed, 0);
    assert.equal(s.totals.ok + s.totals.rateLimited, s.totals.requests);
    assert.equal(s.totals.rateLimited, seen.routes['GET /api/sessions/']?.['429'] ?? 0);
    assert.equal(s.totals.retryAfterPresent, s.totals.rateLimited);
    // Each agent container is its own client: 30 session-list answers of 200 each at most.
    assert.ok((seen.routes['GET /api/sessions/']?.['200'] ?? 0) <= 90);
    t.diagnostic(
      `stress-100: exit ${code} (${s.run.status}); ${s.totals.requests} requests, summary ${JSON.stringify(s.totals.status)}; ` +
        `target ${JSON.stringify(seen.routes)}; thresholds ${s.thresholds.map((x) => `${x.scope}:${x.expr}=${x.value}${x.ok ? '' : ' FAIL'}`).join(', ')}`,
    );
  });
  t.diagnostic(`timings: ${timings.join(', ')}`);
});
