// Redirects against the sample target, which answers FastAPI's 307 from
// /api/sessions to /api/sessions/: a path written without its slash is followed
// to the real route (one request, one redirect, a note naming it), and with
// redirects: 0 the 307 is the answer, ok only where expect lists it. barrage's
// counts are reconciled with the target's own (/__stats).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli, startTarget } from '../helpers/processes.ts';

const scenario = `
name: redirects
baseUrl: http://127.0.0.1:1
setup:
  - name: login
    method: POST
    path: /api/auth/login
    json: { username: demo, password: demo }
    expect: [200]
    capture: { token: $.access_token }
requests:
  - { name: sessions, path: /api/sessions, headers: { authorization: 'Bearer \${token}' } }
  - { name: unfollowed, path: /api/sessions, headers: { authorization: 'Bearer \${token}' } }
  - { name: listed, path: /api/sessions, redirects: 0, expect: [307] }
scenarios:
  - { name: follow, executor: shared-iterations, vus: 3, iterations: 30, requests: [sessions] }
  - { name: off, executor: shared-iterations, vus: 1, iterations: 5, redirects: 0, requests: [unfollowed] }
  - { name: expected, executor: shared-iterations, vus: 1, iterations: 4, requests: [listed] }
`;

test('/api/sessions is followed to /api/sessions/ and counted; with redirects: 0 the 307 is not ok unless expected', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-redirects-'));
  writeFileSync(join(dir, 'redirects.yaml'), scenario);
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 'redirects.yaml'),
    '--target',
    target.url,
    '--local-agents',
    '2',
    '--out',
    join(dir, 'out.json'),
    '--db',
    join(dir, 'runs.db'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  const seen = await target.stats();
  const sessions = s.requests.sessions!;
  assert.deepEqual(sessions.status, { 200: 30 }, r.stderr);
  assert.equal(sessions.requests, 30, 'each redirected request is one request');
  assert.equal(sessions.ok, 30);
  assert.equal(sessions.redirects, 30);
  const off = s.requests.unfollowed!;
  assert.deepEqual(off.status, { 307: 5 });
  assert.equal(off.ok, 0, 'a 3xx not followed is not ok by default');
  assert.equal(off.failed, 5);
  assert.equal(off.redirects, 0);
  const listed = s.requests.listed!;
  assert.deepEqual(listed.status, { 307: 4 });
  assert.equal(listed.ok, 4);
  // The target saw every first request on the path without its slash, and only the followed ones on the real route.
  assert.deepEqual(seen.routes['GET /api/sessions'], { 307: 39 });
  assert.deepEqual(seen.routes['GET /api/sessions/'], { 200: 30 });
  assert.equal(seen.total, s.totals.requests + s.totals.redirects + 1, 'requests + hops + the setup login');
  assert.ok(
    s.run.notes.includes(
      'sessions: 30 responses were redirects, followed: GET /api/sessions → 307 → /api/sessions/ ' +
        '(write the path the server redirects to, or set redirects: 0)',
    ),
    s.run.notes.join('\n'),
  );
  assert.equal(s.run.notes.filter((n) => n.includes('redirect')).length, 1, 'only the name that followed one');
  // The table shows the redirects column, as the summary counts them.
  assert.match(r.stdout, /^request\s+reqs\s+resp\/s\s+ok\s+429\s+retry-after\s+redirects\s/m);
  assert.match(r.stdout, /^sessions\s+30\s+\S+\s+100\.0%\s+0\s+0\s+30\s/m);
});
