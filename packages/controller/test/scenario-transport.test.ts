// Scenario transport keys: http (1.1 or 2, per request, model or defaults),
// maxStreams, keepAlive, pipelining and connections: perVU, resolved per
// request of each model as the agents get them; the combinations that cannot
// work refused with their paths (SCENARIO_INVALID).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planRun } from '../src/plan/assignments.ts';
import { parseScenario } from '../src/scenario/read.ts';

const doc = (model: string, extra = '', request = '') => `
name: t
baseUrl: http://127.0.0.1:1
${extra}
requests:
  - { name: a, path: /a ${request} }
  - { name: b, path: /b }
scenarios: [{ name: s, executor: shared-iterations, vus: 2, iterations: 4 ${model} }]
`;

const invalid = (text: string) => {
  try {
    parseScenario(text, 't');
  } catch (err) {
    assert.equal((err as { code?: string }).code, 'SCENARIO_INVALID');
    return (err as Error).message;
  }
  assert.fail('accepted');
};

test('http resolves request over model over defaults; maxStreams with it', () => {
  const s = parseScenario(doc(', http: "1.1"', 'defaults: { http: 2 }', ', http: 2, maxStreams: 7'), 't');
  assert.deepEqual(s.transport![0]!.http, { a: { version: 2, maxStreams: 7 }, b: { version: 11, maxStreams: 0 } });
  const d = parseScenario(doc('', 'defaults: { http: "2", maxStreams: 3 }'), 't');
  assert.deepEqual(d.transport![0]!.http.b, { version: 2, maxStreams: 3 });
  const plan = planRun({
    runId: 'r',
    scenario: s,
    baseUrl: s.baseUrl,
    agents: [{ id: 'x', weight: 1 }],
    vars: [],
    intervalMs: 1000,
  } as unknown as Parameters<typeof planRun>[0]);
  const sp = plan[0]!.assign.scenarios![0]!;
  assert.deepEqual(
    sp.requests!.map((r) => [r.name, r.http, r.maxStreams]),
    [
      ['a', 2, 7],
      ['b', 11, 0],
    ],
  );
  assert.equal(sp.keepAliveOff, false);
  assert.equal(sp.pipelining, 1);
  assert.equal(sp.connectionsPerVu, false);
});

test('keepAlive, pipelining and connections: perVU reach the plan', () => {
  const s = parseScenario(doc(', keepAlive: false, connections: perVU'), 't');
  assert.deepEqual(
    { ...s.transport![0]!, http: undefined },
    { keepAlive: false, pipelining: 1, perVU: true, http: undefined },
  );
  assert.equal(s.scenarios[0]!.connections, 0);
  const p = parseScenario(doc(', pipelining: 10, connections: 2'), 't');
  assert.equal(p.transport![0]!.pipelining, 10);
  assert.equal(p.scenarios[0]!.connections, 2);
});

test('refused: http 3, pipelining or keepAlive: false with HTTP/2, maxStreams on HTTP/1.1, bad counts', () => {
  assert.match(invalid(doc(', http: 3')), /\/scenarios\/0\/http/);
  assert.match(invalid(doc('', '', ', http: "3"')), /\/requests\/0\/http/);
  assert.match(invalid(doc(', pipelining: 10, http: 2')), /\/scenarios\/0\/pipelining: request a speaks HTTP\/2/);
  assert.match(invalid(doc(', pipelining: 4', '', ', http: 2')), /request a speaks HTTP\/2, which multiplexes/);
  assert.match(invalid(doc(', keepAlive: false', 'defaults: { http: 2 }')), /\/scenarios\/0\/keepAlive: request a/);
  assert.match(invalid(doc(', keepAlive: false, pipelining: 2')), /pipelining needs kept-alive connections/);
  assert.match(invalid(doc(', maxStreams: 5')), /\/scenarios\/0\/maxStreams: streams are HTTP\/2's/);
  assert.match(invalid(doc('', '', ', maxStreams: 5')), /\/requests\/0\/maxStreams: streams are HTTP\/2's/);
  assert.match(invalid(doc(', pipelining: 0')), /\/scenarios\/0\/pipelining/);
  assert.match(invalid(doc(', pipelining: 101')), /\/scenarios\/0\/pipelining/);
  assert.match(invalid(doc(', http: 2, maxStreams: 1001')), /\/scenarios\/0\/maxStreams/);
  assert.match(invalid(doc(', connections: perConnection')), /\/scenarios\/0\/connections/);
});
