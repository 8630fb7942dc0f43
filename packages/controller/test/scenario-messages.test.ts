// What a scenario's author reads when it is wrong: a YAML syntax error with
// FILE:LINE:COL and the line under a caret; schema errors in words with what
// to write instead (never a regex), each with its JSON path; a did-you-mean
// for unknown keys, executors and built-in names.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { submittedScenario } from '../src/api/submission.ts';
import { loadScenario, parseScenario } from '../src/scenario/read.ts';

function messageOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    return { code: (e as { code: string }).code, message: (e as Error).message };
  }
  assert.fail('no error');
}

test('a YAML syntax error gives file, line and column, and shows the line with a caret', () => {
  const yaml = ['name: x', 'requests:', '  - { name: a, path: /a', 'scenarios: []', ''].join('\n');
  const e = messageOf(() => parseScenario(yaml, 'scenario.yaml'));
  assert.equal(e.code, 'SCENARIO_PARSE');
  const [first, shown, caret] = e.message.split('\n');
  assert.match(first!, /^cannot parse scenario\.yaml:\d+:\d+: /);
  const [, line, col] = /:(\d+):(\d+):/.exec(first!)!.map(Number);
  assert.equal(shown, ` ${line} | ${yaml.split('\n')[line! - 1]}`);
  assert.equal(caret!.indexOf('^') - caret!.indexOf('|') - 2, col! - 1, 'the caret is under the column');

  const tabs = messageOf(() => parseScenario('name: x\nrequests:\n\t- a\n', 'f.yaml'));
  assert.match(tabs.message, /^cannot parse f\.yaml:3:1: .*[Tt]ab.*; indent with spaces\n 3 \| \t- a\n {3}\| \^$/);
  const twice = messageOf(() => parseScenario('name: x\nname: y\n', 'f.yaml'));
  assert.match(twice.message, /^cannot parse f\.yaml:2:1: .*; give each key once\n 2 \| name: y\n/);
});

