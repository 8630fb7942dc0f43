// Setup steps follow redirects by the agents' rules (307 keeps the POST and its
// body, 303 and 302-after-POST turn into a GET without one), count only 2xx as
// success, name the chain when a redirected step fails, and meet the target
// allowlist at every hop. A real node:http server answers on port 0.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { TargetAllowlist } from '@barrage/core';
import { runSetup } from '../src/plan/setup.ts';
import { parseScenario } from '../src/scenario/read.ts';

interface Seen {
  method: string;
  url: string;
  body: string;
  contentType: string | undefined;
  authorization: string | undefined;
}
const seen: Seen[] = [];

function handle(req: IncomingMessage, body: string, res: ServerResponse): unknown {
  seen.push({
    method: req.method!,
    url: req.url!,
    body,
    contentType: req.headers['content-type'],
    authorization: req.headers.authorization,
  });
  const to = (status: number, location: string) => res.writeHead(status, { location }).end('moved');
  const json = (v: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(v));
  if (req.url!.startsWith('/secret/')) return to(302, `/missing?${req.url!.split('?')[1]}`);
  switch (req.url) {
    case '/api/auth/login':
      return to(307, '/api/auth/login/');
    case '/api/auth/login/':
      return req.method === 'POST' && body === '{"user":"demo"}' ? json({ access_token: 't307' }) : json({});
    case '/old-login':
      return to(302, '/missing');
    case '/see-other':
      return to(303, '/result?x=1');
    case '/result?x=1':
      return json({ access_token: req.method === 'GET' && body === '' ? 't303' : 'wrong' });
    case '/to-metadata':
      return to(307, 'http://169.254.169.254/latest/meta-data/');
    case '/cross':
      return to(307, `${other}/api/auth/login/`);
    case '/found':
      return to(302, '/found');
    default:
      res.writeHead(404).end('not found');
  }
}

const onRequest = (req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
};
const server = createServer(onRequest);
// Another port is another origin: a hop there must leave authorization behind.
const otherServer = createServer(onRequest);
let base = '';
let other = '';
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => otherServer.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  other = `http://127.0.0.1:${(otherServer.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
  otherServer.close();
});

const scenario = (step: string) =>
  parseScenario(`
name: s
baseUrl: http://127.0.0.1:1
setup:
  - ${step}
requests:
  - { name: a, path: /a, headers: { authorization: 'Bearer \${token}' } }
scenarios:
  - { name: m, executor: shared-iterations, vus: 1, iterations: 1 }
`);
const tokenOf = (vars: Array<{ name: string; value: string }>) => vars.find((v) => v.name === 'token')?.value;

test('a login that 307s to its real path resends the POST and body, and its capture works', async () => {
  seen.length = 0;
  const s = scenario(
    `{ name: login, method: POST, path: /api/auth/login, json: { user: demo }, capture: { token: $.access_token } }`,
  );
  const vars = await runSetup(s, base, {});
  assert.equal(tokenOf(vars), 't307');
  assert.deepEqual(
    seen.map((r) => `${r.method} ${r.url} ${r.body}`),
    ['POST /api/auth/login {"user":"demo"}', 'POST /api/auth/login/ {"user":"demo"}'],
  );
  assert.equal(seen[1]!.contentType, 'application/json');
});

test('a 302 to a 404 fails with CTRL_SETUP_FAILED naming the chain', async () => {
  const s = scenario(`{ name: login, method: POST, path: /old-login, json: { user: demo }, capture: { token: $.t } }`);
  await assert.rejects(runSetup(s, base, {}), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'CTRL_SETUP_FAILED');
    assert.match(err.message, /setup step login failed: POST \/old-login → 302 → GET \/missing answered 404$/);
    return true;
  });
});

test('the chain never shows a run variable filled in', async () => {
  const s = scenario(
    `{ name: login, path: '/secret/\${env:SECRET}', query: { k: '\${env:SECRET}' }, capture: { token: $.t } }`,
  );
  await assert.rejects(runSetup(s, base, { SECRET: 's3cret' }), (err: Error) => {
    assert.match(err.message, /GET \/secret\/\$\{env:SECRET\} → 302 → \/missing answered 404$/);
    assert.doesNotMatch(err.message, /s3cret/);
    return true;
  });
});

test('a 303 after a POST becomes a GET without body or content headers', async () => {
  seen.length = 0;
  const s = scenario(
    `{ name: login, method: POST, path: /see-other, json: { user: demo }, capture: { token: $.access_token } }`,
  );
  assert.equal(tokenOf(await runSetup(s, base, {})), 't303');
  assert.equal(seen[1]!.method, 'GET');
  assert.equal(seen[1]!.body, '');
  assert.equal(seen[1]!.contentType, undefined);
});

test('a cross-origin hop keeps the POST and body but drops authorization', async () => {
  seen.length = 0;
  const s = scenario(
    `{ name: login, method: POST, path: /cross, headers: { authorization: Bearer x }, json: { user: demo }, capture: { token: $.access_token } }`,
  );
  assert.equal(tokenOf(await runSetup(s, base, {})), 't307');
  assert.deepEqual(
    seen.map((r) => r.authorization),
    ['Bearer x', undefined],
  );
});

test('a redirect the allowlist refuses fails before it is followed', async () => {
  seen.length = 0;
  const s = scenario(`{ name: login, path: /to-metadata, capture: { token: $.t } }`);
  await assert.rejects(
    runSetup(s, base, {}, new TargetAllowlist(['127.0.0.1'])),
    /setup step login failed: GET \/to-metadata → 307 → http:\/\/169\.254\.169\.254\/latest\/meta-data\/ refused: .*169\.254\.169\.254/,
  );
  assert.equal(seen.length, 1);
});

test('a redirect loop stops after 10 redirects, its last 3xx unexpected', async () => {
  seen.length = 0;
  const s = scenario(`{ name: login, path: /found, capture: { token: $.t } }`);
  await assert.rejects(runSetup(s, base, {}), /GET \/found( → 302 → \/found){10} answered 302$/);
  assert.equal(seen.length, 11);
});

test('a step that was not redirected still fails as HTTP <status>', async () => {
  const s = scenario(`{ name: login, path: /nowhere, capture: { token: $.t } }`);
  await assert.rejects(runSetup(s, base, {}), /setup step login failed: HTTP 404$/);
});
