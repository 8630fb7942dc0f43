// The `retry` key from the scenario to each agent's RequestSpec: the request's
// own policy wins over its load model's, which wins over defaults; unset
// everywhere (or max 0), none. Defaults fill what is not written; bad values
// are refused with their paths (SCENARIO_INVALID), setup steps take none.
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

const retries = (yaml: string) =>
  Object.fromEntries(
    plan(yaml)[0]!.assign.scenarios!.flatMap((s) => s.requests!.map((r) => [`${s.name}/${r.name}`, r.retry ?? null])),
  );

const doc = (extra: string, request = '') => `
name: r
baseUrl: http://127.0.0.1:1
${extra}
requests:
  - { name: own, path: /a${request} }
  - { name: plain, path: /b }
scenarios:
  - { name: m, executor: shared-iterations, vus: 1, iterations: 2, retry: { max: 1 }, requests: [own, plain] }
  - { name: n, executor: shared-iterations, vus: 1, iterations: 2, requests: [own, plain] }
`;

test('the request wins, then the model, then defaults; none by default', () => {
  const r = retries(doc('', ', retry: { on: [503, reset], max: 5, backoff: { base: 1s, max: 4s, jitter: false } }'));
  assert.deepEqual(r['m/own'], {
    onStatus: [503],
    onReset: true,
    onTimeout: false,
    onRefused: false,
    max: 5,
    baseMs: 1000,
    maxMs: 4000,
    jitter: false,
    honorRetryAfter: true,
  });
  assert.deepEqual(r['n/own'], r['m/own']);
  // The model's, with every default filled in.
  assert.deepEqual(r['m/plain'], {
    onStatus: [429, 503],
    onReset: false,
    onTimeout: false,
    onRefused: false,
    max: 1,
    baseMs: 100,
    maxMs: 5000,
    jitter: true,
    honorRetryAfter: true,
  });
  assert.equal(r['n/plain'], null, 'no retry unless asked');
  const d = retries(doc('defaults: { retry: { on: [429], honorRetryAfter: false } }'));
  assert.equal(d['n/plain']!.max, 3);
  assert.equal(d['n/plain']!.honorRetryAfter, false);
  assert.deepEqual(d['n/plain']!.onStatus, [429]);
  assert.equal(d['m/plain']!.max, 1, "the model's own wins over defaults");
  assert.equal(retries(doc('', ', retry: { max: 0 }'))['m/own'], null, 'max 0 turns retries off');
});

test('bad retry policies are refused with their paths', () => {
  assert.throws(() => parseScenario(doc('', ', retry: { max: 11 }')), /\/requests\/0\/retry\/max/);
  assert.throws(() => parseScenario(doc('', ', retry: { on: [reset, gone] }')), /\/requests\/0\/retry\/on/);
  assert.throws(
    () => parseScenario(doc('', ', retry: { backoff: { base: 2h } }')),
    /\/requests\/0\/retry\/backoff\/base/,
  );
  assert.throws(
    () => parseScenario(doc('', ', retry: { backoff: { base: 10s, max: 1s } }')),
    /\/requests\/0\/retry\/backoff\/base: must not exceed/,
  );
  assert.throws(() => parseScenario(doc('defaults: { retry: { tries: 2 } }')), /\/defaults\/retry/);
  assert.throws(
    () =>
      parseScenario(
        `${doc('')}setup:\n  - { name: s, path: /s, retry: { max: 1 } }\n`.replace('requests:', 'requests:'),
      ),
    /\/setup\/0/,
  );
});
