// A load model's `session:` on the controller: accepted and normalised, its
// captures visible to the model's requests, its steps out of the default mix
// and carried to the agents by index; every mistake refused with its path;
// session-only names kept out of thresholds scoped to all requests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeHistogram, newIntervalHistogram } from '@barrage/proto';
import { judge } from '../src/merge/judge.ts';
import { RunAggregate } from '../src/merge/run-aggregate.ts';
import { planRun } from '../src/plan/assignments.ts';
import { parseScenario } from '../src/scenario/read.ts';
import { parseThreshold } from '../src/scenario/thresholds.ts';
import { sessionOnlyNames } from '../src/scenario/validate-session.ts';

const doc = (model: string, extra = '') => `
name: sessions
baseUrl: http://127.0.0.1:8080
requests:
  - { name: login, method: POST, path: /login, json: { u: demo }, capture: { token: $.access_token } }
  - { name: list, path: /items/, headers: { authorization: "Bearer \${token}" } }
  - { name: logout, method: POST, path: /logout, headers: { authorization: "Bearer \${token}" } }
${extra}
scenarios:
  - ${model}
`;

const closed = (session: string) =>
  `{ name: users, executor: constant-vus, vus: 4, duration: 10s, session: ${session} }`;

function problems(yaml: string): string {
  try {
    parseScenario(yaml, 's.yaml');
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

test('a session is normalised, its steps leave the default mix, and its captures serve the requests', () => {
  const sc = parseScenario(
    doc(closed('{ steps: [login], refresh: { every: 14m, on: [401] }, rampUp: 5s, teardown: [logout] }')),
    's.yaml',
  );
  const m = sc.scenarios[0]!;
  assert.deepEqual(m.session, {
    steps: ['login'],
    everyMs: 14 * 60_000,
    refreshOn: [401],
    rampUpMs: 5_000,
    teardown: ['logout'],
  });
  assert.deepEqual(
    m.mix.map((e) => e.name),
    ['list'],
  );
  assert.deepEqual([...sessionOnlyNames(sc)].sort(), ['login', 'logout']);
  const [a] = planRun({
    runId: 'r',
    scenario: sc,
    baseUrl: 'http://127.0.0.1:8080',
    agents: [{ id: 'a', weight: 1 }],
    vars: [],
    intervalMs: 1000,
  });
  const p = a!.assign.scenarios![0]!;
  const names = p.requests!.map((r) => r.name);
  assert.deepEqual(
    p.sessionSteps!.map((k) => names[k]),
    ['login'],
  );
  assert.deepEqual(
    p.sessionTeardown!.map((k) => names[k]),
    ['logout'],
  );
  assert.deepEqual([p.sessionRefreshEveryMs, p.sessionRefreshOn, p.sessionRampUpMs], [840_000, [401], 5_000]);
  assert.deepEqual(
    p.mix!.map((e) => e.steps!.map((k) => names[k])),
    [['list']],
  );
});

test('without a session, a request that needs a session capture is refused', () => {
  assert.match(
    problems(doc('{ name: users, executor: constant-vus, vus: 4, duration: 10s, requests: [list] }')),
    /request list runs on its own but uses \$\{token\}/,
  );
});

test('every session mistake is reported with its path', () => {
  const msg = problems(doc(closed('{ steps: [logn], teardown: [logot] }'), 'flows: [{ name: f, steps: [list] }]'));
  assert.match(msg, /\/scenarios\/0\/session\/steps\/0: no request named logn \(did you mean login\?\)/);
  assert.match(msg, /\/scenarios\/0\/session\/teardown\/0: no request named logot \(did you mean logout\?\)/);
  assert.match(
    problems(doc(closed('{ steps: [login], refresh: { on: [401, 700] } }'))),
    /\/scenarios\/0\/session\/refresh\/on\/1: 700 is not an HTTP status/,
  );
  const msg2 = problems(doc(closed('{ steps: [login], refresh: { every: 500ms, on: [429] } }')));
  assert.match(msg2, /\/scenarios\/0\/session\/refresh\/every: 500ms is too short; write at least 1s/);
  assert.match(msg2, /\/scenarios\/0\/session\/refresh\/on: 429 is rate limiting/);
  assert.match(
    problems(doc(closed('{ steps: [login, login, login, login, login, login, login, login, login, login, login] }'))),
    /\/scenarios\/0\/session\/steps: must NOT have more than 10 items/,
  );
  assert.match(
    problems(doc(closed('{ steps: [list] }'))),
    /\/scenarios\/0\/session\/steps\/0: list uses \$\{token\} .* which no earlier session step captures/,
  );
});

test('rampUp is refused for open models, with why', () => {
  assert.match(
    problems(
      doc(
        '{ name: o, executor: constant-arrival-rate, rate: 10, duration: 5s, requests: [list], session: { steps: [login], rampUp: 2s } }',
      ),
    ),
    /\/scenarios\/0\/session\/rampUp: constant-arrival-rate has no VUs to ramp up/,
  );
  assert.equal(
    problems(
      doc(
        '{ name: o, executor: constant-arrival-rate, rate: 10, duration: 5s, requests: [list], session: { steps: [login] } }',
      ),
    ),
    '',
  );
});

test('thresholds on all requests leave session-only names out, unless a threshold names them', () => {
  const agg = new RunAggregate(['login', 'list'], undefined, ['login']);
  const h = newIntervalHistogram();
  h.recordValue(1_000);
  const stats = (name: string, ok: number, failed: number) => ({
    name,
    latency: encodeHistogram(h),
    status: [{ status: ok > 0 ? 200 : 500, count: 1 }],
    ok,
    failed,
  });
  agg.add('a', { runId: 'r', seq: 1, interval: 0, stats: [stats('login', 0, 1), stats('list', 1, 0)] });
  const [all, named] = judge([parseThreshold('rate(ok) == 1', ''), parseThreshold('rate(ok) == 1', 'login')], {
    aggregate: agg,
    windowMs: 1000,
  });
  assert.equal(all!.ok, true, 'the failed login is not in all');
  assert.equal(named!.ok, false, 'named, it is judged');
  assert.equal(agg.total.requests, 2, 'the totals keep every request sent');
});
