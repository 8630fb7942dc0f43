// Cookie sessions through real controller and agent processes, against a small
// node:http server in the test: POST /login sets `sid`, GET /me needs it. Each
// VU keeps its own jar, so a login-then-me flow works without writing a Cookie
// header; a cookie set on a redirect hop is kept for the next hop; a capture
// reads a cookie; `cookies: false` turns the jar off (and /me answers 401). A
// VU's jar lasts its whole run; an open-model arrival starts with an empty one.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli } from '../helpers/processes.ts';

const scenario = `
name: cookies
baseUrl: http://127.0.0.1:1
requests:
  - { name: login, method: POST, path: /login, expect: [204], capture: { sid: { cookie: sid } } }
  - name: me
    path: /me
    expect: [200]
    checks: [{ name: own session, header: x-session }]
  - { name: login-then-me, method: POST, path: '/login?next=/me', expect: [200] }
  - { name: login-off, method: POST, path: /login, expect: [204] }
  - { name: me-off, path: /me, expect: [401] }
  - { name: visit, path: /count, expect: [200] }
  - { name: visit-open, path: '/count?open=1', expect: [200] }
flows:
  - { name: session, steps: [login, me] }
  - { name: session-off, steps: [login-off, me-off] }
scenarios:
  - { name: jar, executor: per-vu-iterations, vus: 3, iterations: 2, flows: [session] }
  - { name: redirect, executor: shared-iterations, vus: 2, iterations: 4, requests: [login-then-me] }
  - { name: off, executor: shared-iterations, vus: 1, iterations: 3, cookies: false, flows: [session-off] }
  - { name: returning, executor: per-vu-iterations, vus: 2, iterations: 3, requests: [visit] }
  - { name: arrivals, executor: constant-arrival-rate, rate: 4, duration: 1s, requests: [visit-open] }
`;

test('a cookie login works without a Cookie header: per-VU jars, Set-Cookie on a redirect hop, cookie captures, cookies: false', async (t) => {
  const sessions = new Set<string>();
  const seen = { logins: 0, me: 0, meWithout: 0, meUnknown: 0 };
  // Visits by the count the visitor's cookie said it had made before: a jar kept across iterations counts up.
  const visits: Record<string, Record<number, number>> = { closed: {}, open: {} };
  const srv = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      if (req.method === 'POST' && url.pathname === '/login') {
        seen.logins++;
        const sid = randomUUID();
        sessions.add(sid);
        const cookie = `sid=${sid}; Path=/; HttpOnly`;
        const next = url.searchParams.get('next');
        if (next) res.writeHead(303, { 'set-cookie': cookie, location: next }).end();
        else res.writeHead(204, { 'set-cookie': [cookie, 'theme=dark; Path=/'] }).end();
        return;
      }
      if (url.pathname === '/count') {
        const n = Number(/(?:^|; )n=(\d+)/.exec(req.headers.cookie ?? '')?.[1] ?? 0);
        const by = visits[url.searchParams.has('open') ? 'open' : 'closed']!;
        by[n] = (by[n] ?? 0) + 1;
        res.writeHead(200, { 'set-cookie': `n=${n + 1}; Path=/count; Max-Age=600` }).end();
        return;
      }
      if (url.pathname === '/me') {
        const sid = /(?:^|; )sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
        if (sid === undefined) seen.meWithout++;
        else if (!sessions.has(sid)) seen.meUnknown++;
        else {
          seen.me++;
          res.writeHead(200, { 'x-session': sid }).end('{}');
          return;
        }
        res.writeHead(401).end();
        return;
      }
      res.writeHead(404).end();
    });
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.after(() => {
    srv.closeAllConnections();
    srv.close();
  });
  const dir = mkdtempSync(join(tmpdir(), 'barrage-cookies-'));
  writeFileSync(join(dir, 'cookies.yaml'), scenario);
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 'cookies.yaml'),
    '--target',
    `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    '--local-agents',
    '2',
    '--out',
    join(dir, 'out.json'),
    '--db',
    join(dir, 'runs.db'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  // 6 flow iterations: each /me carried the session its own VU's login set.
  assert.deepEqual(s.requests.login!.status, { 204: 6 });
  assert.deepEqual(s.requests.login!.checks, { 'capture sid': { passes: 6, fails: 0 } });
  assert.deepEqual(s.requests.me!.status, { 200: 6 }, r.stderr);
  assert.deepEqual(s.requests.me!.checks, { 'own session': { passes: 6, fails: 0 } });
  // The redirect hop carried the cookie its 303 set.
  assert.deepEqual(s.requests['login-then-me']!.status, { 200: 4 });
  assert.equal(s.requests['login-then-me']!.redirects, 4);
  // No jar: the target never saw a cookie from that model.
  assert.deepEqual(s.requests['me-off']!.status, { 401: 3 });
  assert.equal(s.requests['me-off']!.ok, 3);
  assert.deepEqual(seen, { logins: 6 + 4 + 3, me: 6 + 4, meWithout: 3, meUnknown: 0 });
  // A closed-model VU keeps its jar across its iterations; each open-model arrival starts with none.
  assert.deepEqual(visits, { closed: { 0: 2, 1: 2, 2: 2 }, open: { 0: 4 } });
});
