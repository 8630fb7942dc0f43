// Per-VU sessions against the sample target, real processes: tokens that the
// target stops taking after 2 s, in a 7 s run, are refreshed on 401 and the
// request retried; the run has no failed request, the target's logins are
// exactly the VUs plus barrage's session retries, and barrage's counts are
// the target's. A teardown step runs once per VU when the model ends.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { spawnTarget } from '@barrage/sample-target';
import { bins, runCli } from '../helpers/processes.ts';

const VUS = 4;

const scenario = (teardown: string) => `
name: sessions
baseUrl: http://127.0.0.1:1
requests:
  - name: login
    method: POST
    path: /api/auth/login
    json: { username: demo, password: demo }
    expect: [200]
    capture: { token: $.access_token }
  - name: list
    path: /api/sessions/
    headers: { authorization: 'Bearer \${token}' }
    expect: [200]
  - name: whoami
    path: /api/me
    headers: { authorization: 'Bearer \${token}' }
    expect: [200]
thresholds:
  - count(failed) == 0
scenarios:
  - name: users
    executor: constant-vus
    vus: ${VUS}
    duration: 7s
    thinkTime: 50ms
    requests: [list]
    session: { steps: [login], refresh: { on: [401] }${teardown} }
`;

async function run(t: { after: (fn: () => Promise<unknown>) => void }, teardown: string) {
  const target = await spawnTarget(['--api-limit', '1000000'], { tokenTtl: '2s' });
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-sessions-'));
  writeFileSync(join(dir, 's.yaml'), scenario(teardown));
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 's.yaml'),
    '--target',
    target.url,
    '--local-agents',
    '2',
    '--out',
    join(dir, 'out.json'),
    '--db',
    join(dir, 'runs.db'),
  ]);
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  return { r, s, seen: await target.stats() };
}

test('tokens that expire mid-run are refreshed on 401: no failed request, logins = VUs + refreshes exactly', async (t) => {
  const { r, s, seen } = await run(t, '');
  assert.equal(r.code, 0, r.stderr);
  const list = s.requests.list!;
  const login = s.requests.login!;
  const refreshes = list.sessionRetries ?? 0;
  const logins = seen.routes['POST /api/auth/login']?.['200'] ?? 0;
  const lists = Object.values(seen.routes['GET /api/sessions/'] ?? {}).reduce((a, b) => a + b, 0);
  console.log(
    `VUs ${VUS}, refreshes ${refreshes}, target logins ${logins}, barrage logins ${login.requests}, ` +
      `list: barrage ${list.requests} (401 ${list.status['401'] ?? 0}), target ${lists}, failed ${s.totals.failed}`,
  );
  assert.ok(refreshes > 0, 'tokens expired during the run');
  assert.equal(s.totals.failed, 0, 'no failed request');
  assert.equal(logins, VUS + refreshes, 'logins = VUs + refreshes');
  assert.equal(login.requests, logins, "barrage's logins are the target's");
  assert.equal(list.requests, lists, "barrage's requests are the target's");
  assert.equal(list.status['401'], refreshes, 'every 401 is in the statuses, counted as a session retry');
  assert.equal(list.ok + refreshes, list.requests);
  assert.equal(s.totals.requests, seen.total, 'the totals hold every request sent, session traffic included');
});

test('teardown runs once per VU when the model ends', async (t) => {
  const { r, s, seen } = await run(t, ', teardown: [whoami]');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(s.requests.whoami!.requests, VUS);
  assert.equal(s.requests.whoami!.ok, VUS);
  assert.equal(seen.routes['GET /api/me']?.['200'], VUS);
});

test('logins answered but no session established (a wrong capture path): the load never went, so the run is failed, not passed', async (t) => {
  const target = await spawnTarget(['--api-limit', '1000000']);
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-sessions-'));
  // No thresholds: only the verdict on answers can fail this run.
  writeFileSync(
    join(dir, 's.yaml'),
    scenario('')
      .replace('capture: { token: $.access_token }', 'capture: { token: $.accessToken }')
      .replace(/thresholds:\n {2}- count\(failed\) == 0\n/, '')
      .replace('duration: 7s', 'duration: 2500ms'),
  );
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 's.yaml'),
    '--target',
    target.url,
    '--local-agents',
    '1',
    '--out',
    join(dir, 'out.json'),
  ]);
  assert.equal(r.code, 99, r.stderr + r.stdout);
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  assert.equal(s.run.status, 'failed');
  assert.equal(s.requests.list?.requests ?? 0, 0, 'no list request went without a token');
  assert.match(
    s.run.notes[0]!,
    /^no request of the load was sent: \d+ steps were dropped for want of a session \(login: (\d+) ok of \1 \(200 ×\1\); capture token found nothing \1 time\(s\)\)/,
  );
  // A failed login is tried again 1 s later at the soonest (thinkTime is 50 ms here): 2.5 s, so 3 per VU at most.
  assert.ok(s.requests.login!.requests <= 3 * VUS, `${s.requests.login!.requests} logins`);
  const seen = await target.stats();
  assert.equal(seen.routes['GET /api/sessions/'], undefined, 'the target saw no list request');
  t.diagnostic(s.run.notes.slice(0, 2).join(' | '));
});
