// perVU rows against the VU numbers a plan gives out once the agents are known:
// a ramp's agents' peak shares can add up past the cluster's peak, and a plan
// that would leave a VU without its row is refused before any request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseScenario } from '@barrage/controller';
import { perVuShortfalls } from '../src/plan/data-plan-check.ts';

const scenario = (rows: number, stop = false) =>
  parseScenario(`
name: ramp-users
baseUrl: http://127.0.0.1:1
data:
  users:
    rows: [${Array.from({ length: rows }, (_v, i) => `{ name: u${i} }`).join(', ')}]
    mode: perVU${stop ? '\n    onExhausted: stop' : ''}
requests: [{ name: me, path: '/me/\${users.name}' }]
scenarios:
  - { name: ramp, executor: ramping-vus, startVUs: 0, stages: [{ duration: 2s, target: 6 }, { duration: 2s, target: 0 }] }
`);

const agents = (weights: number[], workers = 1) => weights.map((weight, i) => ({ id: `a${i}`, weight, workers }));

test('a ramp whose agents number more VUs than the perVU rows is refused, with both numbers', () => {
  // The scenario check passes: the cluster's peak is 6 VUs, the source has 6 rows.
  const s = scenario(6);
  assert.deepEqual(perVuShortfalls(s, agents([1])), [], 'one agent numbers exactly the peak');
  const short = perVuShortfalls(s, agents([5, 3, 2]));
  assert.equal(short.length, 1);
  assert.match(
    short[0]!,
    /^\/scenarios\/0: ramp over these 3 agents numbers (\d+) users .* but data source users has 6 rows/,
  );
  assert.ok(Number(/numbers (\d+) users/.exec(short[0]!)![1]) > 6);
});

test('enough rows for the numbering, or onExhausted: stop: no problem', () => {
  assert.deepEqual(perVuShortfalls(scenario(12), agents([5, 3, 2], 3)), []);
  assert.deepEqual(perVuShortfalls(scenario(6, true), agents([5, 3, 2])), []);
});