test('schema errors say what is wrong with the value and what to write, with the path', () => {
  const yaml = `
name: x
baseUrl: 127.0.0.1:8080
vars: { bad-name: v }
requests:
  - { name: a, path: /a, expect: [200, "2xx", 700], timeout: 5 minutes, multipart: { size: 10 megs } }
  - { name: b, path: items, checks: [{ json: a.b }] }
scenarios:
  - { name: s, executor: constant-vus, vus: "10", duration: 5 minutes }
  - { name: t, executor: constant-arrival-rate, rate: 100/s, duration: 10s }
`;
  const { code, message } = messageOf(() => parseScenario(yaml));
  assert.equal(code, 'SCENARIO_INVALID');
  for (const line of [
    '/scenarios/0/duration: "5 minutes" is not a duration; write a number and a unit: 500ms, 30s, 5m or 1h',
    '/requests/0/timeout: "5 minutes" is not a duration; write a number and a unit: 500ms, 30s, 5m or 1h',
    '/requests/0/multipart/size: "10 megs" is not a size; write a number and a unit: 512B, 100KB, 50MB or 1GB',
    '/requests/0/expect/1: "2xx" is not a status code; list each code, e.g. [200, 201, 204]',
    '/requests/0/expect/2: 700 is not an HTTP status; use 100 to 599',
    '/requests/1/path: "items" is not a path; start it with /, e.g. /items',
    '/requests/1/checks/0/json: "a.b" is not a JSON path; write $.a.b, $.items[0] or $[\'odd-key\']',
    '/baseUrl: "127.0.0.1:8080" is not an http(s) base URL; write http://127.0.0.1:8080 or https://api.example.com/v1',
    '/vars/bad-name: "bad-name" is not a variable name; start with a letter or _, then letters, digits or _, e.g. token',
    '/scenarios/0/vus: must be an integer, got "10"; write vus: 10',
    '/scenarios/1/rate: must be a number, got "100/s"; write rate: 100 (per timeUnit, default 1s: 100 per second)',
  ])
    assert.ok(message.split('\n').includes(line), `missing ${JSON.stringify(line)} in:\n${message}`);
  assert.doesNotMatch(message, /must match pattern|\^\[|\(ms\|s/, 'no regex is shown');
});

test('did you mean: unknown keys, executors and built-in scenario names', () => {
  const { message } = messageOf(() =>
    parseScenario(`
name: x
baseUrl: http://h
requests: [{ name: a, path: /a, expects: [200], bogus: 1 }]
scenarios:
  - { name: s, executor: constant-vu, vus: 1, duration: 1s }
  - { name: t, executor: constant-vus, vu: 1, duration: 1s }
`),
  );
  const lines = message.split('\n');
  assert.ok(lines.includes('/requests/0/expects: unknown property (did you mean expect?)'), message);
  assert.ok(lines.includes('/scenarios/1/vu: unknown property (did you mean vus?)'), message);
  const other = messageOf(() =>
    parseScenario(`
name: x
baseUrl: http://h
requests: [{ name: a, path: /a }]
scenarios: [{ name: s, executor: constant-arrival-rate, vus: 2, rate: 10, duration: 1s }]
`),
  );
  assert.ok(
    other.message
      .split('\n')
      .includes(
        '/scenarios/0/vus: not used by executor constant-arrival-rate, which takes rate, duration, timeUnit, maxInFlight, connections',
      ),
    other.message,
  );
  assert.ok(
    lines.some((l) => /^\/requests\/0\/bogus: unknown property; known here: name, method, .*expect/.test(l)),
    message,
  );
  assert.ok(
    lines.includes(
      '/scenarios/0/executor: "constant-vu" is not one of constant-vus, shared-iterations, per-vu-iterations, ramping-vus, constant-arrival-rate, ramping-arrival-rate (did you mean constant-vus?)',
    ),
    message,
  );

  const near = messageOf(() => loadScenario('helth-100'));
  assert.equal(near.code, 'SCENARIO_NOT_FOUND');
  assert.match(
    near.message,
    /^no built-in scenario or file named helth-100; did you mean health-100\? \(built-in: .*stress-100/,
  );
  const far = messageOf(() => loadScenario('no-such-thing-at-all'));
  assert.doesNotMatch(far.message, /did you mean/);
  assert.match(far.message, /built-in: .*health-100.*; or give a file path/);
});

test('a run submitted to a serving controller says whose environment ${env:} is read from', () => {
  const scenario = `
name: x
baseUrl: http://h
vars: { key: '\${env:BARRAGE_TARGET_KEY}', other: '\${env:BARRAGE_TARGET_OTHER:-x}' }
requests: [{ name: a, path: '/a', headers: { x-key: '\${key}' } }]
scenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s }]
`;
  const e = messageOf(() => submittedScenario({ scenario }, { HOME: '/x' }));
  assert.equal(e.code, 'SCENARIO_ENV_MISSING');
  assert.match(e.message, /not set: BARRAGE_TARGET_KEY\. /);
  assert.doesNotMatch(e.message, /BARRAGE_TARGET_OTHER/, 'a variable with a default is not missing');
  assert.match(e.message, /where `controller serve` runs\), not from the shell that submitted it/);
  assert.match(e.message, /set BARRAGE_TARGET_KEY=… for the serve process/);
  assert.match(e.message, /give the value with the run \(controller start --controller URL --set BARRAGE_TARGET_KEY=…/);
  const given = submittedScenario({ scenario, env: { BARRAGE_TARGET_KEY: 'v' } }, {});
  assert.equal(given.env.BARRAGE_TARGET_KEY, 'v', '--set supplies it');

  const foreign = messageOf(() =>
    submittedScenario({ scenario: scenario.replace('BARRAGE_TARGET_KEY', 'API_KEY') }, {}),
  );
  assert.equal(foreign.code, 'SCENARIO_INVALID');
  assert.match(
    foreign.message,
    /it reads API_KEY: give its value with the run instead \(controller start --controller URL --set API_KEY=…, or "env": \{"API_KEY": "…"\} in POST \/api\/v1\/runs\)/,
  );
  assert.equal(submittedScenario({ scenario }, { BARRAGE_TARGET_KEY: 'k' }).env.BARRAGE_TARGET_KEY, 'k');

  const near = messageOf(() => submittedScenario({ scenario: 'helth-100' }));
  assert.match(near.message, /helth-100; did you mean health-100\?/);
});

test('references to names: did you mean; thresholds written as other tools write them; ranges with the value', () => {
  const { message } = messageOf(() =>
    parseScenario(`
name: x
baseUrl: http://h
agentTimeout: 1s
requests: [{ name: login, path: /login }, { name: items, path: /items }]
flows: [{ name: browse, steps: [login, itemz] }]
thresholds: ['p95 < 500', 'p(99)<2 seconds', { expr: 'p(95)<1s', request: logn }, 'rate(ok) >> 1']
scenarios:
  - { name: s, executor: constant-vus, vus: 1, duration: 1s, requests: [item], flows: [brows] }
`),
  );
  const lines = message.split('\n');
  for (const line of [
    '/flows/0/steps/1: no request named itemz (did you mean items?)',
    '/scenarios/0/requests/0: no request named item (did you mean items?)',
    '/scenarios/0/flows/0: no flow named brows (did you mean browse?)',
    '/thresholds/2/request: no request named logn (did you mean login?)',
    '/agentTimeout: 1s is out of range; write between 2s and 1h',
  ])
    assert.ok(lines.includes(line), `missing ${JSON.stringify(line)} in:\n${message}`);
  assert.ok(
    lines.some((l) => /^\/thresholds\/0: threshold p95 < 500 is invalid: .*; write p\(95\)<500ms$/.test(l)),
    message,
  );
  assert.ok(
    lines.some((l) => /^\/thresholds\/1: .*; write p\(99\)<2s$/.test(l)),
    message,
  );
  assert.ok(
    lines.some((l) => /^\/thresholds\/3: threshold rate\(ok\) >> 1 is invalid: expected METRIC OP VALUE/.test(l)),
  );
  assert.doesNotMatch(lines.find((l) => l.startsWith('/thresholds/3'))!, /; write/);
});
