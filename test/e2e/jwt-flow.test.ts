// JWT against the sample target, both ways a user gets a token: a setup step
// logs in once per run and every agent uses the captured token; a flow logs in
// per iteration and hands the token to the next step. Without a token the
// target answers 401, and barrage counts exactly that. A token given in the
// environment replaces the setup login and never shows up in any output.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli, startTarget } from '../helpers/processes.ts';

const scenario = `
name: jwt
baseUrl: http://127.0.0.1:1
vars:
  token: \${env:JWT_TEST_TOKEN:-}
setup:
  - name: login
    method: POST
    path: /api/auth/login
    json: { username: demo, password: '\${env:JWT_TEST_PASSWORD:-demo}' }
    expect: [200]
    capture: { token: $.access_token }
requests:
  - name: sessions
    path: /api/sessions/
    headers: { authorization: 'Bearer \${token}' }
    expect: [200]
    checks: [{ json: '$[0].status', equals: processed }]
  - { name: anonymous, path: /api/sessions/, expect: [401] }
  - name: flow-login
    method: POST
    path: /api/auth/login
    json: { username: demo, password: demo }
    capture: { session_token: $.access_token, kind: { header: content-type } }
  - name: flow-sessions
    path: /api/sessions/
    headers: { authorization: 'Bearer \${session_token}' }
    expect: [200]
flows:
  - { name: login-then-list, steps: [flow-login, flow-sessions] }
scenarios:
  - { name: with-setup-token, executor: shared-iterations, vus: 5, iterations: 20, requests: [sessions] }
  - { name: without-token, executor: shared-iterations, vus: 2, iterations: 10, requests: [anonymous] }
  - { name: flows, executor: per-vu-iterations, vus: 2, iterations: 3, flows: [login-then-list] }
`;

async function runJwt(t: { after: (fn: () => Promise<unknown>) => void }, env: NodeJS.ProcessEnv = {}) {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-jwt-'));
  writeFileSync(join(dir, 'jwt.yaml'), scenario);
  const db = join(dir, 'runs.db');
  const r = await runCli(
    bins.controller,
    [
      'start',
      '--scenario',
      join(dir, 'jwt.yaml'),
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
    { env },
  );
  return { r, target, dir };
}

test('setup login: every agent uses the captured JWT; flows pass a token between steps; no token, 401', async (t) => {
  const { r, target, dir } = await runJwt(t);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  const seen = await target.stats();
  assert.deepEqual(s.requests.sessions!.status, { 200: 20 });
  assert.deepEqual(s.requests.sessions!.checks, { '$[0].status == "processed"': { passes: 20, fails: 0 } });
  assert.deepEqual(s.requests.anonymous!.status, { 401: 10 });
  assert.equal(s.requests.anonymous!.ok, 10, '401 was the expected status here');
  assert.deepEqual(s.requests['flow-login']!.status, { 200: 6 });
  assert.deepEqual(s.requests['flow-sessions']!.status, { 200: 6 });
  assert.deepEqual(s.requests['flow-login']!.checks, {
    'capture kind': { passes: 6, fails: 0 },
    'capture session_token': { passes: 6, fails: 0 },
  });
  // The target: 1 setup login + 6 flow logins; 20 + 6 authorised lists; 10 refused.
  assert.deepEqual(seen.routes['POST /api/auth/login'], { 200: 7 });
  assert.deepEqual(seen.routes['GET /api/sessions/'], { 200: 26, 401: 10 });
  assert.equal(s.totals.requests + 1, seen.total);
  // The 7 tokens the target minted (1 captured by setup, 6 by flows) went to agents and back as
  // headers; none may surface in any output, the report or the store: no JWT-shaped text at all.
  const jwt = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;
  const stored = ['', '-wal']
    .map((x) => {
      try {
        return readFileSync(join(dir, 'runs.db') + x).toString('latin1');
      } catch {
        return '';
      }
    })
    .join('');
  for (const [where, text] of [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
    ['summary', readFileSync(join(dir, 'out.json'), 'utf8')],
    ['report', readFileSync(join(dir, 'r.md'), 'utf8')],
    ['database', stored],
  ] as const) {
    assert.doesNotMatch(text, jwt, `a captured token appeared in ${where}`);
  }
});

test('a token from the environment replaces the login, and no secret reaches logs or results', async (t) => {
  // A real token, minted by a throwaway login, passed the way a CI job would.
  const minter = await startTarget(['--jwt-secret', 'shared-test-secret']);
  t.after(() => minter.stop());
  const login = await fetch(`${minter.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"username":"demo","password":"demo"}',
  });
  const token = ((await login.json()) as { access_token: string }).access_token;
  const target = await startTarget(['--jwt-secret', 'shared-test-secret']);
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-jwt-'));
  writeFileSync(join(dir, 'jwt.yaml'), scenario);
  const password = 'pw-that-must-not-leak-7f3a';
  const db = join(dir, 'runs.db');
  const r = await runCli(
    bins.controller,
    [
      'start',
      '--scenario',
      join(dir, 'jwt.yaml'),
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
    {
      env: { JWT_TEST_TOKEN: token, JWT_TEST_PASSWORD: password, BARRAGE_LOG_LEVEL: 'debug' },
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const seen = await target.stats();
  assert.deepEqual(
    seen.routes['POST /api/auth/login'],
    { 200: 6 },
    'only the flow logins: the setup login was skipped',
  );
  assert.deepEqual(seen.routes['GET /api/sessions/'], { 200: 26, 401: 10 });
  const out = readFileSync(join(dir, 'out.json'), 'utf8');
  // Everything the run left behind: its output and logs (controller and agents, at debug), the
  // summary, the report, and the run store the API serves from, byte for byte (WAL included).
  const stored = ['', '-wal']
    .map((x) => {
      try {
        return readFileSync(db + x).toString('latin1');
      } catch {
        return '';
      }
    })
    .join('');
  assert.ok(stored.includes('jwt'), 'the store holds the run');
  for (const secret of [token, password]) {
    for (const [where, text] of [
      ['stdout', r.stdout],
      ['stderr', r.stderr],
      ['summary', out],
      ['report', readFileSync(join(dir, 'r.md'), 'utf8')],
      ['database', stored],
    ] as const) {
      assert.ok(!text.includes(secret), `a secret appeared in ${where}`);
    }
  }
  t.diagnostic(
    `searched ${r.stdout.length + r.stderr.length} bytes of output and logs and ${stored.length} bytes of the store for 2 secrets: none found`,
  );
});

test('a missing ${env:NAME} without a default fails before any agent starts, naming only the variable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-jwt-'));
  writeFileSync(
    join(dir, 'env.yaml'),
    `
name: env
baseUrl: http://127.0.0.1:1
requests: [{ name: a, path: /health, headers: { x-key: '\${env:BARRAGE_TEST_UNSET_KEY}' } }]
scenarios: [{ name: s, executor: shared-iterations, vus: 1, iterations: 1 }]
`,
  );
  const r = await runCli(bins.controller, ['start', '--scenario', join(dir, 'env.yaml')], {
    env: { BARRAGE_TEST_UNSET_KEY: '' },
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /SCENARIO_ENV_MISSING: .*BARRAGE_TEST_UNSET_KEY/);
  assert.doesNotMatch(r.stderr, /agent\(s\) connected/);
});
