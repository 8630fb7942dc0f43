// Scenario loading: built-ins valid, every violation reported at once with
// its path, unknown keys and alias bombs refused, units and URLs resolved.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJsonPath } from '@barrage/core';
import { builtinScenarios, loadScenario, parseScenario } from '../src/scenario/read.ts';
import { parseDuration, parseSize } from '../src/scenario/units.ts';
import { requestUrl } from '../src/scenario/urls.ts';

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
    name: 'burst',
    executor: 'shared-iterations',
    vus: 10,
    iterations: 150,
    durationMs: 60_000,
    startTimeMs: 0,
    gracefulStopMs: 30_000,
    mix: [{ name: 'sessions', weight: 1, steps: ['sessions'] }],
    thinkTimeMs: 0,
    connections: 0,
    maxInFlight: 0,
    startTarget: 0,
    stages: [],
    redirects: 10,
    cookies: true,
    data: [],
  });
});

test('every violation is reported at once, each with its path', () => {
  const doc = {
    name: 'x',
    baseUrl: 'ftp://nope',
    extra: true,
    requests: [
      { name: 'a', method: 'FETCH' },
      { name: 'b', path: 'no-slash', url: 'http://h/', timeout: '5 minutes' },
    ],
    scenarios: [
      { name: 's', executor: 'constant-vus', vus: 10 },
      { name: 't', executor: 'shared-iterations', vus: 1, duration: '1s' },
    ],
  };
  let message = '';
  try {
    parseScenario(JSON.stringify(doc));
  } catch (e) {
    message = (e as Error).message;
    assert.equal((e as { code?: string }).code, 'SCENARIO_INVALID');
  }
  for (const expected of [
    '/extra: unknown property',
    '/baseUrl: "ftp://nope" is not an http(s) base URL; write http://',
    '/requests/0/method: "FETCH" is not one of GET, HEAD, POST',
    '/requests/0: give url or path',
    '/requests/1: give url or path, not both',
    '/requests/1/path: "no-slash" is not a path; start it with /',
    '/requests/1/timeout: "5 minutes" is not a duration; write a number and a unit: 500ms, 30s, 5m or 1h',
    '/scenarios/0/duration: is required',
    '/scenarios/1/iterations: is required',
    '/scenarios/1/duration: not used by executor shared-iterations',
  ])
    assert.ok(message.includes(expected), `missing ${JSON.stringify(expected)} in:\n${message}`);
  assert.doesNotMatch(message, /must NOT be valid|must match a schema in anyOf|must match pattern/);
});

test('semantic checks: duplicate names, unknown references, undefined variables', () => {
  assert.throws(
    () =>
      parseScenario(`
name: x
baseUrl: http://h
requests:
  - { name: a, path: '/\${nope}' }
  - { name: a, path: /b }
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s, requests: [a, zz] }]
`),
    (e: Error) => {
      assert.match(e.message, /\/requests\/1\/name: duplicate request name a/);
      assert.match(e.message, /\/scenarios\/0\/requests\/1: no request named zz/);
      assert.match(e.message, /\/requests\/0\/path: variable \$\{nope\} is not captured/);
      return true;
    },
  );
});

