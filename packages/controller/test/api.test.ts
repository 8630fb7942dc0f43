// The API in-process with fastify's inject: schemas reject bad requests with a
// coded body, the token guards everything but health and metrics when set, and
// the OpenAPI document describes the routes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { systemClock } from '@barrage/agent';
import { buildApi } from '../src/api.ts';
import { Cluster } from '../src/cluster.ts';
import { RunManager } from '../src/run-manager.ts';
import { RunStore } from '../src/store.ts';

async function api(token?: string) {
  const logger = pino({ level: 'silent' });
  const cluster = new Cluster({ host: '127.0.0.1', port: 0, token: 't', clock: systemClock, logger });
  const store = new RunStore(':memory:');
  const app = await buildApi({ cluster, store, logger, token, manager: new RunManager({ cluster, store, clock: systemClock, logger }) });
  return { app, store, close: async () => { await app.close(); store.close(); } };
}

test('schemas and coded errors', async (t) => {
  const { app, close } = await api();
  t.after(close);
  const health = await app.inject({ method: 'GET', url: '/api/v1/health' });
  assert.deepEqual([health.statusCode, health.json().status, health.json().agents], [200, 'ok', 0]);
  const bad = await app.inject({ method: 'POST', url: '/api/v1/runs', payload: { scenario: 'health-100', agents: 0 } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().code, 'CTRL_BAD_REQUEST');
  assert.match(bad.json().message, /agents/);
  const noAgents = await app.inject({ method: 'POST', url: '/api/v1/runs', payload: { scenario: 'health-100' } });
  assert.deepEqual([noAgents.statusCode, noAgents.json().code], [503, 'CTRL_NO_AGENTS']);
  const unknown = await app.inject({ method: 'POST', url: '/api/v1/runs', payload: { scenario: 'no-such-built-in' } });
  assert.deepEqual([unknown.statusCode, unknown.json().code], [400, 'SCENARIO_NOT_FOUND']);
  const badTarget = await app.inject({ method: 'POST', url: '/api/v1/runs', payload: { scenario: 'health-100', target: 'ftp://x' } });
  assert.deepEqual([badTarget.statusCode, badTarget.json().code], [400, 'CTRL_BAD_REQUEST']);
  const missing = await app.inject({ method: 'GET', url: '/api/v1/runs/x/histogram' });
  assert.deepEqual([missing.statusCode, missing.json().code], [404, 'CTRL_RUN_NOT_FOUND']);
  const leak = await app.inject({ method: 'POST', url: '/api/v1/runs', payload: { scenario: 'name: x\nbaseUrl: http://h\nrequests: [{ name: a, path: /a, headers: { x-home: "${env:HOME}" } }]\nscenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s }]\n' } });
  assert.deepEqual([leak.statusCode, leak.json().code], [400, 'SCENARIO_INVALID']);
  assert.match(leak.json().message, /may only read \$\{env:BARRAGE_TARGET_\*\}; it reads HOME/);
  const rebound = await app.inject({ method: 'GET', url: '/api/v1/runs', headers: { host: 'attacker.example:7400' } });
  assert.deepEqual([rebound.statusCode, rebound.json().code], [401, 'CTRL_UNAUTHORIZED'], 'a page rebinding its name to loopback is refused');
  const openapi = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
  assert.ok(openapi.paths['/api/v1/runs']!.post!.requestBody, 'POST /runs documents its body');
});

test('with a token, every route but health and metrics needs it', async (t) => {
  const { app, close } = await api('secret-api-token');
  t.after(close);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200);
  const denied = await app.inject({ method: 'GET', url: '/api/v1/runs' });
  assert.deepEqual([denied.statusCode, denied.json().code], [401, 'CTRL_UNAUTHORIZED']);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/runs', headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
  assert.equal((await app.inject({ method: 'GET', url: '/api/v1/runs', headers: { authorization: 'Bearer secret-api-token' } })).statusCode, 200);
});
