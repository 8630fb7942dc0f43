// Faults across real hosts (network namespaces): the target, the controller
// and three agents each on their own host. An agent killed with SIGKILL, an
// agent's cable pulled for 5 s, the controller killed (its agents stop at their
// lease) and started again on the same store. Every count is reconciled with
// the target's own /__stats. Needs root: skipped elsewhere, with the reason.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { createNetwork, type Network, netnsUnavailable } from '../helpers/netns.ts';
import { bins, type StartedCli } from '../helpers/processes.ts';

const AGENTS = ['agent-1', 'agent-2', 'agent-3'];
const skip = netnsUnavailable();

async function cluster(t: { after(fn: () => unknown): void }, yaml: string) {
  const net = await createNetwork(['target', 'controller', ...AGENTS]);
  t.after(() => net.destroy());
  const target = await net.startTarget('target');
  const dir = mkdtempSync(join(tmpdir(), 'barrage-netns-faults-'));
  writeFileSync(join(dir, 's.yaml'), yaml);
  return { net, target, dir, token: randomBytes(16).toString('hex') };
}

/** The fault itself lasts this long: a pulled cable, a stopped target (not a wait for an event). */
const hold = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startAgents(net: Network, url: string, token: string, once = true): StartedCli[] {
  return AGENTS.map((h) =>
    once
      ? net.startAgent(h, { controller: url, name: h, token })
      : net.startCli(h, bins.agent, ['--controller', url, '--name', h], { BARRAGE_TOKEN: token }),
  );
}

test("an agent killed with SIGKILL mid-run: the run goes on, degraded, names it; totals never exceed the target's, the gap is its unreported tail", {
  skip,
}, async (t) => {
  const { net, target, dir, token } = await cluster(
    t,
    `
name: kill-agent
requests: [{ name: health, path: /health }]
agentTimeout: 2s
lease: 3s
scenarios: [{ name: open, executor: constant-arrival-rate, rate: 60, duration: 8s }]
`,
  );
  const { cli: controller, agentUrl } = await net.startController(
    'controller',
    ['start', '--scenario', join(dir, 's.yaml'), '--target', target.url, '--out', join(dir, 'out.json')],
    { token, agents: 3 },
  );
  const agents = startAgents(net, agentUrl, token);
  await controller.waitForStderr(/\[\s+3s\] reqs [1-9]/);
  agents[2]!.child.kill('SIGKILL');
  await controller.waitForStderr(/agents 2\/3 \(1 lost\)/);
  const code = await controller.exited;
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  const seen = await target.stats();
  assert.equal(code, 1, 'a degraded run exits 1');
  assert.equal(s.run.status, 'degraded');
  const lost = s.run.agents.find((a) => a.name === 'agent-3')!;
  assert.equal(lost.host, net.ip('agent-3'));
  assert.equal(lost.lost?.policy, 'continue');
  assert.equal(lost.lost?.finalReport, false);
  assert.equal(lost.lost?.share, 0.333);
  assert.match(
    s.run.notes.join('\n'),
    /agent agent-3 \(198\.18\.\d+\.\d+\) lost at \+\d+\.\d s .* carrying 33\.3 % of the load: the run went on without it/,
  );
  for (const name of ['agent-1', 'agent-2'])
    assert.equal(s.run.agents.find((a) => a.name === name)!.requests, 160, `${name} fired its whole share`);
  assert.ok(s.totals.requests <= seen.total, `controller ${s.totals.requests} <= target ${seen.total}`);
  // agent-3 fires 20/s; what it sent after its last report reached the controller (at most the
  // interval in progress plus one report on the wire) is all that may be missing.
  assert.ok(seen.total - s.totals.requests <= 2 * 20 + 3, `gap ${seen.total - s.totals.requests}`);
  t.diagnostic(
    `SIGKILL: controller ${s.totals.requests}, target ${seen.total} (gap ${seen.total - s.totals.requests}); agent-3 lost ${lost.lost!.afterMs} ms into the run after ${lost.lost!.silentMs} ms of silence; per agent ${s.run.agents.map((a) => `${a.name} ${a.requests}`).join(', ')}`,
  );
});

