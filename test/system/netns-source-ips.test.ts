// One agent, four source addresses (agent --source-ips) on its host's NIC,
// against a per-client-IP limit of 30 a minute: the target sees four clients,
// each admitted 30 times, and barrage's per-address breakdown of the agent is
// the target's own per-IP count, address by address, as its totals are.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { createNetwork, netnsUnavailable } from '../helpers/netns.ts';
import { ip } from '../helpers/netns-ip.ts';

const SCENARIO = `name: source-ips
baseUrl: http://127.0.0.1:8080
setup:
  - name: login
    method: POST
    path: /api/auth/login
    json: { username: demo, password: demo }
    expect: [200]
    capture:
      token: $.access_token
requests:
  - name: sessions
    path: /api/sessions/
    headers:
      authorization: Bearer \${token}
    expect: [200, 429]
scenarios:
  - name: burst
    executor: shared-iterations
    vus: 8
    iterations: 200
    maxDuration: 60s
`;

test('4 source IPs on one agent against 30/min per IP: 4 x 30 admitted, per address as the target counts', {
  skip: netnsUnavailable(),
}, async (t) => {
  const net = await createNetwork(['target', 'controller', 'agent']);
  t.after(() => net.destroy());
  // Four more addresses on the agent's eth0, in the network's /24 (hosts use .10 and up).
  const prefix = net.subnet.replace(/\.0\/24$/, '');
  const sources = [200, 201, 202, 203].map((h) => `${prefix}.${h}`);
  for (const a of sources) await ip('-n', net.ns('agent'), 'addr', 'add', `${a}/24`, 'dev', 'eth0');

  const target = await net.startTarget('target', ['--api-limit', '30', '--api-window', '60s']);
  const dir = mkdtempSync(join(tmpdir(), 'barrage-netns-src-'));
  const scenario = join(dir, 'scenario.yaml');
  writeFileSync(scenario, SCENARIO);
  const out = join(dir, 'summary.json');
  const token = randomBytes(16).toString('hex');
  const { cli: controller, agentUrl } = await net.startController(
    'controller',
    ['start', '--scenario', scenario, '--target', target.url, '--out', out],
    { token, agents: 1 },
  );
  const agent = net.startAgent('agent', {
    controller: agentUrl,
    name: 'agent',
    token,
    args: ['--source-ips', sources.join(',')],
  });
  const code = await controller.exited;
  assert.equal(code, 0, `controller:\n${controller.stderr}\n${controller.stdout}`);
  assert.equal(await agent.exited, 0, `agent:\n${agent.stderr}`);

  const s = JSON.parse(readFileSync(out, 'utf8')) as Summary;
  const seen = await target.stats();
  const a = s.run.agents[0]!;
  // The target saw four clients, none of them the agent's own eth0 address; each got its window.
  assert.deepEqual(
    Object.keys(seen.byIp)
      .filter((k) => k !== net.ip('controller'))
      .sort(),
    [...sources].sort(),
  );
  for (const src of sources) assert.equal(seen.byIp[src]!['200'], 30, `${src}: 30 admitted`);
  assert.deepEqual(seen.routes['GET /api/sessions/'], { 200: 120, 429: 80 });
  // barrage's per-address breakdown is the target's per-IP count, and adds up to the agent's.
  assert.deepEqual(Object.keys(a.bySource ?? {}), sources);
  for (const src of sources) {
    const mine: { requests: number; errors: number; status: Record<string, number> } = a.bySource![src]!;
    assert.deepEqual(mine.status, seen.byIp[src], `${src}: barrage's statuses are the target's`);
    assert.equal(
      mine.requests,
      Object.values(seen.byIp[src]!).reduce((x, y) => x + y, 0),
    );
    assert.equal(mine.errors, 0);
  }
  assert.equal(
    Object.values(a.bySource!).reduce((n, c) => n + c.requests, 0),
    a.requests,
  );
  assert.deepEqual(a.status, { 200: 120, 429: 80 });
  assert.deepEqual(s.totals.status, seen.routes['GET /api/sessions/']);
  assert.equal(s.totals.requests, 200);
  // The terminal's agents table: a line per address under the agent.
  for (const src of sources) assert.match(controller.stdout, new RegExp(`from ${src.replaceAll('.', '\\.')}\\s`));
  t.diagnostic(`per address (barrage): ${JSON.stringify(a.bySource)}; per IP (target): ${JSON.stringify(seen.byIp)}`);
});
