// Tokens that expire (--token-ttl), judged on the target's injected clock, and
// the cookie login: an HttpOnly sid cookie that authenticates like the token.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SESSION_COOKIE } from '../src/auth.ts';
import { spawnTarget } from '../src/spawn.ts';
import { sampleUsers } from '../src/users.ts';
import { bearer, startTarget } from './helpers.ts';

test('a token is accepted until its ttl, then 401 "Token expired" with WWW-Authenticate, counted per route', async (t) => {
  let now = 1_700_000_000_500;
  const r = await startTarget(t, { tokenTtlMs: 2_000, now: () => now });
  const [u] = sampleUsers();
  const auth = await bearer(r, u!.username, u!.password);
  const payload = JSON.parse(Buffer.from(auth.authorization!.split('.')[1]!, 'base64url').toString()) as {
    sub: string;
    exp: number;
  };
  assert.equal(payload.sub, u!.username);
  assert.equal(payload.exp, 1_700_000_002.5, 'exp is issue time + ttl, to the millisecond');
  now += 1_999;
  assert.equal((await r.get('/api/sessions/', auth)).status, 200, '1 ms before expiry');
  now += 1;
  const expired = await r.get('/api/sessions/', auth);
  assert.equal(expired.status, 401);
  assert.deepEqual(await expired.json(), { detail: 'Token expired' });
  assert.match(expired.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
  assert.equal((await r.get('/api/me', auth)).status, 401);
  const fresh = await bearer(r, u!.username, u!.password);
  assert.equal((await r.get('/api/sessions/', fresh)).status, 200, 'a new login gives a working token');
  const s = await r.stats();
  assert.deepEqual(s.routes['GET /api/sessions/'], { 200: 2, 401: 1 });
  assert.deepEqual(s.routes['GET /api/me'], { 401: 1 });
  assert.deepEqual(s.users[u!.username], { logins: 2, requests: 2, created: 0, duplicates: 0 });
});

test('the default ttl is an hour', async (t) => {
  let now = 0;
  const r = await startTarget(t, { now: () => now });
  const auth = await bearer(r, 'demo', 'demo');
  now = 3_600_000 - 1;
  assert.equal((await r.get('/api/sessions/', auth)).status, 200);
  now = 3_600_000;
  assert.equal((await r.get('/api/sessions/', auth)).status, 401);
});

test('cookie login sets an HttpOnly sid cookie for Path=/; /api/me takes the cookie or the Bearer token', async (t) => {
  const r = await startTarget(t);
  const [, u] = sampleUsers();
  const bad = await r.post('/api/auth/cookie-login', { username: u!.username, password: 'wrong' });
  assert.equal(bad.status, 401);
  assert.equal(bad.headers.get('set-cookie'), null);
  const login = await r.post('/api/auth/cookie-login', { username: u!.username, password: u!.password });
  assert.equal(login.status, 200);
  assert.deepEqual(await login.json(), { status: 'logged in', username: u!.username });
  const setCookie = login.headers.get('set-cookie') ?? '';
  const m = new RegExp(`^${SESSION_COOKIE}=([^;]+); (.*)$`).exec(setCookie);
  assert.ok(m, setCookie);
  const attrs = m[2]!.split('; ');
  assert.ok(attrs.includes('Path=/') && attrs.includes('HttpOnly'), setCookie);
  const cookie = { cookie: `theme=dark; ${SESSION_COOKIE}=${m[1]}` };
  const me = await r.get('/api/me', cookie);
  assert.equal(me.status, 200);
  assert.deepEqual(await me.json(), { username: u!.username });
  assert.equal((await r.get('/api/me/sessions/', cookie)).status, 200, 'the cookie works on every protected route');
  assert.equal((await r.get('/api/me')).status, 401, 'neither cookie nor token');
  assert.equal((await r.get('/api/me', { cookie: `${SESSION_COOKIE}=forged` })).status, 401);
  const viaToken = await r.get('/api/me', await bearer(r, 'demo', 'demo'));
  assert.deepEqual(await viaToken.json(), { username: 'demo' });
  const s = await r.stats();
  assert.deepEqual(s.routes['POST /api/auth/cookie-login'], { 200: 1, 401: 1 });
  assert.deepEqual(s.routes['GET /api/me'], { 200: 2, 401: 2 });
  assert.deepEqual(s.users[u!.username], { logins: 1, requests: 2, created: 0, duplicates: 0 });
});

test('the cookie expires with the token ttl', async (t) => {
  let now = 0;
  const r = await startTarget(t, { tokenTtlMs: 500, now: () => now });
  const login = await r.post('/api/auth/cookie-login', { username: 'demo', password: 'demo' });
  const cookie = { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0]! };
  assert.equal((await r.get('/api/me', cookie)).status, 200);
  now = 500;
  assert.equal((await r.get('/api/me', cookie)).status, 401);
});

test('the CLI takes --token-ttl (spawnTarget tokenTtl): 0s tokens are expired at once, the default lasts', async (t) => {
  const short = await spawnTarget([], { tokenTtl: '0s' });
  t.after(() => short.stop());
  const long = await spawnTarget();
  t.after(() => long.stop());
  for (const [target, status] of [
    [short, 401],
    [long, 200],
  ] as const) {
    const login = await fetch(`${target.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'user500', password: sampleUsers()[499]!.password }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const me = await fetch(`${target.url}/api/me`, { headers: { authorization: `Bearer ${access_token}` } });
    assert.equal(me.status, status);
    await me.arrayBuffer();
  }
  const s = await short.stats();
  assert.deepEqual(s.routes['GET /api/me'], { 401: 1 });
  assert.deepEqual(s.users.user500, { logins: 1, requests: 0, created: 0, duplicates: 0 });
});
