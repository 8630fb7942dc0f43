// What a scenario's plan asks of its data sources: a plan needing more unique
// or perVU rows than a source holds is refused with both numbers unless
// onExhausted: stop; a unique source feeds one load model; every
// ${source.column} names a source and a column; setup steps read no rows.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rowsNeeded } from '../src/scenario/data-needs.ts';
import { parseScenario } from '../src/scenario/read.ts';
import type { Scenario } from '../src/scenario/scenario.ts';

const ROWS = 500;
const users = Array.from({ length: ROWS }, (_v, i) => ({ username: `user${i}`, password: `pw${i}` }));

/** A scenario over a 500-row `users` source of `mode`, run by `models`, whose request logs each user in. */
function scenario(
  mode: string,
  models: Array<Record<string, unknown>>,
  extra: { source?: Record<string, unknown>; doc?: Record<string, unknown>; path?: string } = {},
): Scenario {
  return parseScenario(
    JSON.stringify({
      name: 'x',
      baseUrl: 'http://h',
      data: { users: { rows: users, mode, ...extra.source } },
      requests: [{ name: 'login', path: extra.path ?? '/login/${users.username}?p=${users.password}' }],
      scenarios: models,
      ...extra.doc,
    }),
  );
}

/** The SCENARIO_INVALID message's problems, one a line. */
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.equal((e as { code?: string }).code, 'SCENARIO_INVALID', (e as Error).message);
    return (e as Error).message.split('\n').slice(1);
  }
  assert.fail('no SCENARIO_INVALID thrown');
}

/** The one problem that mentions `needle`. */
function theOne(lines: string[], needle: string): string {
  const hits = lines.filter((l) => l.includes(needle));
  assert.equal(hits.length, 1, `expected one problem with ${JSON.stringify(needle)} in:\n${lines.join('\n')}`);
  return hits[0]!;
}

const shared = (iterations: number) => ({ name: 'load', executor: 'shared-iterations', vus: 10, iterations });

test('shared-iterations: 600 iterations over 500 unique rows are refused with both numbers', () => {
  const lines = problems(() => scenario('unique', [shared(600)]));
  assert.equal(lines.length, 1, lines.join('\n'));
  const line = theOne(lines, 'needs 600 rows');
  assert.match(line, /^\/scenarios\/0: load needs 600 rows of data source users \(one per iteration\), which has 500/);
  assert.match(line, /onExhausted: stop/);
  // As many iterations as rows is fine.
  assert.equal(scenario('unique', [shared(500)]).data[0]!.rows.length, ROWS);
});

test('onExhausted: stop lets a plan need more rows than there are', () => {
  const s = scenario('unique', [shared(600)], { source: { onExhausted: 'stop' } });
  assert.equal(s.data[0]!.stopWhenExhausted, true);
  assert.deepEqual(s.scenarios[0]!.data, ['users']);
});

test('per-vu-iterations needs vus × iterations unique rows, but only vus perVU rows', () => {
  const model = (vus: number, iterations: number) => ({ name: 'pv', executor: 'per-vu-iterations', vus, iterations });
  const line = theOne(
    problems(() => scenario('unique', [model(50, 11)])),
    'needs 550 rows',
  );
  assert.match(line, /has 500/);
  scenario('unique', [model(50, 10)]);
  scenario('perVU', [model(500, 3)]);
  assert.match(
    theOne(
      problems(() => scenario('perVU', [model(501, 1)])),
      'needs 501',
    ),
    /one per VU\), which has 500/,
  );
});

test('constant-vus reading a unique source without stop is refused: it runs for a duration', () => {
  const cv = { name: 'steady', executor: 'constant-vus', vus: 5, duration: '10s' };
  const line = theOne(
    problems(() => scenario('unique', [cv])),
    'steady',
  );
  assert.match(line, /runs for a duration/);
  assert.match(line, /500 rows in inline rows/);
  assert.match(line, /onExhausted: stop/);
  scenario('unique', [cv], { source: { onExhausted: 'stop' } });
  // A circular or random source never runs out.
  scenario('circular', [cv]);
  scenario('random', [cv], { source: { seed: 7 } });
});

test('perVU over a ramping-vus model whose peak is 600 VUs is refused; a peak of 500 is not', () => {
  const ramp = (peak: number) => ({
    name: 'ramp',
    executor: 'ramping-vus',
    startVUs: 10,
    stages: [
      { duration: '5s', target: peak },
      { duration: '5s', target: 20 },
    ],
  });
  const line = theOne(
    problems(() => scenario('perVU', [ramp(600)])),
    'needs 600 rows',
  );
  assert.match(line, /one per VU\), which has 500/);
  scenario('perVU', [ramp(500)]);
  // constant-vus: its VU count is what perVU needs.
  assert.match(
    theOne(
      problems(() => scenario('perVU', [{ name: 'cv', executor: 'constant-vus', vus: 501, duration: '1s' }])),
      'needs 501',
    ),
    /has 500/,
  );
});

