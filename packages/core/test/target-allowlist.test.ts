// The target allowlist: which hosts and addresses load may go to, before and
// after DNS, with link-local and cloud-metadata addresses refused unless named;
// an agent refuses an Assign aimed elsewhere, and never connects to an address
// its lists refuse (the request is counted as dropped, nothing reaches the target).

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { barrage, decodeEnvelope } from '@barrage/proto';
import { AgentRun } from '../../agent/src/run/agent-run.ts';
import { systemClock } from '../src/clock.ts';
import { TargetAllowlist } from '../src/target-allowlist.ts';

test('patterns: names, *.domain, IPs and CIDR ranges; metadata refused unless named', () => {
  const any = new TargetAllowlist();
  assert.equal(any.checkHost('api.example.com'), undefined);
  assert.equal(any.checkHost('127.0.0.1'), undefined);
  assert.match(any.checkHost('169.254.169.254')!, /link-local or cloud metadata/);
  assert.match(any.checkHost('[fe80::1]')!, /link-local/);
  assert.match(any.checkHost('metadata.google.internal')!, /metadata endpoint/);
  assert.match(
    any.checkAddress('innocent.example', '169.254.169.254')!,
    /innocent\.example resolves to 169\.254\.169\.254/,
  );

  const list = new TargetAllowlist([
    'api.example.com',
    '*.staging.example.com',
    '198.18.0.0/15',
    '::1',
    '169.254.169.254',
  ]);
  assert.equal(list.checkHost('API.example.com'), undefined, 'case-insensitive');
  assert.equal(list.checkHost('eu.staging.example.com'), undefined);
  assert.equal(
    list.checkHost('staging.example.com'),
    undefined,
    'a name not matched passes to the address check when ranges are listed',
  );
  assert.match(list.checkAddress('staging.example.com', '10.1.2.3')!, /not in the target allowlist/);
  assert.equal(list.checkAddress('whatever.test', '198.19.4.5'), undefined, 'inside 198.18.0.0/15');
  assert.equal(list.checkHost('[::1]'), undefined);
  assert.equal(list.checkHost('169.254.169.254'), undefined, 'metadata named explicitly');
  assert.match(list.checkHost('169.254.1.1')!, /link-local/);
  assert.match(
    list.checkAddress('api.example.com', '169.254.10.10')!,
    /link-local/,
    'an allowed name never reaches metadata',
  );

  const names = new TargetAllowlist(['api.example.com']);
  assert.match(names.checkHost('other.example.com')!, /not in the target allowlist/);
  assert.match(names.checkHost('10.0.0.1')!, /not in the target allowlist/);

  for (const bad of ['http://x', '10.0.0.0/33', 'a b', '*', '-x.com'])
    assert.throws(() => new TargetAllowlist([bad]), RangeError, bad);
});

async function target() {
  let served = 0;
  const server = createServer((_req, res) => {
    served++;
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, served: () => served, close: () => server.close() };
}

const assign = (url: string, allowTargets: string[]): barrage.v1.Assign.$Properties => ({
  runId: 'r',
  intervalMs: 1000,
  allowTargets,
  scenarios: [
    {
      name: 's',
      executor: barrage.v1.Executor.EXECUTOR_SHARED_ITERATIONS,
      vus: 2,
      iterations: 10,
      durationMs: 5_000,
      gracefulStopMs: 1000,
      requests: [{ name: 'x', method: 'GET', url }],
    },
  ],
});

test("an Assign aimed at a host the controller's list refuses is rejected before anything fires", async () => {
  const t = await target();
  assert.throws(
    () =>
      new AgentRun({
        assign: assign(`http://127.0.0.1:${t.port}/`, ['api.example.com']),
        clock: systemClock,
        offset: () => 0,
        send: () => {},
        onFinalReport: () => {},
      }),
    { code: 'AGENT_TARGET_NOT_ALLOWED' },
  );
  t.close();
  assert.equal(t.served(), 0);
});

test("after DNS: a name whose address the agent's own list refuses is never connected to; its requests count as dropped", async () => {
  const t = await target();
  const reports: barrage.v1.Report[] = [];
  const refused: string[] = [];
  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  // The controller allows the name; this agent allows only 127.0.0.2, and localhost resolves elsewhere.
  const run = new AgentRun({
    assign: assign(`http://localhost:${t.port}/`, ['localhost']),
    clock: systemClock,
    offset: () => 0,
    send: (f) => reports.push(decodeEnvelope(f).report as barrage.v1.Report),
    onFinalReport: () => finished(),
    allowTargets: new TargetAllowlist(['127.0.0.2']),
    onTargetRefused: (host, why) => refused.push(`${host}: ${why}`),
  });
  run.start(systemClock.now());
  await done;
  t.close();
  const stats = reports.flatMap((r) => r.stats);
  assert.equal(t.served(), 0, 'nothing reached the target');
  assert.equal(
    stats.reduce((n, s) => n + (s.dropped ?? 0), 0),
    10,
    'every iteration counted as dropped',
  );
  assert.equal(
    stats.reduce((n, s) => n + (s.status ?? []).length, 0),
    0,
  );
  assert.equal(refused.length, 1, 'reported once per host');
  assert.match(refused[0]!, /^localhost: localhost \((127\.0\.0\.1|::1)\) is not in the target allowlist$/);
});

test('an override address is judged on its own, never by the name it stands in for', () => {
  const names = new TargetAllowlist(['api.example.com']);
  assert.match(names.checkOverride('api.example.com', '10.0.0.5')!, /overridden to 10\.0\.0\.5.*address pattern/);
  const cidr = new TargetAllowlist(['api.example.com', '10.0.0.0/8']);
  assert.equal(cidr.checkOverride('api.example.com', '10.0.0.5'), undefined);
  assert.match(cidr.checkOverride('api.example.com', '192.168.1.1')!, /not in the target allowlist/);
  const any = new TargetAllowlist();
  assert.equal(any.checkOverride('x.test', '127.0.0.1'), undefined);
  assert.match(any.checkOverride('x.test', '169.254.169.254')!, /metadata/);
  assert.match(any.checkOverride('x.test', '[fe80::1]')!, /link-local/);
});
