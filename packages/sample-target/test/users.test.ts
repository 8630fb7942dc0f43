// The 500 accounts: the bundled CSV is exactly what the target accepts, every
// one of them logs in, and /__stats counts logins and requests per known user
// (nobody else: wrong passwords and strangers leave no entry).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { USERS_CSV } from '../scripts/make-users.ts';
import { sampleUsers, sampleUsersCsv } from '../src/users.ts';
import { bearer, startTarget } from './helpers.ts';

test('the bundled users-500.csv is what scripts/make-users.ts writes: 500 distinct users and passwords', () => {
  const text = readFileSync(USERS_CSV, 'utf8');
  assert.equal(text, sampleUsersCsv(), 'regenerate it: node packages/sample-target/scripts/make-users.ts');
  const rows = text.trimEnd().split('\n');
  assert.equal(rows[0], 'username,password');
  assert.equal(rows.length, 501);
  const users = rows.slice(1).map((r) => r.split(','));
  assert.equal(new Set(users.map(([u]) => u)).size, 500);
  assert.equal(new Set(users.map(([, p]) => p)).size, 500);
  assert.ok(users.every((r) => r.length === 2 && /^user\d{3}$/.test(r[0]!) && /^pw-[0-9a-f]{16}$/.test(r[1]!)));
});

test('every one of the 500 users logs in once and is counted once; demo still works', async (t) => {
  const r = await startTarget(t);
  const users = sampleUsers();
  for (const u of users) {
    const res = await r.post('/api/auth/login', { username: u.username, password: u.password });
    assert.equal(res.status, 200, u.username);
    await res.arrayBuffer();
  }
  const demo = await bearer(r, 'demo', 'demo');
  assert.equal((await r.get('/api/sessions/', demo)).status, 200);
  const s = await r.stats();
  assert.equal(Object.keys(s.users).length, 501);
  for (const u of users) assert.deepEqual(s.users[u.username], { logins: 1, requests: 0, created: 0, duplicates: 0 });
  assert.deepEqual(s.users.demo, { logins: 1, requests: 1, created: 0, duplicates: 0 });
  assert.deepEqual(s.routes['POST /api/auth/login'], { 200: 501 });
  assert.equal(s.total, 502, 'the old fields count as before');
});

test('per-user counts: only successful logins and authenticated requests of known users', async (t) => {
  const r = await startTarget(t);
  const [a, b] = sampleUsers();
  const tokenA = await bearer(r, a!.username, a!.password);
  await bearer(r, a!.username, a!.password);
  await bearer(r, b!.username, b!.password);
  for (let i = 0; i < 3; i++) assert.equal((await r.get('/api/sessions/', tokenA)).status, 200);
  assert.equal((await r.get('/api/me', tokenA)).status, 200);
  const refused = [
    { username: a!.username, password: b!.password },
    { username: 'stranger', password: 'x' },
    { username: a!.username },
    { username: 7, password: 7 },
  ];
  for (const body of refused) assert.equal((await r.post('/api/auth/login', body)).status, 401, JSON.stringify(body));
  assert.equal((await r.get('/api/sessions/', { authorization: 'Bearer not.a.token' })).status, 401);
  const s = await r.stats();
  assert.deepEqual(s.users, {
    [a!.username]: { logins: 2, requests: 4, created: 0, duplicates: 0 },
    [b!.username]: { logins: 1, requests: 0, created: 0, duplicates: 0 },
  });
  assert.deepEqual(s.routes['POST /api/auth/login'], { 200: 3, 401: 4 });
  assert.deepEqual(s.routes['GET /api/sessions/'], { 200: 3, 401: 1 });
});

test('a form-encoded login (as FastAPI OAuth2 forms take it) works too', async (t) => {
  const r = await startTarget(t);
  const [u] = sampleUsers();
  const res = await fetch(`${r.url}/api/auth/login`, {
    method: 'POST',
    body: new URLSearchParams({ username: u!.username, password: u!.password }),
  });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { token_type: string }).token_type, 'bearer');
});
