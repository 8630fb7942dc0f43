// Test data through real controller, agent and sample-target processes. The
// sample target knows user001..user500 (the bundled users-500.csv) and counts
// per user in /__stats, so every claim is reconciled user by user: each unique
// row used by exactly one iteration of the cluster, each perVU row kept by one
// VU, a plan needing more rows than there are refused before any request, and
// a secret column found nowhere in what a run leaves behind.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Summary } from '@barrage/controller';
import { bins, runCli, startTarget } from '../helpers/processes.ts';
import { serveWithAgents } from '../helpers/serve-cluster.ts';

const USERS_CSV = fileURLToPath(new URL('../../packages/controller/scenarios/data/users-500.csv', import.meta.url));
const PASSWORDS = readFileSync(USERS_CSV, 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(',')[1]!);
// The sample target's default limit (100 a minute per IP) is for the rate-limit test.
const TARGET_ARGS = ['--api-limit', '100000'];

type UserCounts = Record<string, { logins: number; requests: number; created: number; duplicates: number }>;

async function usersOf(target: { stats(): Promise<unknown> }): Promise<UserCounts> {
  return ((await target.stats()) as { users: UserCounts }).users;
}

/** `controller start` of `scenario` against `url` with `agents` local agents, its summary written to `out`. */
const start = (scenario: string, url: string, agents: number, out: string, ...more: string[]) =>
  runCli(bins.controller, [
    'start',
    '--scenario',
    scenario,
    '--target',
    url,
    '--local-agents',
    String(agents),
    '--out',
    out,
    ...more,
  ]);

/** A scratch directory holding users.csv beside the scenario written there. */
function scenarioDir(yaml: string): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-data-'));
  copyFileSync(USERS_CSV, join(dir, 'users.csv'));
  const file = join(dir, 'scenario.yaml');
  writeFileSync(file, yaml);
  return { dir, file };
}

test('users-500 by name over 3 local agents: the target sees 500 distinct users, each logged in once', async (t) => {
  const target = await startTarget(TARGET_ARGS);
  t.after(() => target.stop());
  const out = join(mkdtempSync(join(tmpdir(), 'barrage-data-')), 'out.json');
  const r = await start('users-500', target.url, 3, out);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const users = await usersOf(target);
  const names = Object.keys(users);
  assert.equal(names.length, 500, 'every user of the file, none other');
  assert.ok(
    names.every((n) => users[n]!.logins === 1),
    'each user logged in exactly once',
  );
  const s = JSON.parse(readFileSync(out, 'utf8')) as Summary;
  const data = s.data!.users!;
  assert.equal(data.used, 500);
  assert.equal(data.unused, 0);
  assert.equal(
    Object.values(data.byAgent).reduce((a, b) => a + b, 0),
    500,
  );
  assert.equal(Object.keys(data.byAgent).length, 3, 'rows were used on every agent');
  assert.equal(s.requests.login!.ok, 500);
  t.diagnostic(
    `target: ${names.length} users, logins per user ${[...new Set(names.map((n) => users[n]!.logins))]}; barrage rows by agent ${JSON.stringify(data.byAgent)}`,
  );
});

test('unique rows over 3 agents: 500 iterations use each row once; creates keyed by the row never collide', async (t) => {
  const target = await startTarget(TARGET_ARGS);
  t.after(() => target.stop());
  const { dir, file } = scenarioDir(`
name: unique-rows
baseUrl: http://127.0.0.1:1
data:
  users: { file: users.csv, mode: unique, secret: [password] }
requests:
  - name: login
    method: POST
    path: /api/auth/login
    json: { username: '\${users.username}', password: '\${users.password}' }
    expect: [200]
    capture: { token: $.access_token }
  - name: create
    method: POST
    path: /api/items/
    headers: { authorization: 'Bearer \${token}' }
    json: { key: 'item-\${users.username}' }
    expect: [201]
flows: [{ name: signup, steps: [login, create] }]
scenarios:
  - { name: once-each, executor: shared-iterations, vus: 30, iterations: 500 }
`);
  const r = await start(file, target.url, 3, join(dir, 'out.json'));
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const users = await usersOf(target);
  const counts = Object.values(users);
  assert.equal(counts.length, 500);
  assert.ok(counts.every((u) => u.logins === 1 && u.created === 1 && u.duplicates === 0));
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  assert.deepEqual([s.data!.users!.used, s.data!.users!.unused], [500, 0]);
  assert.equal(s.requests.create!.ok, 500);
});

