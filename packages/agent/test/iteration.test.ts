// Iterations against a real HTTP server on port 0: flows carry captures to
// the next step and count a step they cannot form as dropped; variable values
// are encoded for where they land. (What the models time is tested on fake
// time in closed-model.test.ts and open-model.test.ts; a cut scenario's queued
// requests in requester.test.ts.)

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { systemClock } from '@barrage/core';
import { barrage } from '@barrage/proto';
import { Requester } from '../src/http/requester.ts';
import { runIteration } from '../src/load/iteration.ts';
import { CompletionLog } from '../src/measure/completion-log.ts';
import { Recorder } from '../src/measure/recorder.ts';
import { prepareAssignment } from '../src/run/assignment.ts';

async function server(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const s = createServer(handler);
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, close: () => new Promise((r) => s.close(r)) };
}

function setup(
  specs: barrage.v1.RequestSpec.$Properties[],
  mix: barrage.v1.MixEntry.$Properties[] = [],
  vars: barrage.v1.Var.$Properties[] = [],
) {
  const names: string[] = [];
  const [scenario] = prepareAssignment(
    {
      runId: 'r',
      vars,
      scenarios: [
        {
          name: 's',
          executor: barrage.v1.Executor.EXECUTOR_CONSTANT_VUS,
          vus: 1,
          durationMs: 60_000,
          requests: specs,
          mix,
        },
      ],
    },
    names,
  );
  const recorder = new Recorder(names);
  const exec = new Requester({
    allowH2: false,
    connections: 4,
    recorder,
    log: new CompletionLog(),
    clock: systemClock,
  });
  return { scenario: scenario!, recorder, exec, names };
}

const stats = (recorder: Recorder) => Object.fromEntries(recorder.snapshot().map((s) => [s.name, s]));

test('flows: a captured value feeds the next step, encoded for a query; a value that cannot be sent drops the rest', async (t) => {
  const seen: string[] = [];
  const srv = await server((req, res) => {
    seen.push(req.url!);
    res.setHeader('content-type', 'application/json');
    if (req.url === '/login') res.end(JSON.stringify({ token: 'a b&c=d', bad: 'x\r\nX-Evil: 1' }));
    else res.end('{}');
  });
  t.after(() => srv.close());
  const { scenario, exec, recorder } = setup(
    [
      {
        name: 'login',
        method: 'POST',
        url: `${srv.url}/login`,
        captures: [
          { var: 'token', jsonPath: '$.token' },
          { var: 'bad', jsonPath: '$.bad' },
        ],
      },
      { name: 'use', method: 'GET', url: `${srv.url}/use?t=\${token|uri}` },
      { name: 'inject', method: 'GET', url: `${srv.url}/inject`, headers: [{ name: 'x-v', value: '${bad}' }] },
      { name: 'after', method: 'GET', url: `${srv.url}/after` },
    ],
    [{ name: 'flow', weight: 1, steps: [0, 1, 2, 3] }],
  );
  await new Promise<void>((r) => runIteration(exec, scenario.entries[0]!, undefined, () => r()));
  assert.deepEqual(
    seen,
    ['/login', '/use?t=a%20b%26c%3Dd'],
    'the header with CR/LF was never sent, nor what followed it',
  );
  const s = stats(recorder);
  assert.deepEqual(s.login!.checks, [
    { name: 'capture token', passes: 1, fails: 0 },
    { name: 'capture bad', passes: 1, fails: 0 },
  ]);
  assert.equal(s.inject!.dropped, 1);
  assert.equal(s.after!.dropped, 1);
  await exec.close();
});

test('run variables: percent-encoded in a query with |uri, JSON-escaped with |json, raw in a header', () => {
  const { scenario } = setup(
    [
      {
        name: 'a',
        method: 'POST',
        url: 'http://h/p?q=${v|uri}',
        headers: [{ name: 'x', value: 'k=${v}' }],
        body: Buffer.from('{"a":"${v|json}"}'),
      },
    ],
    [],
    [{ name: 'v', value: 'a "b"&c', secret: true }],
  );
  const r = scenario.entries[0]!.steps[0]!;
  assert.equal(r.path, '/p?q=a%20%22b%22%26c');
  assert.equal(r.headers.x, 'k=a "b"&c');
  assert.equal((r.body as Buffer).toString(), '{"a":"a \\"b\\"&c"}');
  assert.deepEqual(JSON.parse((r.body as Buffer).toString()), { a: 'a "b"&c' });
});

test('a captured lone surrogate does not hang the iteration', async (t) => {
  const seen: string[] = [];
  const srv = await server((req, res) => {
    seen.push(req.url!);
    res.setHeader('content-type', 'application/json');
    res.end(req.url === '/a' ? '{"id":"\\ud800x"}' : '{}');
  });
  t.after(() => srv.close());
  const { scenario, exec } = setup(
    [
      { name: 'a', method: 'GET', url: `${srv.url}/a`, captures: [{ var: 'id', jsonPath: '$.id' }] },
      { name: 'b', method: 'GET', url: `${srv.url}/b/\${id}` },
    ],
    [{ name: 'f', weight: 1, steps: [0, 1] }],
  );
  await new Promise<void>((r) => runIteration(exec, scenario.entries[0]!, undefined, () => r()));
  assert.deepEqual(seen, ['/a', '/b/%EF%BF%BDx']);
  await exec.close();
});
