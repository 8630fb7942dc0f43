// An agent that receives Start late (after a reconnect) stops on the plan's
// end, not its own: with Start beyond the scenario's end it fires nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { barrage, decodeEnvelope } from '@barrage/proto';
import { AgentRun } from '../src/run/agent-run.ts';
import { systemClock } from '@barrage/core';

async function runWithStartAgo(agoMs: number, durationMs: number): Promise<{ served: number; reports: barrage.v1.Report[] }> {
  let served = 0;
  const server = createServer((_req, res) => { served++; res.end('ok'); });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const reports: barrage.v1.Report[] = [];
  let finished!: () => void;
  const done = new Promise<void>((resolve) => { finished = resolve; });
  const run = new AgentRun({
    assign: {
      runId: 'r', intervalMs: 1000, scenarios: [{
        name: 's', executor: barrage.v1.Executor.EXECUTOR_CONSTANT_VUS, vus: 2, durationMs, gracefulStopMs: 1000,
        requests: [{ name: 'x', method: 'GET', url: `http://127.0.0.1:${port}/` }],
      }],
    },
    clock: systemClock, offset: () => 0,
    send: (f) => reports.push(decodeEnvelope(f).report as barrage.v1.Report),
    onFinalReport: () => finished(),
  });
  run.start(systemClock.now() - agoMs);
  await done;
  server.close();
  return { served, reports };
}

test('Start received after the planned end: nothing is fired', async () => {
  const { served, reports } = await runWithStartAgo(5_000, 1_000);
  assert.equal(served, 0);
  assert.equal(reports.at(-1)!.final, true);
  assert.equal(reports.flatMap((r) => r.stats).length, 0);
});

test('Start received late but before the end: fires for the rest of the plan', async () => {
  const { served, reports } = await runWithStartAgo(200, 600);
  assert.ok(served > 0);
  const counted = reports.flatMap((r) => r.stats).reduce((n, s) => n + (s.ok ?? 0), 0);
  assert.equal(counted, served, 'every served request is in a report');
});
