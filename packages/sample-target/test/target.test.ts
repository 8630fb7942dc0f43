// The sample target behaves like the seed's API: JWT login, per-IP fixed
// windows answering 429 with Retry-After, streamed multipart uploads, and
// /__stats counting exactly what it sent.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTarget } from '../src/app.ts';
import { FixedWindowLimiter } from '../src/rate-limiter.ts';

test('fixed window: limit per key, Retry-After until the window ends, reset after', () => {
  let now = 0;
  const l = new FixedWindowLimiter(3, 60_000, () => now);
  assert.deepEqual(
    [1, 2, 3].map(() => l.take('a').allowed),
    [true, true, true],
  );
  now = 15_000;
  assert.deepEqual(l.take('a'), { allowed: false, retryAfterSec: 45, remaining: 0 });
  assert.equal(l.take('b').allowed, true, 'another IP has its own window');
  now = 60_000;
  assert.equal(l.take('a').allowed, true);
});

test('login, protected list, 429 with Retry-After, upload, exact stats', async (t) => {
  const app = buildTarget({ apiLimit: 5, uploadLimit: 1 });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  const post = (path: string, body: unknown) =>
    fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal((await post('/api/auth/login', { username: 'demo', password: 'nope' })).status, 401);
  const login = await post('/api/auth/login', { username: 'demo', password: 'demo' });
  const { access_token } = (await login.json()) as { access_token: string };
  const auth = { authorization: `Bearer ${access_token}` };
  assert.equal((await fetch(`${url}/api/sessions/`)).status, 401, 'no token');
  const list = await fetch(`${url}/api/sessions/`, { headers: auth });
  assert.equal(list.status, 200);
  assert.equal(((await list.json()) as unknown[]).length, 20);
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(100 * 1024)]), 'a.wav');
  const up = await fetch(`${url}/api/sessions/upload`, { method: 'POST', headers: auth, body: form });
  assert.equal(up.status, 201);
  assert.ok(((await up.json()) as { bytes: number }).bytes > 100 * 1024);
  const limited = await fetch(`${url}/api/sessions/`, { headers: auth });
  assert.equal(limited.status, 429, '6th /api request in the window');
  assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
  await limited.arrayBuffer();
  for (const p of ['/health', '/ready', '/live']) assert.equal((await fetch(url + p)).status, 200);
  const stats = (await (await fetch(`${url}/__stats`)).json()) as {
    total: number;
    routes: Record<string, Record<string, number>>;
  };
  assert.equal(stats.total, 9, '2 logins, 3 lists, 1 upload, health, ready, live');
  assert.deepEqual(stats.routes['POST /api/auth/login'], { 200: 1, 401: 1 });
  assert.deepEqual(stats.routes['GET /api/sessions/'], { 200: 1, 401: 1, 429: 1 });
  assert.deepEqual(stats.routes['POST /api/sessions/upload'], { 201: 1 });
});