test("an agent's cable pulled for 5 s then plugged back: zero requests lost, none counted twice", {
  skip,
}, async (t) => {
  const { net, target, dir, token } = await cluster(
    t,
    `
name: cut-link
requests: [{ name: health, path: /health, timeout: 30s }]
agentTimeout: 2s
scenarios: [{ name: closed, executor: constant-vus, vus: 6, duration: 14s, thinkTime: 20ms }]
`,
  );
  const { cli: controller, agentUrl } = await net.startController(
    'controller',
    ['start', '--scenario', join(dir, 's.yaml'), '--target', target.url, '--out', join(dir, 'out.json')],
    { token, agents: 3 },
  );
  const agents = startAgents(net, agentUrl, token);
  await controller.waitForStderr(/\[\s+3s\] reqs [1-9]/);
  await net.cut('agent-2');
  await hold(5_000);
  await net.restore('agent-2');
  const code = await controller.exited;
  for (const a of agents) assert.equal(await a.exited, 0, a.stderr);
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  const seen = await target.stats();
  const a2 = s.run.agents.find((a) => a.name === 'agent-2')!;
  // 5 s of silence is past the 2 s agentTimeout: lost, its link dropped on both sides; it
  // redialled once the cable was back, re-attached and resent every unacknowledged report.
  assert.ok(a2.lost !== undefined, 'agent-2 was lost while cut off');
  assert.ok(a2.lost.returnedAt !== null, 'and came back');
  assert.equal(a2.lost.finalReport, true);
  assert.equal(s.run.status, 'passed', s.run.notes.join('\n'));
  assert.equal(code, 0);
  assert.equal(s.totals.requests, seen.total, 'nothing lost, nothing counted twice');
  assert.deepEqual(s.totals.status, seen.routes['GET /health']);
  assert.equal(s.totals.failed, 0);
  t.diagnostic(
    `cut 5 s: controller ${s.totals.requests} = target ${seen.total}; agent-2 ${a2.requests} requests, lost ${a2.lost.afterMs} ms into the run, back at ${a2.lost.returnedAt}; notes: ${s.run.notes.join(' | ')}`,
  );
});

test('the controller killed mid-run: agents stop firing at their lease; restarted on the same store, the run is interrupted with its history kept and the agents come back', {
  skip,
}, async (t) => {
  const { net, target, dir, token } = await cluster(
    t,
    `
name: kill-controller
requests: [{ name: health, path: /health }]
agentTimeout: 2s
lease: 3s
scenarios: [{ name: open, executor: constant-arrival-rate, rate: 30, duration: 60s }]
`,
  );
  const db = join(dir, 'runs.db');
  const { cli: controller, agentUrl } = await net.startController(
    'controller',
    ['start', '--scenario', join(dir, 's.yaml'), '--target', target.url, '--db', db],
    { token, agents: 3 },
  );
  // Agents that stay: after the controller comes back they reconnect to it.
  const agents = startAgents(net, agentUrl, token, false);
  await controller.waitForStderr(/\[\s+4s\] reqs [1-9]/);
  const killedAt = Date.now();
  controller.child.kill('SIGKILL');
  const expiries = await Promise.all(
    agents.map(async (a) => {
      const m = await a.waitForStderr(/(\{[^\n]*"msg":"lease expired: stopped firing"[^\n]*\})/);
      return JSON.parse(m[1]!) as { time: number; silentMs: number; leaseMs: number };
    }),
  );
  for (const e of expiries) {
    assert.equal(e.leaseMs, 3_000);
    // Stopped once silent past the lease (logged rounded to the ms), and no later than a lease plus one controller ping (1 s) and a check.
    assert.ok(e.silentMs >= 3_000 && e.silentMs < 3_000 + 1_500, `silent ${e.silentMs} ms at expiry`);
  }
  const lastStop = Math.max(...expiries.map((e) => e.time));
  const seen = await target.stats();
  const last = seen.times['GET /health']!.last;
  assert.ok(
    last <= lastStop + 500,
    `the target's last response ${last - lastStop} ms after the last agent stopped firing`,
  );
  assert.ok(seen.total < 30 * 20, 'far less than the 60 s run would have sent');

  // The same controller host and port, the same store.
  const port = new URL(agentUrl).port;
  const serve = net.startCli('controller', bins.controller, [
    'serve',
    '--host',
    net.ip('controller'),
    '--port',
    port,
    '--token',
    token,
    '--db',
    db,
  ]);
  t.after(() => serve.kill());
  await serve.waitForStderr(/1 run\(s\) left going by a stopped controller marked interrupted/);
  await serve.waitForStderr(/controller serving/);
  // Each agent re-dials, names its run, is told the controller no longer has it, and is free.
  await Promise.all(agents.map((a) => a.waitForStderr(/controller no longer knows our run; abandoning it/)));
  const api = `http://${net.ip('controller')}:${port}/api/v1`;
  const auth = { headers: { authorization: `Bearer ${token}` } };
  const runs = (await (await fetch(`${api}/runs`, auth)).json()) as Array<{
    id: string;
    status: string;
    requests: number | null;
  }>;
  assert.equal(runs.length, 1);
  assert.equal(runs[0]!.status, 'interrupted');
  const series = (await (await fetch(`${api}/runs/${runs[0]!.id}/timeseries`, auth)).json()) as {
    intervals: Array<{ interval: number; requests: number }>;
  };
  // Intervals are stored once every agent reported them: at least the first three of the four seconds before the kill.
  assert.ok(series.intervals.length >= 3, `${series.intervals.length} intervals kept`);
  const stored = series.intervals.reduce((n, i) => n + i.requests, 0);
  assert.ok(stored > 0 && stored <= seen.total, `stored ${stored} <= target ${seen.total}`);
  const connected = (await (await fetch(`${api}/agents`, auth)).json()) as Array<{
    name: string;
    status: { state: string } | null;
  }>;
  assert.deepEqual(connected.map((a) => a.name).sort(), AGENTS);
  t.diagnostic(
    `controller killed ${killedAt - seen.times['GET /health']!.first} ms after the first response; agents stopped ${expiries.map((e) => e.time - killedAt).join('/')} ms after the kill (silent ${expiries.map((e) => e.silentMs).join('/')} ms); target ${seen.total} in all, last ${last - lastStop} ms after the last stop; ${series.intervals.length} intervals (${stored} requests) kept`,
  );
});