test('a plan that needs 600 unique rows of a 500-row source is refused before any request, with both numbers', async (t) => {
  const target = await startTarget(TARGET_ARGS);
  t.after(() => target.stop());
  const { file } = scenarioDir(`
name: too-few-rows
baseUrl: http://127.0.0.1:1
data:
  users: { file: users.csv, mode: unique }
requests:
  - { name: login, method: POST, path: /api/auth/login, json: { username: '\${users.username}', password: x } }
scenarios:
  - { name: too-many, executor: shared-iterations, vus: 10, iterations: 600 }
`);
  const r = await runCli(bins.controller, ['start', '--scenario', file, '--target', target.url, '--local-agents', '1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /SCENARIO_INVALID/);
  assert.match(r.stderr, /too-many needs 600 rows of data source users \(one per iteration\), which has 500/);
  assert.equal((await target.stats()).total, 0, 'no request reached the target');
});

test('perVU rows over a ramp: each VU keeps its user, so the target sees exactly as many users as the peak VUs', async (t) => {
  const target = await startTarget(TARGET_ARGS);
  t.after(() => target.stop());
  const { dir, file } = scenarioDir(`
name: per-vu-ramp
baseUrl: http://127.0.0.1:1
data:
  users: { file: users.csv, mode: perVU }
requests:
  - name: login
    method: POST
    path: /api/auth/login
    json: { username: '\${users.username}', password: '\${users.password}' }
    expect: [200]
    capture: { token: $.access_token }
  - { name: me, path: /api/me, headers: { authorization: 'Bearer \${token}' }, expect: [200] }
flows: [{ name: visit, steps: [login, me] }]
scenarios:
  - name: ramp
    executor: ramping-vus
    startVUs: 0
    stages: [{ duration: 1s, target: 12 }, { duration: 1s, target: 12 }, { duration: 500ms, target: 3 }]
    thinkTime: 50ms
`);
  const r = await start(file, target.url, 3, join(dir, 'out.json'));
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const users = await usersOf(target);
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  assert.deepEqual(
    Object.keys(users).sort(),
    Array.from({ length: 12 }, (_v, i) => `user${String(i + 1).padStart(3, '0')}`),
    'users 1..12: one per VU index of the peak',
  );
  const logins = Object.values(users).reduce((a, u) => a + u.logins, 0);
  assert.equal(logins, s.requests.login!.requests, 'every login barrage sent reached the target as one of the 12');
  assert.equal(s.data!.users!.used, 12, 'each VU took its row once, however many iterations it ran');
  t.diagnostic(`12 users, ${logins} logins over the ramp`);
});

test('a secret column is never in stdout, stderr, the summary, the report, the API or the store', async (t) => {
  const target = await startTarget(TARGET_ARGS);
  t.after(() => target.stop());
  // The password also rides in a query that the target redirects (/api/sessions -> /api/sessions/),
  // so the redirect note, built from the URL an agent rendered, would show it if nothing masked it.
  const yaml = `
name: secret-rows
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
  - name: sessions
    path: /api/sessions
    query: { probe: '\${users.password}' }
    headers: { authorization: 'Bearer \${token}' }
    expect: [200]
flows: [{ name: visit, steps: [login, sessions] }]
scenarios:
  - { name: users, executor: per-vu-iterations, vus: 40, iterations: 1 }
`;
  const { dir, file } = scenarioDir(yaml);
  const db = join(dir, 'runs.db');
  const local = await runCli(
    bins.controller,
    [
      'start',
      '--scenario',
      file,
      '--target',
      target.url,
      '--local-agents',
      '2',
      '--out',
      join(dir, 'out.json'),
      '--report',
      join(dir, 'r.md'),
      '--db',
      db,
      '--log-level',
      'debug',
    ],
    { env: { BARRAGE_LOG_LEVEL: 'debug' } },
  );
  assert.equal(local.code, 0, local.stderr + local.stdout);
  const summary = readFileSync(join(dir, 'out.json'), 'utf8');
  assert.match(
    summary,
    /GET \/api\/sessions\?probe=\$\{users.password\} → 307/,
    'the redirect note shows the URL as written, not the secret',
  );

  // The same file sent to a serving controller: its data file goes inline, and the API keeps no row.
  const TOKEN = 'data-test-token';
  const served = await serveWithAgents(t, { token: TOKEN, agents: ['d-1', 'd-2'], db: join(dir, 'served.db') });
  const remote = await runCli(
    bins.controller,
    [
      'start',
      '--controller',
      served.origin,
      '--scenario',
      file,
      '--target',
      target.url,
      '--out',
      join(dir, 'remote.json'),
    ],
    { env: { BARRAGE_TOKEN: TOKEN } },
  );
  assert.equal(remote.code, 0, remote.stderr + remote.stdout);
  const id = (JSON.parse(readFileSync(join(dir, 'remote.json'), 'utf8')) as Summary).run.id;
  const api = await Promise.all(
    ['', '/summary', '/report.md', '/timeseries'].map(async (p) => {
      const res = await fetch(`${served.api}/runs/${id}${p}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      return `${res.status} ${await res.text()}`;
    }),
  );
  const stored = [db, `${db}-wal`, join(dir, 'served.db'), join(dir, 'served.db-wal')]
    .map((f) => {
      try {
        return readFileSync(f).toString('latin1');
      } catch {
        return '';
      }
    })
    .join('');
  assert.ok(stored.includes('secret-rows'), 'the stores hold the runs');
  const places: Array<[string, string]> = [
    ['stdout', local.stdout + remote.stdout],
    ['stderr', local.stderr + remote.stderr + served.serve.stderr],
    ['summary', summary + readFileSync(join(dir, 'remote.json'), 'utf8')],
    ['report', readFileSync(join(dir, 'r.md'), 'utf8')],
    ['API', api.join('\n')],
    ['store', stored],
  ];
  const used = PASSWORDS.slice(0, 40);
  for (const [where, text] of places)
    for (const pw of used) assert.ok(!text.includes(pw), `a password appeared in the ${where}`);
  t.diagnostic(
    `searched ${places.reduce((a, [, x]) => a + x.length, 0)} bytes (output, logs at debug, summaries, report, API, stores) for ${used.length} passwords: none found`,
  );
});

test('onExhausted: stop ends a model when its unique rows run out: each row once, nothing after', async (t) => {
  const target = await startTarget(TARGET_ARGS);
  t.after(() => target.stop());
  // The first 30 users of the file, as inline CSV.
  const lines = readFileSync(USERS_CSV, 'utf8').trim().split('\n').slice(0, 31);
  const rows = lines.slice(1).map((l) => l.split(',')[0]!);
  const { dir, file } = scenarioDir(`
name: run-out
baseUrl: http://127.0.0.1:1
data:
  few: { csv: "${lines.join('\\n')}", mode: unique, onExhausted: stop, secret: [password] }
requests:
  - name: login
    method: POST
    path: /api/auth/login
    json: { username: '\${few.username}', password: '\${few.password}' }
    expect: [200]
scenarios:
  - { name: burst, executor: shared-iterations, vus: 8, iterations: 100 }
`);
  const r = await start(file, target.url, 2, join(dir, 'out.json'));
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const users = await usersOf(target);
  assert.deepEqual(Object.keys(users).sort(), rows, 'the 30 users of the source, none other');
  assert.ok(Object.values(users).every((u) => u.logins === 1));
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  assert.equal(s.requests.login!.requests, 30, '30 of the 100 planned iterations: one per row, then the model ended');
  assert.deepEqual([s.data!.few!.used, s.data!.few!.unused], [30, 0]);
});

test('a cookie login against the sample target needs no Cookie header: each VU its own user and jar', async (t) => {
  const target = await startTarget(TARGET_ARGS);
  t.after(() => target.stop());
  const { dir, file } = scenarioDir(`
name: cookie-users
baseUrl: http://127.0.0.1:1
data:
  users: { file: users.csv, mode: perVU, secret: [password] }
requests:
  - name: cookie-login
    method: POST
    path: /api/auth/cookie-login
    json: { username: '\${users.username}', password: '\${users.password}' }
    expect: [200]
  - { name: me, path: /api/me, expect: [200], checks: [{ name: whoami, json: $.username }] }
scenarios:
  - { name: users, executor: per-vu-iterations, vus: 20, iterations: 3, requests: [me], session: { steps: [cookie-login] } }
`);
  const r = await start(file, target.url, 2, join(dir, 'out.json'));
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const users = await usersOf(target);
  assert.equal(Object.keys(users).length, 20);
  assert.ok(
    Object.values(users).every((u) => u.logins === 1 && u.requests === 3),
    'each user logged in once, then made its 3 requests with the cookie its jar kept',
  );
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  assert.equal(s.requests.me!.ok, 60);
});