test('constant-arrival-rate: each arrival needs a unique row', () => {
  const car = (rate: number) => ({ name: 'open', executor: 'constant-arrival-rate', rate, duration: '60s' });
  const line = theOne(
    problems(() => scenario('unique', [car(10)])),
    'needs 600 rows',
  );
  assert.match(line, /one per arrival\), which has 500/);
  scenario('unique', [{ name: 'open', executor: 'constant-arrival-rate', rate: 5, duration: '100s' }]);
  // A ramping rate: 0 → 20/s over 50 s is 500 arrivals, then 10 s more at 20/s.
  const rar = {
    name: 'rar',
    executor: 'ramping-arrival-rate',
    stages: [
      { duration: '50s', target: 20 },
      { duration: '10s', target: 20 },
    ],
  };
  const s = scenario('unique', [rar], { source: { onExhausted: 'stop' } });
  const need = rowsNeeded(s.scenarios[0]!, 'unique');
  assert.ok(need > ROWS, `ramping arrivals ${need}`);
  assert.match(
    theOne(
      problems(() => scenario('unique', [rar])),
      `needs ${need} rows`,
    ),
    /one per arrival/,
  );
});

test('rowsNeeded: per mode and load model', () => {
  const s = scenario('circular', [
    shared(42),
    { name: 'pv', executor: 'per-vu-iterations', vus: 7, iterations: 3 },
    { name: 'cv', executor: 'constant-vus', vus: 9, duration: '1s' },
    { name: 'car', executor: 'constant-arrival-rate', rate: 4, duration: '5s' },
  ]);
  const [sh, pv, cv, car] = s.scenarios;
  assert.equal(rowsNeeded(sh!, 'unique'), 42);
  assert.equal(rowsNeeded(sh!, 'perVU'), 10);
  assert.equal(rowsNeeded(pv!, 'unique'), 21);
  assert.equal(rowsNeeded(pv!, 'perVU'), 7);
  assert.equal(rowsNeeded(cv!, 'unique'), Number.POSITIVE_INFINITY);
  assert.equal(rowsNeeded(cv!, 'perVU'), 9);
  assert.equal(rowsNeeded(car!, 'unique'), 20);
  assert.equal(rowsNeeded(car!, 'perVU'), 20);
});

test('a unique source read by two load models is refused; a circular one is not', () => {
  const two = [shared(100), { ...shared(100), name: 'again' }];
  const line = theOne(
    problems(() => scenario('unique', two)),
    '/data/users',
  );
  assert.match(line, /load and again both read it/);
  const s = scenario('circular', two);
  assert.deepEqual(
    s.scenarios.map((m) => m.data),
    [['users'], ['users']],
  );
});

test('a column that does not exist gets the nearest; a source that does not exist is named', () => {
  const typo = theOne(
    problems(() => scenario('circular', [shared(10)], { path: '/login?p=${users.pasword}' })),
    'pasword',
  );
  assert.match(typo, /^\/requests\/0\/path: data source users has no column pasword \(did you mean password\?\)/);
  assert.match(typo, /columns: username, password/);
  const none = theOne(
    problems(() => scenario('circular', [shared(10)], { path: '/login?p=${nope.x}' })),
    'nope',
  );
  assert.match(none, /^\/requests\/0\/path: \$\{nope\.x\} names no data source/);
  assert.match(
    theOne(
      problems(() => scenario('circular', [shared(10)], { path: '/${user.username}' })),
      'user.username',
    ),
    /names no data source \(did you mean users\?\)/,
  );
});

test('a setup step may not read a data row: setup runs once, on the controller', () => {
  const line = theOne(
    problems(() =>
      scenario('circular', [shared(10)], {
        doc: { setup: [{ name: 'prime', path: '/prime/${users.username}' }] },
      }),
    ),
    '/setup/0',
  );
  assert.match(line, /\$\{users\.username\} is a data row/);
  assert.match(line, /setup steps run once, on the controller/);
});

test('only the models whose requests read a source are counted against it', () => {
  const s = parseScenario(
    JSON.stringify({
      name: 'x',
      baseUrl: 'http://h',
      data: { users: { rows: users, mode: 'unique' } },
      requests: [
        { name: 'login', path: '/login/${users.username}' },
        { name: 'health', path: '/health' },
      ],
      scenarios: [
        { ...shared(500), requests: ['login'] },
        { name: 'probe', executor: 'constant-vus', vus: 2, duration: '10s', requests: ['health'] },
      ],
    }),
  );
  assert.deepEqual(
    s.scenarios.map((m) => m.data),
    [['users'], []],
  );
});