test('the target stopped for 3 s and started again: the run completes, refused requests counted as errors, the threshold sees it; totals reconcile with both lifetimes', {
  skip,
}, async (t) => {
  const {
    net,
    target: first,
    dir,
    token,
  } = await cluster(
    t,
    `
name: target-outage
requests: [{ name: health, path: /health, timeout: 2s }]
thresholds: ['rate(ok)>0.99']
scenarios: [{ name: open, executor: constant-arrival-rate, rate: 45, duration: 10s, maxInFlight: 300 }]
`,
  );
  const { cli: controller, agentUrl } = await net.startController(
    'controller',
    ['start', '--scenario', join(dir, 's.yaml'), '--target', first.url, '--out', join(dir, 'out.json')],
    { token, agents: 3 },
  );
  startAgents(net, agentUrl, token);
  await controller.waitForStderr(/\[\s+3s\] reqs [1-9]/);
  const before = (await first.stop())!;
  await hold(3_000);
  const second = await net.startTarget('target', ['--port', new URL(first.url).port]);
  const code = await controller.exited;
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  const after = await second.stats();
  assert.equal(code, 99, 'the threshold failed');
  assert.equal(s.run.status, 'failed');
  assert.ok(
    s.run.agents.every((a) => a.lost === undefined),
    'no agent was lost',
  );
  assert.equal(s.totals.requests + s.totals.dropped, 450, 'every arrival fired or dropped');
  const e = s.totals.errors;
  assert.ok(e.refused > 0, JSON.stringify(e));
  assert.equal(
    s.totals.status['200'],
    before.total + after.total,
    'the 200s are what both lifetimes of the target answered',
  );
  // A request that lands while the first target is closing may get its 503 (Fastify's return503OnClosing):
  // an answer like any other. Every request is an answer or an error, of whatever kind.
  const answers = Object.values(s.totals.status).reduce((a, n) => a + n, 0);
  assert.equal(e.tls, 0, 'a plain-HTTP target has no TLS failure');
  const errors = Object.values(e).reduce((a: number, n) => a + (typeof n === 'number' ? n : 0), 0);
  assert.equal(s.totals.requests, answers + errors, JSON.stringify({ status: s.totals.status, errors: e }));
  assert.deepEqual(
    Object.keys(s.totals.status).filter((k) => k !== '200' && k !== '503'),
    [],
    'only the closing target answers anything but 200',
  );
  t.diagnostic(
    `target outage: ${s.totals.requests} requests; the target answered ${before.total} before and ${after.total} after; errors ${JSON.stringify(e)}; dropped ${s.totals.dropped}`,
  );
});
