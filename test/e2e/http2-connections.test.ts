// HTTP/2 and connection control end to end, against node:http2 and node:http
// servers on port 0 that count what they served, with a real controller and
// agent: h2 by ALPN (a certificate made here by openssl) and h2c with prior
// knowledge answer every request over HTTP/2, counts equal the server's and the
// summary says h2; keepAlive: false opens one connection per request (at the
// target and in barrage's count); pipelining: 10 and connections: perVU keep
// their counts exact.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createH2cServer, createSecureServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli } from '../helpers/processes.ts';

const noOpenssl = spawnSync('openssl', ['version']).error === undefined ? false : 'openssl is not installed';

/** A self-signed certificate for 127.0.0.1. */
function selfSigned(dir: string) {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'key.pem',
      '-out',
      'cert.pem',
      '-days',
      '2',
      '-subj',
      '/CN=h2 test',
      '-addext',
      'subjectAltName = IP:127.0.0.1',
    ],
    { cwd: dir, stdio: 'pipe' },
  );
  return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
}

/** Counts of what a server served: requests (h2: streams), connections (h2: sessions). */
interface Served {
  requests: number;
  connections: number;
  versions: Set<string>;
}

async function listen(server: Server | Http2Server, served: Served) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, served, close: () => server.close() };
}

async function h2Target(tls: { key: Buffer; cert: Buffer } | null) {
  const served: Served = { requests: 0, connections: 0, versions: new Set() };
  const server = tls === null ? createH2cServer() : createSecureServer({ ...tls, allowHTTP1: false });
  server.on('session', () => served.connections++);
  server.on('stream', (stream, headers) => {
    served.requests++;
    served.versions.add('2');
    // A little work, so latency is more than nothing.
    setTimeout(() => {
      if (stream.destroyed) return;
      stream.respond({ ':status': 200, 'content-type': 'text/plain' });
      stream.end(`ok ${headers[':path']}`);
    }, 2);
  });
  return listen(server, served);
}

/** An HTTP/1.1 server; `delayMs` holds each answer, so pipelined requests overlap on a socket (`deepest`). */
async function h1Target(delayMs = 0) {
  const served: Served = { requests: 0, connections: 0, versions: new Set() };
  const open = new WeakMap<object, number>();
  let deepest = 0;
  const server = createHttpServer((req, res) => {
    served.requests++;
    served.versions.add(req.httpVersion);
    const n = (open.get(req.socket) ?? 0) + 1;
    open.set(req.socket, n);
    deepest = Math.max(deepest, n);
    setTimeout(() => {
      open.set(req.socket, (open.get(req.socket) ?? 1) - 1);
      res.end('ok');
    }, delayMs);
  });
  server.on('connection', () => served.connections++);
  return { ...(await listen(server, served)), deepest: () => deepest };
}

async function run(dir: string, name: string, text: string) {
  writeFileSync(join(dir, `${name}.yaml`), text);
  const out = join(dir, `${name}.json`);
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, `${name}.yaml`),
    '--local-agents',
    '1',
    '--out',
    out,
    '--db',
    join(dir, `${name}.db`),
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return { ...r, s: JSON.parse(readFileSync(out, 'utf8')) as Summary };
}

const scenario = (base: string, request: string, model: string, extra = '') => `
name: h2
baseUrl: ${base}
${extra}
requests:
  - { name: get, path: /x ${request} }
scenarios:
  - { name: burst, executor: shared-iterations, vus: 8, iterations: 200 ${model} }
`;

function assertSane(s: Summary, n: number) {
  const q = s.requests.get!;
  assert.equal(q.ok, n);
  assert.equal(q.requests, n);
  const l = q.latencyMs;
  assert.ok(l.min > 0 && l.min <= l.p50 && l.p50 <= l.p99 && l.p99 <= l.max, JSON.stringify(l));
  assert.ok(l.max < 10_000, `max ${l.max} ms`);
}

test('h2 by ALPN: every answer over HTTP/2, counts equal the server streams', { skip: noOpenssl }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-h2-'));
  const tls = selfSigned(dir);
  const target = await h2Target(tls);
  t.after(() => target.close());
  const r = await run(
    dir,
    'alpn',
    scenario(`https://127.0.0.1:${target.port}`, '', ', http: 2, maxStreams: 4', 'tls: { ca: cert.pem }'),
  );
  assertSane(r.s, 200);
  assert.equal(target.served.requests, 200);
  assert.deepEqual(r.s.requests.get!.protocols, { h2: 200 });
  // Multiplexed: far fewer connections than requests, and barrage counted the same ones.
  assert.ok(target.served.connections >= 1 && target.served.connections <= 8, `${target.served.connections}`);
  assert.equal(r.s.run.connectionsOpened, target.served.connections);
  assert.match(r.stdout, /\bh2\b/);
});

test('h2c with prior knowledge on http://: counts equal, protocol h2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-h2c-'));
  const target = await h2Target(null);
  t.after(() => target.close());
  const r = await run(dir, 'h2c', scenario(`http://127.0.0.1:${target.port}`, ', http: 2', ''));
  assertSane(r.s, 200);
  assert.equal(target.served.requests, 200);
  assert.deepEqual(r.s.requests.get!.protocols, { h2: 200 });
  assert.equal(r.s.run.connectionsOpened, target.served.connections);
});

test('HTTP/1.1 by default: protocol h1, no h2 column', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-h1-'));
  const target = await h1Target();
  t.after(() => target.close());
  const r = await run(dir, 'h1', scenario(`http://127.0.0.1:${target.port}`, '', ', connections: 2'));
  assertSane(r.s, 200);
  assert.deepEqual(r.s.requests.get!.protocols, { h1: 200 });
  assert.deepEqual([...target.served.versions], ['1.1']);
  assert.equal(target.served.connections, 2);
  assert.equal(r.s.run.connectionsOpened, 2);
  assert.doesNotMatch(r.stdout.split('\n').find((l) => l.startsWith('request')) ?? '', /\bh2\b/);
});

test('keepAlive: false opens one connection per request, at the target and in the summary', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-nokeepalive-'));
  const target = await h1Target();
  t.after(() => target.close());
  const r = await run(dir, 'close', scenario(`http://127.0.0.1:${target.port}`, '', ', keepAlive: false'));
  assertSane(r.s, 200);
  assert.equal(target.served.requests, 200);
  assert.equal(target.served.connections, 200);
  assert.equal(r.s.run.connectionsOpened, 200);
  assert.equal(r.s.run.agents[0]!.connectionsOpened, 200);
});

test('pipelining: 10 and connections: perVU keep counts exact', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-pipelining-'));
  const target = await h1Target(5);
  t.after(() => target.close());
  const piped = await run(
    dir,
    'piped',
    scenario(`http://127.0.0.1:${target.port}`, '', ', connections: 2, pipelining: 10'),
  );
  assertSane(piped.s, 200);
  assert.equal(target.served.requests, 200);
  assert.equal(target.served.connections, 2);
  // 8 VUs on 2 connections: requests were pipelined (more than one in flight on a socket).
  assert.ok(target.deepest() > 1, `deepest ${target.deepest()}`);
  const before = target.served.connections;
  const perVu = await run(dir, 'per-vu', scenario(`http://127.0.0.1:${target.port}`, '', ', connections: perVU'));
  assertSane(perVu.s, 200);
  assert.equal(target.served.requests, 400);
  // Each of the 8 VUs its own kept-alive connection.
  assert.equal(target.served.connections - before, 8);
  assert.equal(perVu.s.run.connectionsOpened, 8);
});
