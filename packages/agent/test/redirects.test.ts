// Redirects through the Requester against real HTTP servers on port 0: followed
// up to the request's limit as one request (one latency sample over the whole
// chain), counted, the first one noted; methods and bodies as browsers resend
// them; credentials dropped and the allowlists obeyed on a hop to another origin.
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

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  bytes: number;
}

/** A server that records every request (method, path, headers, body) before `handler` answers it. */
async function server(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const seen: Seen[] = [];
  const s = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const bytes = Buffer.concat(chunks);
      const body = bytes.toString('utf8');
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, bytes: bytes.length });
      handler(req, res, body);
    });
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((r) => {
        s.closeAllConnections();
        s.close(r);
      }),
  };
}

/** Keeps each response's latency as recorded (the wire histogram is checked elsewhere). */
class LatencyRecorder extends Recorder {
  readonly latenciesUs: number[] = [];
  override recordResponse(
    name: number,
    latencyUs: number,
    ...rest: [number, number, boolean, boolean, number, number, number]
  ) {
    this.latenciesUs.push(latencyUs);
    super.recordResponse(name, latencyUs, ...rest);
  }
}

/** Fires one request once and returns its interval stats. */
async function fireOnce(
  spec: barrage.v1.RequestSpec.$Properties,
  opts: { redirectRefused?: (host: string) => string | undefined } = {},
) {
  const names: string[] = [];
  const [scenario] = prepareAssignment(
    {
      runId: 'r',
      scenarios: [
        {
          name: 's',
          executor: barrage.v1.Executor.EXECUTOR_CONSTANT_VUS,
          vus: 1,
          durationMs: 1000,
          requests: [{ name: 'req', method: 'GET', ...spec }],
        },
      ],
    },
    names,
  );
  const recorder = new LatencyRecorder(names);
  const exec = new Requester({
    allowH2: false,
    connections: 1,
    recorder,
    log: new CompletionLog(),
    clock: systemClock,
    redirectRefused: opts.redirectRefused,
  });
  const finished = new Promise<void>((r) => {
    assert.equal(
      exec.fire(scenario!.entries[0]!.steps[0]!, new Map(), () => r()),
      true,
    );
  });
  await finished;
  await exec.close();
  const [stats] = recorder.snapshot();
  return { stats: stats!, latenciesUs: recorder.latenciesUs };
}

const statusOf = (s: barrage.v1.RequestStats.$Properties) => (s.status ?? []).map((c) => [c.status, c.count]);

/** FastAPI's redirect_slashes: the path without its slash answers 307 to the path with it. */
const trailingSlash = (req: IncomingMessage, res: ServerResponse) => {
  if (req.url === '/api/sessions') res.writeHead(307, { location: '/api/sessions/' }).end();
  else res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
};

test('a path without its trailing slash is followed through the 307 to the real route: one ok request, one redirect, noted', async (t) => {
  const srv = await server(trailingSlash);
  t.after(() => srv.close());
  const { stats } = await fireOnce({ url: `${srv.url}/api/sessions`, maxRedirects: 10 });
  assert.deepEqual(
    srv.seen.map((s) => `${s.method} ${s.url}`),
    ['GET /api/sessions', 'GET /api/sessions/'],
  );
  assert.deepEqual(statusOf(stats), [[200, 1]], 'one request, answered by the real route');
  assert.equal(stats.ok, 1);
  assert.equal(stats.failed, 0);
  assert.equal(stats.redirects, 1);
  assert.deepEqual(stats.firstRedirect, {
    method: 'GET',
    url: `${srv.url}/api/sessions`,
    status: 307,
    location: '/api/sessions/',
  });
});

test('with redirects: 0 the 307 is the answer and not ok, unless expect lists it', async (t) => {
  const srv = await server(trailingSlash);
  t.after(() => srv.close());
  const off = await fireOnce({ url: `${srv.url}/api/sessions`, maxRedirects: 0 });
  assert.deepEqual(statusOf(off.stats), [[307, 1]]);
  assert.equal(off.stats.ok, 0);
  assert.equal(off.stats.failed, 1, 'a 3xx is no longer ok by default');
  assert.equal(off.stats.redirects, 0);
  assert.equal(off.stats.firstRedirect, null);
  const listed = await fireOnce({ url: `${srv.url}/api/sessions`, maxRedirects: 0, expectStatus: [307] });
  assert.equal(listed.stats.ok, 1);
  assert.equal(listed.stats.failed, 0);
  assert.equal(srv.seen.length, 2, 'the real route was never asked');
});

test('a chain of 11 redirects stops at 10: the 11th 302 is the answer', async (t) => {
  const srv = await server((req, res) => {
    const n = Number(req.url!.split('/')[2]);
    res.writeHead(302, { location: `/hop/${n + 1}` }).end('moved');
  });
  t.after(() => srv.close());
  const { stats, latenciesUs } = await fireOnce({ url: `${srv.url}/hop/0`, maxRedirects: 10 });
  assert.equal(srv.seen.length, 11, 'the first request and 10 redirects');
  assert.equal(srv.seen.at(-1)!.url, '/hop/10');
  assert.deepEqual(statusOf(stats), [[302, 1]]);
  assert.equal(stats.failed, 1);
  assert.equal(stats.redirects, 10);
  assert.equal(latenciesUs.length, 1, 'one request, one latency sample');
  assert.equal(stats.bytesReceived, 11 * 'moved'.length, "every hop's body is counted");
});

