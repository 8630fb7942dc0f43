// A cluster over a real network, each process on its own host (network
// namespace): target, controller and three agents. What loopback cannot show:
// a per-client-IP rate limit sees three clients, so each agent gets its own
// window, and the controller reports each agent from its own address.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { createNetwork, netnsUnavailable } from '../helpers/netns.ts';

const AGENTS = ['agent-1', 'agent-2', 'agent-3'];

test('ratelimit-150 from 3 hosts: each agent gets its own per-IP window', { skip: netnsUnavailable() }, async (t) => {
  const net = await createNetwork(['target', 'controller', ...AGENTS]);
  t.after(() => net.destroy());
  // 30 requests per minute per client IP: the whole run sits inside one window.
  const target = await net.startTarget('target', ['--api-limit', '30', '--api-window', '1m']);
  const token = randomBytes(16).toString('hex');
  const out = join(mkdtempSync(join(tmpdir(), 'barrage-netns-')), 'summary.json');
  // The built-in scenario as it is: its thresholds (a 429 seen, Retry-After on every 429,
  // no failure) do not depend on how many client IPs there are, so they pass here too.
  const { cli: controller, agentUrl } = await net.startController(
    'controller',
    ['start', '--scenario', 'ratelimit-150', '--target', target.url, '--out', out],
    { token, agents: AGENTS.length },
  );
  assert.match(agentUrl, new RegExp(`^ws://${net.ip('controller').replaceAll('.', '\\.')}:\\d+`));

  // The controller's API answers from the root namespace, token required off loopback; no agent yet.
  const api = agentUrl.replace(/^ws/, 'http');
  assert.equal((await fetch(`${api}/api/v1/agents`)).status, 401);
  assert.deepEqual(
    await (await fetch(`${api}/api/v1/agents`, { headers: { authorization: `Bearer ${token}` } })).json(),
    [],
  );

  const agents = AGENTS.map((h) => net.startAgent(h, { controller: agentUrl, name: h, token }));
  const code = await controller.exited;
  assert.equal(code, 0, `controller:\n${controller.stderr}\n${controller.stdout}`);
  for (const [i, a] of agents.entries()) assert.equal(await a.exited, 0, `${AGENTS[i]}:\n${a.stderr}`);

  const s = JSON.parse(readFileSync(out, 'utf8')) as Summary;
  const seen = await target.stats();
  const sessions = seen.routes['GET /api/sessions/']!;

  // Each agent came from its own address, as the controller saw it (the socket's remote
  // address; `hostname` is the same for all: namespaces share the UTS namespace).
  assert.equal(s.run.status, 'passed');
  assert.deepEqual(s.run.agents.map((a) => a.name).sort(), AGENTS);
  for (const a of s.run.agents) assert.equal(a.host, net.ip(a.name), `${a.name}'s host`);
  assert.equal(new Set(s.run.agents.map((a) => a.host)).size, 3);

  // shared-iterations apportions the 10 VUs by segment (4/3/3), then the 150 iterations by
  // VUs (60/45/45), so not 50 each. Each agent's address has its own window of 30: it got
  // 30 x 200 and the rest 429, whatever the interleaving. The setup login ran on the
  // controller, from a fourth address, and spent none of the agents' windows.
  // On loopback (e2e-ratelimit.test.ts) the agents and the login share 127.0.0.1 and one
  // window: with this limit it would be 29 x 200 and 121 x 429 in all, split between the
  // agents however the race fell.
  assert.deepEqual(
    s.run.agents.map((a) => a.requests).sort((a, b) => a - b),
    [45, 45, 60],
  );
  for (const a of s.run.agents) assert.deepEqual(a.status, { 200: 30, 429: a.requests - 30 }, `${a.name}'s statuses`);

  // Totals equal the target's own count exactly.
  assert.deepEqual(sessions, { 200: 90, 429: 60 });
  assert.deepEqual(s.totals.status, sessions);
  assert.deepEqual(seen.routes['POST /api/auth/login'], { 200: 1 });
  assert.equal(seen.total, 151, 'the 150 requests and the one setup login');
  assert.equal(s.totals.requests, 150);
  assert.equal(s.totals.ok, sessions['200']);
  assert.equal(s.totals.rateLimited, sessions['429']);
  assert.equal(s.totals.failed, 0);
  assert.equal(s.totals.retryAfterPresent, 60, 'every 429 carried Retry-After');
  // Cluster-wide "admitted before limiting began" is no longer one limiter's count: the
  // first 429 reached one agent after its own 30, while the others were still being
  // admitted. It lies between one window and all three.
  const first = s.totals.firstRateLimitedAfter!;
  assert.ok(first >= 30 && first <= 90, `firstRateLimitedAfter ${first}`);

  // The target's final count, printed as it stops, agrees too.
  const final = await target.stop();
  assert.deepEqual(final?.routes['GET /api/sessions/'], sessions);
  t.diagnostic(
    `subnet ${net.subnet}; agents ${s.run.agents.map((a) => `${a.name}@${a.host} ${JSON.stringify(a.status)}`).join(', ')}; firstRateLimitedAfter ${first}`,
  );
});
