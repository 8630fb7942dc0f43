// The agent's check of a scenario's transport (ScenarioPlan 60-62) and each
// request's HTTP version (RequestSpec 30-31): bounded, refused where they
// cannot apply, and HTTP/2 requests given connection profiles of their own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TargetAllowlist } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import { prepareConnections } from '../src/run/connection-plan.ts';
import { prepareTransport } from '../src/run/transport-plan.ts';

const spec = (name: string, extra: Partial<barrage.v1.RequestSpec.$Properties> = {}) => ({
  name,
  method: 'GET',
  url: 'http://127.0.0.1:1/x',
  ...extra,
});
const plan = (extra: Partial<barrage.v1.ScenarioPlan.$Properties>, requests = [spec('a')]) => ({
  name: 's',
  requests,
  ...extra,
});

test('transport: defaults, bounds, and HTTP/2 with pipelining or keepAlive off refused', () => {
  assert.deepEqual(prepareTransport(plan({}), 'w'), { keepAlive: true, pipelining: 1, perVU: false });
  assert.deepEqual(prepareTransport(plan({ keepAliveOff: true, connectionsPerVu: true }), 'w'), {
    keepAlive: false,
    pipelining: 1,
    perVU: true,
  });
  assert.equal(prepareTransport(plan({ pipelining: 10 }), 'w').pipelining, 10);
  const bad = (p: Partial<barrage.v1.ScenarioPlan.$Properties>, re: RegExp, requests?: ReturnType<typeof spec>[]) =>
    assert.throws(() => prepareTransport(plan(p, requests), 'scenario 0'), { code: 'AGENT_BAD_ASSIGN', message: re });
  bad({ pipelining: 101 }, /scenario 0: pipelining 101/);
  bad({ pipelining: 2.5 }, /pipelining 2.5/);
  bad({ pipelining: 2, keepAliveOff: true }, /pipelining needs kept-alive/);
  bad({ pipelining: 2 }, /"a": HTTP\/2 has no pipelining/, [spec('a', { http: 2 })]);
  bad({ keepAliveOff: true }, /"a": HTTP\/2 has no keepAlive: false/, [spec('a', { http: 2 })]);
});

test('http per request: 1.1 or 2, maxStreams bounded and HTTP/2 only; h2 requests get their own profile', () => {
  const assign = (requests: ReturnType<typeof spec>[]): barrage.v1.Assign.$Properties => ({
    runId: 'r',
    scenarios: [{ name: 's', requests }],
  });
  const lists = [new TargetAllowlist()];
  const p = prepareConnections(
    assign([
      spec('a'),
      spec('b', { http: 2, maxStreams: 8 }),
      spec('c', { http: 11 }),
      spec('d', { http: 2, maxStreams: 8 }),
    ]),
    ['a', 'b', 'c', 'd'],
    lists,
  );
  assert.deepEqual(p.profileOf, [0, 1, 0, 1]);
  assert.equal(p.profiles[1]!.h2, true);
  assert.equal(p.profiles[1]!.maxStreams, 8);
  const bad = (r: ReturnType<typeof spec>, re: RegExp) =>
    assert.throws(() => prepareConnections(assign([r]), ['a'], lists), { code: 'AGENT_BAD_ASSIGN', message: re });
  bad(spec('a', { http: 3 }), /request 0: http 3 \(1\.1 or 2\)/);
  bad(spec('a', { http: 2, maxStreams: 1001 }), /maxStreams 1001/);
  bad(spec('a', { maxStreams: 4 }), /maxStreams needs http 2/);
});