test("a chain's latency covers every hop: at least the sum of the server's delays", async (t) => {
  const delays: Record<string, number> = { '/a': 60, '/b': 80, '/c': 100 };
  const srv = await server((req, res) => {
    const next = req.url === '/a' ? '/b' : req.url === '/b' ? '/c' : null;
    setTimeout(() => {
      if (next === null) res.end('done');
      else res.writeHead(301, { location: next }).end();
    }, delays[req.url!]);
  });
  t.after(() => srv.close());
  const { stats, latenciesUs } = await fireOnce({ url: `${srv.url}/a`, maxRedirects: 10 });
  assert.equal(stats.redirects, 2);
  assert.equal(stats.ok, 1);
  assert.equal(latenciesUs.length, 1);
  assert.ok(latenciesUs[0]! >= 240_000, `${latenciesUs[0]} us covers 60 + 80 + 100 ms`);
});

test('303 after a POST becomes a GET without a body; 307 and 308 resend the method and body', async (t) => {
  const srv = await server((req, res) => {
    if (req.url === '/see-other') res.writeHead(303, { location: '/result' }).end();
    else if (req.url === '/temporary') res.writeHead(307, { location: '/result' }).end();
    else if (req.url === '/permanent') res.writeHead(308, { location: '/result' }).end();
    else res.end('ok');
  });
  t.after(() => srv.close());
  const body = Buffer.from('{"a":1}');
  const headers = [{ name: 'content-type', value: 'application/json' }];
  const post = { method: 'POST', headers, body, maxRedirects: 10 };
  const see = await fireOnce({ ...post, url: `${srv.url}/see-other` });
  const [, after303] = srv.seen.splice(0);
  assert.equal(after303!.method, 'GET');
  assert.equal(after303!.body, '');
  assert.equal(after303!.headers['content-type'], undefined, 'content headers go with the body');
  assert.equal(see.stats.bytesSent, body.length, 'the body was sent once');
  for (const path of ['/temporary', '/permanent']) {
    const r = await fireOnce({ ...post, url: `${srv.url}${path}` });
    const [first, again] = srv.seen.splice(0);
    assert.equal(first!.body, '{"a":1}');
    assert.deepEqual(
      [again!.method, again!.body, again!.headers['content-type']],
      ['POST', '{"a":1}', 'application/json'],
    );
    assert.equal(r.stats.bytesSent, 2 * body.length, `${path}: the body went twice`);
    assert.equal(r.stats.ok, 1);
  }
});

test('a generated upload is streamed again on a 307', async (t) => {
  const srv = await server((req, res) => {
    if (req.url === '/upload') res.writeHead(307, { location: '/upload/' }).end();
    else res.end('stored');
  });
  t.after(() => srv.close());
  const { stats } = await fireOnce({
    url: `${srv.url}/upload`,
    method: 'POST',
    maxRedirects: 10,
    multipart: { field: 'file', filename: 'a.bin', contentType: 'application/octet-stream', size: 100_000 },
  });
  const [first, again] = srv.seen;
  assert.equal(again!.method, 'POST');
  assert.equal(again!.url, '/upload/');
  assert.ok(first!.bytes > 100_000);
  assert.equal(again!.bytes, first!.bytes, 'the whole upload again');
  assert.equal(stats.bytesSent, 2 * first!.bytes);
  assert.equal(stats.ok, 1);
});

test('a redirect to another origin drops Authorization; one to a host the allowlists refuse is not followed', async (t) => {
  const other = await server((_req, res) => res.end('there'));
  t.after(() => other.close());
  const srv = await server((req, res) => {
    if (req.url === '/away') res.writeHead(302, { location: `${other.url}/landing` }).end();
    else if (req.url === '/forbidden') res.writeHead(302, { location: 'http://127.0.0.2:9/x' }).end();
    else res.end();
  });
  t.after(() => srv.close());
  const headers = [
    { name: 'authorization', value: 'Bearer secret' },
    { name: 'x-trace', value: 't1' },
  ];
  const away = await fireOnce({ url: `${srv.url}/away`, headers, maxRedirects: 10 });
  assert.equal(srv.seen[0]!.headers.authorization, 'Bearer secret');
  assert.equal(other.seen.length, 1);
  assert.equal(other.seen[0]!.headers.authorization, undefined, 'credentials stay with their origin');
  assert.equal(other.seen[0]!.headers['x-trace'], 't1');
  assert.equal(away.stats.ok, 1);
  assert.equal(away.stats.redirects, 1);

  const refusedHosts: string[] = [];
  const refuse = (host: string) => {
    if (host !== '127.0.0.2') return undefined;
    refusedHosts.push(host);
    return 'not in the allowlist';
  };
  const forbidden = await fireOnce({ url: `${srv.url}/forbidden`, maxRedirects: 10 }, { redirectRefused: refuse });
  assert.deepEqual(refusedHosts, ['127.0.0.2']);
  assert.deepEqual(statusOf(forbidden.stats), [[302, 1]], 'the 302 is the answer');
  assert.equal(forbidden.stats.failed, 1);
  assert.equal(forbidden.stats.redirects, 0);
});