test('YAML alias bombs and oversized documents are refused', () => {
  const bomb = [
    'a: &a ["x","x","x","x","x","x","x","x","x"]',
    ...Array.from(
      { length: 8 },
      (_v, i) =>
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
    ),
  ].join('\n');
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

test('a scenario with three mistakes reports all three, each with its path', () => {
  const yaml = `
name: three
baseUrl: http://127.0.0.1:8080
requests:
  - { name: up, method: POST, path: /upload, multipart: { size: 50 megabytes } }
  - { name: health, path: /health, checks: [{ header: Retry-After, json: $.x }] }
scenarios:
  - { name: open, executor: constant-arrival-rate, rate: 0, duration: 30s }
`;
  let message = '';
  try {
    parseScenario(yaml);
  } catch (e) {
    message = (e as Error).message;
  }
  const lines = message.split('\n').slice(1);
  assert.deepEqual(
    lines,
    [
      '/requests/0/multipart/size: "50 megabytes" is not a size; write a number and a unit: 512B, 100KB, 50MB or 1GB',
      '/requests/1/checks/0: a check takes header, or json (with equals), not both',
      '/scenarios/0/rate: must be > 0, got 0',
    ].sort(),
  );
});

test('each executor takes its own keys and resolves its units', () => {
  const s = parseScenario(`
name: models
baseUrl: http://h
requests: [{ name: a, path: /a }]
scenarios:
  - { name: cv, executor: constant-vus, vus: 2, duration: 1m, thinkTime: 250ms }
  - { name: si, executor: shared-iterations, vus: 2, iterations: 9 }
  - { name: pv, executor: per-vu-iterations, vus: 3, iterations: 4, maxDuration: 30s }
  - { name: rv, executor: ramping-vus, stages: [{ duration: 10s, target: 20 }, { duration: 5s, target: 0 }] }
  - { name: car, executor: constant-arrival-rate, rate: 500, timeUnit: 5m, duration: 5m, maxInFlight: 50 }
  - { name: rar, executor: ramping-arrival-rate, startRate: 60, timeUnit: 1m, stages: [{ duration: 30s, target: 120 }] }
`);
  const [cv, si, pv, rv, car, rar] = s.scenarios;
  assert.equal(cv!.durationMs, 60_000);
  assert.equal(cv!.thinkTimeMs, 250);
  assert.equal(si!.durationMs, 600_000, 'default maxDuration 10m');
  assert.equal(pv!.iterations, 4);
  assert.deepEqual([rv!.durationMs, rv!.vus, rv!.startTarget], [15_000, 20, 0]);
  assert.deepEqual(
    [car!.startTarget, car!.stages, car!.maxInFlight],
    [500 / 300, [{ durationMs: 300_000, target: 500 / 300 }], 50],
  );
  assert.deepEqual([rar!.startTarget, rar!.stages, rar!.maxInFlight], [1, [{ durationMs: 30_000, target: 2 }], 1000]);
  assert.throws(
    () =>
      parseScenario(`
name: bad
baseUrl: http://h
requests: [{ name: a, path: /a }]
scenarios:
  - { name: rv, executor: ramping-vus, vus: 3, stages: [{ duration: 1s, target: 2.5 }] }
  - { name: pv, executor: per-vu-iterations, vus: 1 }
`),
    (e: Error) => {
      assert.match(e.message, /\/scenarios\/0\/vus: not used by executor ramping-vus/);
      assert.match(e.message, /\/scenarios\/1\/iterations: is required/);
      return true;
    },
  );
  assert.throws(
    () =>
      parseScenario(`
name: bad
baseUrl: http://h
requests: [{ name: a, path: /a }]
scenarios: [{ name: rv, executor: ramping-vus, stages: [{ duration: 1s, target: 2.5 }] }]
`),
    /\/scenarios\/0\/stages\/0\/target: VUs must be a whole number/,
  );
});

test('flows: steps resolve, captures feed later steps only, mixes default sensibly', () => {
  const s = parseScenario(`
name: flows
baseUrl: http://h
requests:
  - { name: login, method: POST, path: /login, capture: { token: $.t, where: { header: Location } } }
  - { name: list, path: '/items/\${where}', headers: { authorization: 'Bearer \${token}' } }
  - { name: health, path: /health, weight: 3 }
flows: [{ name: journey, steps: [login, list], weight: 2 }]
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s }]
`);
  assert.deepEqual(
    s.scenarios[0]!.mix,
    [
      { name: 'health', weight: 3, steps: ['health'] },
      { name: 'journey', weight: 2, steps: ['login', 'list'] },
    ],
    'default mix: requests that are not flow steps, and every flow',
  );
  assert.deepEqual(s.requests[0]!.captures, [
    { variable: 'token', json: '$.t' },
    { variable: 'where', header: 'Location' },
  ]);
  assert.throws(
    () =>
      parseScenario(`
name: flows
baseUrl: http://h
requests:
  - { name: login, method: POST, path: /login, capture: { token: $.t } }
  - { name: list, path: /items, headers: { authorization: 'Bearer \${token}' } }
  - { name: other, url: 'http://\${token}/x' }
flows: [{ name: backwards, steps: [list, login] }, { name: login, steps: [zz] }]
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s, requests: [list] }]
`),
    (e: Error) => {
      assert.match(
        e.message,
        /\/flows\/0\/steps\/0: list uses \$\{token\} .* which no setup step and no earlier step of backwards captures/,
      );
      assert.match(e.message, /\/flows\/1\/name: login is already the name of a request or flow/);
      assert.match(e.message, /\/flows\/1\/steps\/0: no request named zz/);
      assert.match(e.message, /\/scenarios\/0: request list runs on its own but uses \$\{token\}/);
      assert.match(e.message, /\/requests\/2\/url: variable \$\{token\} may not be part of the origin/);
      return true;
    },
  );
});

test('checks get readable names; multipart needs a body-carrying method', () => {
  const s = parseScenario(`
name: checks
baseUrl: http://h
requests:
  - name: a
    path: /a
    checks:
      - { header: Retry-After, status: [429] }
      - { json: $.status, equals: ok }
      - { json: $.id }
      - { name: custom, json: '$.items[0]', equals: { x: 1 } }
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s }]
`);
  assert.deepEqual(
    s.requests[0]!.checks.map((c) => c.name),
    ['header Retry-After on 429', '$.status == "ok"', '$.id exists', 'custom'],
  );
  assert.throws(
    () =>
      parseScenario(`
name: up
baseUrl: http://h
requests: [{ name: up, path: /u, multipart: { size: 1KB }, headers: { content-type: text/plain } }]
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s }]
`),
    (e: Error) => {
      assert.match(e.message, /\/requests\/0\/method: a multipart upload needs POST, PUT or PATCH/);
      assert.match(e.message, /\/requests\/0\/headers\/content-type: set by the multipart upload/);
      return true;
    },
  );
});

test('what an agent would refuse is refused at load: JSON paths, empty runs, shadowed variables, credentials in URLs', () => {
  assert.throws(
    () =>
      parseScenario(`
name: refused
vars: { token: x }
requests:
  - { name: a, url: 'http://u:p@h/a', capture: { id: '$..id' }, checks: [{ json: '$.items[*]' }] }
  - { name: b, method: POST, url: http://h/b, capture: { token: $.t } }
scenarios:
  - { name: z, executor: constant-vus, vus: 1, duration: 0s, requests: [a] }
  - { name: n, executor: constant-arrival-rate, rate: 1, timeUnit: 1m, duration: 10s, requests: [a] }
  - { name: long, executor: constant-vus, vus: 1, duration: 600h, requests: [a] }
`),
    (e: Error) => {
      for (const re of [
        /\/requests\/0\/capture\/id: unsupported JSON path syntax/,
        /\/requests\/0\/checks\/0\/json: unsupported JSON path syntax/,
        /\/requests\/0\/url: credentials in the URL are not sent/,
        /\/requests\/1\/capture\/token: token is already a run variable/,
        /\/scenarios\/0: the model must run for more than 0s/,
        /\/scenarios\/1: the rate and duration give no arrivals/,
        /\/scenarios\/2: startTime \+ duration \+ gracefulStop must stay under 24 days/,
      ])
        assert.match(e.message, re);
      return true;
    },
  );
});

test('variables in query values and JSON bodies get the encoding of where they land; fragments are dropped', () => {
  const s = parseScenario(`
name: enc
setup: [{ name: login, method: POST, url: http://h/login, capture: { token: $.t } }]
requests:
  - { name: a, method: POST, url: 'http://h/a#frag', query: { q: '\${token}', raw: '\${token|json}' }, json: { t: '\${token}', n: 1 } }
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s }]
`);
  assert.equal(requestUrl(s.requests[0]!, undefined), 'http://h/a?q=${token|uri}&raw=${token|json}');
  assert.equal(s.requests[0]!.body, '{"t":"${token|json}","n":1}');
});

test('headers, references and URLs an agent could not send are refused at load, each with its path', () => {
  assert.throws(
    () =>
      parseScenario(`
name: refused2
baseUrl: 'http://h/api?x=1'
defaults: { headers: { content-type: application/json } }
requests:
  - { name: a, url: 'http://', headers: { x-user: 'Zoë €', expect: 100-continue, X-A: '1', x-a: '2' } }
  - { name: b, url: 'http://h/b/\${ v }', body: '\${env:P:-say "hi"}' }
scenarios:
  - { name: r, executor: ramping-vus, stages: [{ duration: 1s, target: 0 }], requests: [a] }
  - { name: t, executor: constant-vus, vus: 1, duration: 1s, thinkTime: 1000h, requests: [b] }
`),
    (e: Error) => {
      for (const re of [
        /\/baseUrl: a base URL has no query or fragment/,
        /\/requests\/0\/url: not a valid URL/,
        /\/requests\/0\/headers\/x-user: the value has characters a header cannot carry/,
        /\/requests\/0\/headers\/expect: barrage cannot send this header/,
        /\/requests\/0\/headers\/x-a: given twice/,
        /\/requests\/1\/url: "\$\{ v \}" is not a variable reference/,
        /\/requests\/1\/body: the default of \$\{env:P\} may not contain quotes/,
        /\/scenarios\/0\/stages: the ramp never has a VU/,
        /\/scenarios\/1\/thinkTime: at most 24 days/,
      ])
        assert.match(e.message, re);
      return true;
    },
  );
  // A default content-type does not apply to an upload; a default header overridden in another case is not checked.
  const s = parseScenario(`
name: ok
baseUrl: http://h
defaults: { headers: { content-type: application/json, Authorization: 'Bearer \${token}' } }
requests:
  - { name: up, method: POST, path: /u, multipart: { size: 1KB }, headers: { authorization: Basic abc } }
  - { name: login, method: POST, path: /login, headers: { authorization: Basic abc }, capture: { token: $.t } }
  - { name: list, path: /list }
flows: [{ name: f, steps: [login, list] }]
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s, requests: [up], flows: [f] }]
`);
  assert.equal(s.requests[0]!.headers['content-type'], undefined);
  assert.equal(s.requests[0]!.headers.authorization, 'Basic abc');
});
