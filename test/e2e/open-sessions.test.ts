// An open model's sessions belong to its in-flight slots: with perVU data each
// slot is one user, logs in once as that user, and every arrival it carries
// acts for that user. Real controller, agent and sample-target processes; the
// target's per-user counts say who logged in and who did what.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Summary } from '@barrage/controller';
import { bins, runCli, startTarget } from '../helpers/processes.ts';

const USERS_CSV = fileURLToPath(new URL('../../packages/controller/scenarios/data/users-500.csv', import.meta.url));

test('open model with a session and perVU rows: each in-flight slot is one user, logged in once, acting as itself', async (t) => {
  const target = await startTarget(['--api-limit', '100000']);
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-open-sessions-'));
  writeFileSync(join(dir, 'users.csv'), readFileSync(USERS_CSV));
  writeFileSync(
    join(dir, 'scenario.yaml'),
    `
name: open-sessions
baseUrl: http://127.0.0.1:1
data:
  users: { file: users.csv, mode: perVU, secret: [password] }
requests:
  - name: login
    method: POST
    path: /api/auth/login
    json: { username: '\${users.username}', password: '\${users.password}' }
    expect: [200]
    capture: { token: $.access_token }
  - { name: me, path: /api/me, headers: { authorization: 'Bearer \${token}' }, expect: [200], checks: [{ name: self, json: $.username }] }
scenarios:
  - name: visits
    executor: constant-arrival-rate
    rate: 40
    duration: 3s
    maxInFlight: 6
    requests: [me]
    session: { steps: [login] }
`,
  );
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 'scenario.yaml'),
    '--target',
    target.url,
    '--local-agents',
    '2',
    '--out',
    join(dir, 'out.json'),
  ]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  const users = ((await target.stats()) as { users: Record<string, { logins: number; requests: number }> }).users;
  const names = Object.keys(users).sort();
  // Slots are users 1..6 (the cluster's in-flight cap), each logged in once by the slot it is.
  assert.ok(names.length >= 1 && names.length <= 6, `${names.length} users`);
  assert.ok(
    names.every((n) => /^user00[1-6]$/.test(n)),
    `only the slots' users: ${names.join(', ')}`,
  );
  assert.ok(
    Object.values(users).every((u) => u.logins === 1),
    'each slot logged in once',
  );
  assert.equal(s.requests.login!.requests, names.length, 'one login per slot used');
  // Every arrival reached the target as its slot's user, authenticated by that user's token.
  const meAtTarget = Object.values(users).reduce((a, u) => a + u.requests, 0);
  assert.equal(meAtTarget, s.requests.me!.ok);
  assert.equal(s.requests.me!.ok + s.totals.dropped, 120, 'every arrival answered or dropped, none lost');
  assert.equal(s.data!.users!.used, names.length, 'one row per slot');
  t.diagnostic(
    `${names.length} slot users (${names.join(', ')}), ${meAtTarget} requests as them; ${s.totals.dropped} dropped`,
  );
});
