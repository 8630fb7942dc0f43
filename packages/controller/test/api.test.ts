// The API in-process with fastify's inject: schemas reject bad requests with a
// coded body; changes always need the API token, reads need it off loopback;
// changes are rate limited and audited; the OpenAPI document describes the routes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { systemClock } from '@barrage/core';
import pino from 'pino';
import type { AuditEntry } from '../src/api/guard.ts';
import { buildApi } from '../src/api/server.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import { RunManager } from '../src/runs/run-service.ts';
import { RunStore } from '../src/store/run-store.ts';

const TOKEN = 'secret-api-token';
const auth = { authorization: `Bearer ${TOKEN}` };

async function api(o: { readsNeedToken?: boolean; mutationsPerMinute?: number } = {}) {
  const logger = pino({ level: 'silent' });
  const cluster = new Cluster({ host: '127.0.0.1', port: 0, token: 'agent-token', clock: systemClock, logger });
  const store = new RunStore(':memory:');
  const audit: AuditEntry[] = [];
  const app = await buildApi({
    cluster,
    store,
    logger,
    token: TOKEN,
    readsNeedToken: o.readsNeedToken ?? false,
    mutationsPerMinute: o.mutationsPerMinute,
    audit: (e) => audit.push(e),
    manager: new RunManager({ cluster, store, clock: systemClock, logger }),
  });
  return {
    app,
    store,
    audit,
    close: async () => {
      await app.close();
      store.close();
    },
  };
}

test('schemas and coded errors', async (t) => {
  const { app, close } = await api();
  t.after(close);
  const post = (payload: object) => app.inject({ method: 'POST', url: '/api/v1/runs', payload, headers: auth });
  const health = await app.inject({ method: 'GET', url: '/api/v1/health' });
  assert.deepEqual([health.statusCode, health.json().status, health.json().agents], [200, 'ok', 0]);
  const bad = await post({ scenario: 'health-100', agents: 0 });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'CTRL_BAD_REQUEST');
  assert.match(bad.json().message, /agents/);
  const noAgents = await post({ scenario: 'health-100' });
  assert.deepEqual([noAgents.statusCode, noAgents.json().code], [503, 'CTRL_NO_AGENTS']);
  const unknown = await post({ scenario: 'no-such-built-in' });
  assert.deepEqual([unknown.statusCode, unknown.json().code], [400, 'SCENARIO_NOT_FOUND']);
  const metadata = await post({ scenario: 'health-100', target: 'http://169.254.169.254' });
  assert.deepEqual(
    [metadata.statusCode, metadata.json().code],
    [403, 'CTRL_TARGET_NOT_ALLOWED'],
    'cloud metadata is refused by default',
  );
  const badTarget = await post({ scenario: 'health-100', target: 'ftp://x' });
  assert.deepEqual([badTarget.statusCode, badTarget.json().code], [400, 'CTRL_BAD_REQUEST']);
  const missing = await app.inject({ method: 'GET', url: '/api/v1/runs/no-such-run/histogram' });
  assert.deepEqual([missing.statusCode, missing.json().code], [404, 'CTRL_RUN_NOT_FOUND']);
  const leak = await post({
    scenario:
      'name: x\nbaseUrl: http://h\nrequests: [{ name: a, path: /a, headers: { x-home: "${env:HOME}" } }]\nscenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s }]\n',
  });
  assert.deepEqual([leak.statusCode, leak.json().code], [400, 'SCENARIO_INVALID']);
  assert.match(
    leak.json().message,
    /may only read \$\{env:BARRAGE_TARGET_\*\} from the serving controller.s environment; it reads HOME: .*--set HOME=/,
  );
  const rebound = await app.inject({ method: 'GET', url: '/api/v1/runs', headers: { host: 'attacker.example:7400' } });
  assert.deepEqual(
    [rebound.statusCode, rebound.json().code],
    [401, 'CTRL_UNAUTHORIZED'],
    'a page rebinding its name to loopback is refused',
  );
  const openapi = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
    paths: Record<string, Record<string, { requestBody?: unknown }>>;
  };
  assert.ok(openapi.paths['/api/v1/runs']!.post!.requestBody, 'POST /runs documents its body');
});

test('changes always need the API token; reads need it off loopback; health never', async (t) => {
  for (const readsNeedToken of [false, true]) {
    const { app, close } = await api({ readsNeedToken });
    t.after(close);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode, 200);
    const change = await app.inject({ method: 'POST', url: '/api/v1/runs', payload: { scenario: 'health-100' } });
    assert.deepEqual([change.statusCode, change.json().code], [401, 'CTRL_UNAUTHORIZED'], 'a change without the token');
    assert.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/api/v1/runs/no-such-run/stop',
          headers: { authorization: 'Bearer agent-token' },
        })
      ).statusCode,
      401,
      'the agent token is not the API token',
    );
    assert.equal(
      (await app.inject({ method: 'POST', url: '/api/v1/runs/no-such-run/stop', headers: auth })).statusCode,
      404,
    );
    for (const url of ['/api/v1/runs', '/metrics']) {
      const read = await app.inject({ method: 'GET', url });
      assert.equal(
        read.statusCode,
        readsNeedToken ? 401 : 200,
        `${url} without a token (readsNeedToken ${readsNeedToken})`,
      );
      assert.equal(
        (await app.inject({ method: 'GET', url, headers: { authorization: 'Bearer wrong' } })).statusCode,
        readsNeedToken ? 401 : 200,
      );
      assert.equal((await app.inject({ method: 'GET', url, headers: auth })).statusCode, 200);
    }
  }
});

test('changes are rate limited per address and each leaves an audit line: who, what, when, with what result', async (t) => {
  const { app, audit, close } = await api({ mutationsPerMinute: 3 });
  t.after(close);
  const codes: number[] = [];
  for (let i = 0; i < 4; i++)
    codes.push((await app.inject({ method: 'POST', url: '/api/v1/runs/run-1/stop', headers: auth })).statusCode);
  const limited = await app.inject({ method: 'POST', url: '/api/v1/runs/run-1/stop', headers: auth });
  assert.deepEqual(codes, [404, 404, 404, 429]);
  assert.equal(limited.json().code, 'CTRL_API_RATE_LIMITED');
  assert.ok(Number(limited.headers['retry-after']) >= 1);
  await app.inject({ method: 'GET', url: '/api/v1/runs', headers: auth });
  await app.inject({ method: 'POST', url: '/api/v1/runs', payload: { scenario: 'health-100' } });
  assert.equal(audit.length, 6, 'one line per change (reads are not audited), refusals included');
  assert.deepEqual(audit[0]!.who, { ip: '127.0.0.1', token: true });
  assert.equal(audit[0]!.what, 'POST /api/v1/runs/:id/stop');
  assert.equal(audit[0]!.run, 'run-1');
  assert.equal(audit[3]!.status, 429);
  assert.deepEqual([audit[5]!.what, audit[5]!.who.token, audit[5]!.status], ['POST /api/v1/runs', false, 401]);
  assert.ok(Date.parse(audit[0]!.at) > 0);
  assert.ok(!JSON.stringify(audit).includes(TOKEN), 'the token is never in the audit trail');
});
