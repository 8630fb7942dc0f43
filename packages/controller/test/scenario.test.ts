// Scenario loading: built-ins valid, every violation reported at once with
// its path, unknown keys and alias bombs refused, units and URLs resolved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinScenarios, loadScenario, parseScenario } from '../src/scenario/load.ts';
import { requestUrl } from '../src/scenario/load.ts';
import { readJsonPath } from '@barrage/agent';
import { parseDuration, parseSize } from '../src/units.ts';

test('built-in scenarios load and validate', () => {
  assert.ok(builtinScenarios().includes('stress-100'));
  assert.ok(builtinScenarios().includes('ratelimit-150'));
  for (const name of builtinScenarios()) {
    const s = loadScenario(name);
    assert.equal(s.name, name);
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.requests[0]));
  }
  const r = loadScenario('ratelimit-150');
  assert.deepEqual(r.scenarios[0], {
    name: 'burst', executor: 'shared-iterations', vus: 10, iterations: 150, durationMs: 60_000, startTimeMs: 0, gracefulStopMs: 30_000,
    mix: [{ name: 'sessions', weight: 1, steps: ['sessions'] }], thinkTimeMs: 0, connections: 0, maxInFlight: 0, startTarget: 0, stages: [],
  });
});

test('every violation is reported at once, each with its path', () => {
  const doc = {
    name: 'x', baseUrl: 'ftp://nope', extra: true,
    requests: [{ name: 'a', method: 'FETCH' }, { name: 'b', path: 'no-slash', url: 'http://h/', timeout: '5 minutes' }],
    scenarios: [{ name: 's', executor: 'constant-vus', vus: 10 }, { name: 't', executor: 'shared-iterations', vus: 1, duration: '1s' }],
  };
  let message = '';
  try { parseScenario(JSON.stringify(doc)); } catch (e) { message = (e as Error).message; assert.equal((e as { code?: string }).code, 'SCENARIO_INVALID'); }
  for (const expected of [
    '/extra: unknown property',
    '/baseUrl: must match pattern',
    '/requests/0/method: must be equal to one of the allowed values',
    '/requests/0: give url or path',
    '/requests/1: give url or path, not both',
    '/requests/1/path: must match pattern "^/"',
    '/requests/1/timeout: must match pattern',
    '/scenarios/0/duration: is required',
    '/scenarios/1/iterations: is required',
    '/scenarios/1/duration: not used by executor shared-iterations',
  ]) assert.ok(message.includes(expected), `missing ${JSON.stringify(expected)} in:\n${message}`);
  assert.doesNotMatch(message, /must NOT be valid|must match a schema in anyOf/);
});

test('semantic checks: duplicate names, unknown references, undefined variables', () => {
  assert.throws(() => parseScenario(`
name: x
baseUrl: http://h
requests:
  - { name: a, path: '/\${nope}' }
  - { name: a, path: /b }
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s, requests: [a, zz] }]
`), (e: Error) => {
    assert.match(e.message, /\/requests\/1\/name: duplicate request name a/);
    assert.match(e.message, /\/scenarios\/0\/requests\/1: no request named zz/);
    assert.match(e.message, /\/requests\/0\/path: variable \$\{nope\} is not captured/);
    return true;
  });
});

test('YAML alias bombs and oversized documents are refused', () => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_v, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
  assert.throws(() => parseScenario(bomb), { code: 'SCENARIO_PARSE' });
  assert.throws(() => parseScenario('name: x\n'.repeat(200_000)), { code: 'SCENARIO_PARSE' });
});

test('URLs keep ${variables} unencoded and take --target as base', () => {
  const s = parseScenario(`
name: x
baseUrl: http://a:1/base/
setup: [{ name: login, path: /login, capture: { token: $.t } }]
requests: [{ name: a, path: '/items/\${token}', query: { q: 'a b', n: 2 } }]
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s }]
`);
  assert.equal(requestUrl(s.requests[0]!, 'http://b:2'), 'http://b:2/items/${token}?q=a%20b&n=2');
  assert.equal(requestUrl(s.requests[0]!, s.baseUrl), 'http://a:1/base/items/${token}?q=a%20b&n=2');
});

test('units and JSON paths', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseSize('100KB'), 102_400);
  assert.equal(parseSize('50MB'), 52_428_800);
  assert.throws(() => parseDuration('5 minutes'));
  const doc = { access_token: 'x', a: { b: [{ c: 3 }] }, 'k-y': 1 };
  assert.equal(readJsonPath(doc, '$.access_token'), 'x');
  assert.equal(readJsonPath(doc, '$.a.b[0].c'), 3);
  assert.equal(readJsonPath(doc, "$['k-y']"), 1);
  assert.equal(readJsonPath(doc, '$.a.zz'), undefined);
  assert.equal(readJsonPath(doc, '$.constructor'), undefined, 'only own properties');
  assert.throws(() => readJsonPath(doc, '$..a'));
});
