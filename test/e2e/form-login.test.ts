// A form login (OAuth2 password grant, application/x-www-form-urlencoded)
// against the sample target's POST /api/auth/token through `controller start`:
// the password, read from a data source, holds every character form encoding
// cares about (& = + % / space, non-ASCII), so a login succeeds only when each
// value is url-encoded exactly once; the token it captures opens the session
// list. The target's own counts equal barrage's.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli, startTarget } from '../helpers/processes.ts';

const PASSWORD = 'p@ss w&rd=1+%2F/é${x}';

test('form login: every value url-encoded once, the target counts what barrage counts', async (t) => {
  const target = await startTarget(['--user', 'ann', '--password', PASSWORD]);
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-form-'));
  // The rows come from a JSON file, so the password is written as it is (no YAML or template escaping).
  writeFileSync(join(dir, 'users.json'), JSON.stringify([{ username: 'ann', password: PASSWORD }]));
  const file = join(dir, 'form-login.yaml');
  writeFileSync(
    file,
    `
name: form-login
baseUrl: http://127.0.0.1:1
data:
  users: { file: users.json, mode: circular, secret: [password] }
requests:
  - name: token
    method: POST
    path: /api/auth/token
    form: { grant_type: password, username: "\${users.username}", password: "\${users.password}", scope: "read \${seq}" }
    capture: { token: $.access_token }
  - name: sessions
    path: /api/sessions/
    headers: { authorization: "Bearer \${token}" }
flows: [{ name: login, steps: [token, sessions] }]
scenarios: [{ name: s, executor: shared-iterations, vus: 2, iterations: 10, flows: [login] }]
`,
  );
  const out = join(dir, 'summary.json');
  const r = await runCli(bins.controller, ['start', '--scenario', file, '--target', target.url, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(out, 'utf8')) as Summary;
  const seen = await target.stats();
  assert.deepEqual(s.requests.token!.status, { 200: 10 }, r.stdout);
  assert.deepEqual(s.requests.token!.checks, { 'capture token': { passes: 10, fails: 0 } });
  assert.deepEqual(s.requests.sessions!.status, { 200: 10 });
  assert.deepEqual(seen.routes['POST /api/auth/token'], { 200: 10 });
  assert.deepEqual(seen.routes['GET /api/sessions/'], { 200: 10 });
  assert.equal(seen.total, s.totals.requests);
  assert.deepEqual(seen.users.ann, { logins: 10, requests: 10, created: 0, duplicates: 0 });
  assert.doesNotMatch(r.stdout + r.stderr, /p@ss/, 'the secret password is never shown');
});

test('the token route takes only a form: a JSON login is refused (415), so the form above was one', async (t) => {
  const target = await startTarget(['--user', 'ann', '--password', PASSWORD]);
  t.after(() => target.stop());
  const json = await fetch(`${target.url}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'ann', password: PASSWORD }),
  });
  assert.equal(json.status, 415);
  const form = await fetch(`${target.url}/api/auth/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', username: 'ann', password: PASSWORD }),
  });
  assert.equal(form.status, 200);
});
