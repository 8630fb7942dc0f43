// The Requester against a real HTTP server on port 0 (undici's own Pool):
// what a scenario's cut does to requests still queued for a connection.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { systemClock } from '@barrage/core';
import { barrage } from '@barrage/proto';
import { Requester } from '../src/http/requester.ts';
import { CompletionLog } from '../src/measure/completion-log.ts';
import { Recorder } from '../src/measure/recorder.ts';
import { prepareAssignment } from '../src/run/assignment.ts';

async function server(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const s = createServer(handler);
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    close: () =>
      new Promise((r) => {
        s.closeAllConnections();
        s.close(r);
      }),
  };
}

test('requests still waiting for a connection when a scenario is cut never left the agent: dropped, not failed', async (t) => {
  let served = 0;
  let arrived!: () => void;
  const first = new Promise<void>((r) => {
    arrived = r;
  });
  // The target never answers: the one request on the wire is still there when the scenario is cut.
  const srv = await server(() => {
    served++;
    arrived();
  });
  t.after(() => srv.close());
  const names: string[] = [];
  const [scenario] = prepareAssignment(
    {
      runId: 'r',
      scenarios: [
        {
          name: 's',
          executor: barrage.v1.Executor.EXECUTOR_CONSTANT_VUS,
          vus: 5,
          durationMs: 1000,
          requests: [{ name: 'a', method: 'GET', url: `${srv.url}/a` }],
        },
      ],
    },
    names,
  );
  const recorder = new Recorder(names);
  const exec = new Requester({
    allowH2: false,
    connections: 1,
    recorder,
    log: new CompletionLog(),
    clock: systemClock,
  });
  let done = 0;
  for (let i = 0; i < 5; i++)
    exec.fire(scenario!.entries[0]!.steps[0]!, null, () => {
      done++;
    });
  await first; // one request is on the wire, four queued behind it for the one connection
  await exec.close();
  while (done < 5) await new Promise((r) => setImmediate(r));
  const [a] = recorder.snapshot();
  assert.equal(served, 1);
  assert.equal(a!.dropped, 4, 'the four that never got a connection');
  assert.equal(a!.failed, 1, 'the one cut on the wire');
  assert.equal(
    exec.fire(scenario!.entries[0]!.steps[0]!, null, () => {}),
    false,
    'a closed executor sends nothing',
  );
});
