// The `redirects` key from the scenario to each agent's RequestSpec: the
// request's own limit wins over its load model's, which wins over defaults;
// unset everywhere, 10. Out-of-range values and setup steps are refused. And
// `cookies`: the model's own, else defaults.cookies, else on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planRun } from '../src/plan/assignments.ts';
import { parseScenario } from '../src/scenario/read.ts';

const plan = (yaml: string) =>
  planRun({
    runId: 'r',
    scenario: parseScenario(yaml),
    baseUrl: 'http://127.0.0.1:1',
    agents: [{ id: 'a', weight: 1 }],
    vars: [],
    intervalMs: 1000,
  });

const limits = (yaml: string) =>
  Object.fromEntries(
    plan(yaml)[0]!.assign.scenarios!.flatMap((s) => s.requests!.map((r) => [`${s.name}/${r.name}`, r.maxRedirects])),
  );

test('the request wins, then the model, then defaults, then 10', () => {
  const base = `
name: r
baseUrl: http://127.0.0.1:1
requests:
  - { name: own, path: /a, redirects: 2 }
  - { name: plain, path: /b }
scenarios:
  - { name: m, executor: shared-iterations, vus: 1, iterations: 2, redirects: 0, requests: [own, plain] }
  - { name: n, executor: shared-iterations, vus: 1, iterations: 2, requests: [own, plain] }
`;
  assert.deepEqual(limits(base), { 'm/own': 2, 'm/plain': 0, 'n/own': 2, 'n/plain': 10 });
  assert.deepEqual(limits(`${base}defaults: { redirects: 4 }\n`), {
    'm/own': 2,
    'm/plain': 0,
    'n/own': 2,
    'n/plain': 4,
  });
});

test('redirects is 0..10, on requests, models and defaults only', () => {
  const doc = (extra: string) => `
name: r
baseUrl: http://127.0.0.1:1
setup:
  - { name: login, path: /login${extra.includes('setup') ? ', redirects: 1' : ''} }
requests:
  - { name: a, path: /a${extra.includes('eleven') ? ', redirects: 11' : ''} }
scenarios:
  - { name: m, executor: shared-iterations, vus: 1, iterations: 1 }
`;
  assert.throws(() => parseScenario(doc('eleven')), /\/requests\/0\/redirects/);
  assert.throws(() => parseScenario(doc('setup')), /\/setup\/0.*redirects/);
  assert.doesNotThrow(() => parseScenario(doc('')));
});

test('cookies: the model wins, then defaults.cookies, then on; the plan tells agents whose jar is off', () => {
  const yaml = (defaults: string) => `
name: c
baseUrl: http://127.0.0.1:1
${defaults}requests: [{ name: a, path: /a }]
scenarios:
  - { name: on, executor: shared-iterations, vus: 1, iterations: 1, cookies: true }
  - { name: off, executor: shared-iterations, vus: 1, iterations: 1, cookies: false }
  - { name: unset, executor: shared-iterations, vus: 1, iterations: 1 }
`;
  const off = (y: string) => Object.fromEntries(plan(y)[0]!.assign.scenarios!.map((s) => [s.name, s.cookiesOff]));
  assert.deepEqual(off(yaml('')), { on: false, off: true, unset: false });
  assert.deepEqual(off(yaml('defaults: { cookies: false }\n')), { on: false, off: true, unset: true });
});
