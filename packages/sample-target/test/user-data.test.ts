// Per-user data: each user's own session list, items whose client-given key
// is unique (409 on a repeat, counted per user), and FastAPI's 307 from a
// path without its trailing slash, counted in /__stats like any route.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleUsers } from '../src/users.ts';
import { bearer, startTarget } from './helpers.ts';

test('GET /api/me/sessions/ lists only the caller’s own sessions, the same each time', async (t) => {
  const r = await startTarget(t);
  const [a, b] = sampleUsers();
  const tokenA = await bearer(r, a!.username, a!.password);
  const tokenB = await bearer(r, b!.username, b!.password);
  const listA = (await (await r.get('/api/me/sessions/', tokenA)).json()) as Array<{ id: number; owner: string }>;
  const listB = (await (await r.get('/api/me/sessions/', tokenB)).json()) as Array<{ id: number; owner: string }>;
  assert.ok(listA.length > 0);
  assert.ok(listA.every((s) => s.owner === a!.username));
  assert.ok(listB.every((s) => s.owner === b!.username));
  const ids = new Set([...listA, ...listB].map((s) => s.id));
  assert.equal(ids.size, listA.length + listB.length, 'no session is in two users’ lists');
  assert.deepEqual(await (await r.get('/api/me/sessions/', tokenA)).json(), listA);
  assert.equal((await r.get('/api/me/sessions/')).status, 401);
});

test('POST /api/items/: 201 for a new key, 409 for a key already taken (by anyone), counted per user', async (t) => {
  const r = await startTarget(t);
  const [a, b] = sampleUsers();
  const tokenA = await bearer(r, a!.username, a!.password);
  const tokenB = await bearer(r, b!.username, b!.password);
  const created = await r.post('/api/items/', { key: 'k-1', note: 'x' }, tokenA);
  assert.equal(created.status, 201);
  assert.deepEqual(await created.json(), { id: 1, key: 'k-1', owner: a!.username });
  assert.equal((await r.post('/api/items/', { key: 'k-2' }, tokenA)).status, 201);
  const dupSame = await r.post('/api/items/', { key: 'k-1' }, tokenA);
  assert.equal(dupSame.status, 409);
  assert.deepEqual(await dupSame.json(), { detail: 'An item with this key already exists', key: 'k-1' });
  assert.equal((await r.post('/api/items/', { key: 'k-2' }, tokenB)).status, 409, 'keys are unique across users');
  assert.equal((await r.post('/api/items/', { key: 'k-3' }, tokenB)).status, 201);
  for (const body of [{}, { key: '' }, { key: 7 }, { key: 'x'.repeat(201) }])
    assert.equal((await r.post('/api/items/', body, tokenB)).status, 422, JSON.stringify(body));
  assert.equal((await r.post('/api/items/', { key: 'k-4' })).status, 401);
  const s = await r.stats();
  assert.deepEqual(s.users[a!.username], { logins: 1, requests: 3, created: 2, duplicates: 1 });
  assert.deepEqual(s.users[b!.username], { logins: 1, requests: 6, created: 1, duplicates: 1 });
  assert.deepEqual(s.routes['POST /api/items/'], { 201: 3, 409: 2, 422: 4, 401: 1 });
});

test('GET /api/sessions (no slash) is 307 to /api/sessions/, as FastAPI answers; counted under its own path', async (t) => {
  const r = await startTarget(t);
  const auth = await bearer(r, 'demo', 'demo');
  const redirect = await r.get('/api/sessions', auth);
  assert.equal(redirect.status, 307);
  assert.equal(redirect.headers.get('location'), '/api/sessions/');
  const withQuery = await r.get('/api/sessions?page=2', auth);
  assert.equal(withQuery.headers.get('location'), '/api/sessions/?page=2');
  const followed = await fetch(`${r.url}/api/sessions`, { headers: auth });
  assert.equal(followed.status, 200, 'a client that follows lands on the list');
  assert.equal(((await followed.json()) as unknown[]).length, 20);
  const post = await r.post('/api/items', { key: 'via-redirect' }, auth);
  assert.equal(post.status, 307, 'the method is kept: POST redirects too');
  assert.equal(post.headers.get('location'), '/api/items/');
  assert.equal((await r.get('/api/nothing-here')).status, 404);
  assert.equal((await r.get('/api/sessions/upload')).status, 404, 'only a route for the same method counts');
  const s = await r.stats();
  assert.deepEqual(s.routes['GET /api/sessions'], { 307: 3 });
  assert.deepEqual(s.routes['GET /api/sessions/'], { 200: 1 });
  assert.deepEqual(s.routes['POST /api/items'], { 307: 1 });
  assert.deepEqual(s.routes['GET /api/nothing-here'], { 404: 1 });
  assert.equal(s.users.demo?.requests, 1, 'a redirect is not an authenticated request');
});
