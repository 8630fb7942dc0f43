// The REST API as a client sees it, pinned byte-for-byte against golden files:
// every route fastify knows (methods included), the OpenAPI document, and the
// answers (status, headers, body) to reads of a stored run, to refusals and to
// /metrics. A refactor of api/ must leave every one of them as it was.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { systemClock } from '@barrage/core';
import { SOFTWARE_VERSION } from '@barrage/proto';
import pino from 'pino';
import { buildApi } from '../src/api/server.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import { RunManager } from '../src/runs/run-service.ts';
import { RunStore } from '../src/store/run-store.ts';
import { GOLDEN_RUN, goldenStoreFile, matchesGolden } from './golden.ts';

const TOKEN = 'golden-api-token';
const auth = { authorization: `Bearer ${TOKEN}` };

async function api() {
  const logger = pino({ level: 'silent' });
  const cluster = new Cluster({ host: '127.0.0.1', port: 0, token: 'agent-token', clock: systemClock, logger });
  const store = new RunStore(goldenStoreFile());
  // A run that failed outright, beside the finished one.
  store.createRun({
    id: 'failed-run',
    scenario: 'broken',
    scenarioSource: { name: 'broken' },
    target: 'http://127.0.0.1:1',
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
  });
  store.failRun('failed-run', 'setup step login failed', new Date('2026-01-01T00:00:01.000Z'));
  const app = await buildApi({
    cluster,
    store,
    logger,
    token: TOKEN,
    readsNeedToken: false,
    mutationsPerMinute: 1000,
    audit: () => {},
    manager: new RunManager({ cluster, store, clock: systemClock, logger }),
  });
  return {
    app,
    close: async () => {
      await app.close();
      store.close();
    },
  };
}

test('the routes fastify serves and the OpenAPI document', async (t) => {
  const { app, close } = await api();
  t.after(close);
  matchesGolden('api-routes.txt', app.printRoutes({ commonPrefix: false, includeHooks: false }));
  const doc = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  assert.equal(doc.statusCode, 200);
  matchesGolden('openapi.json', doc.body.split(JSON.stringify(SOFTWARE_VERSION)).join('"<version>"') + '\n');
});

test('answers to reads, refusals and scrapes, byte for byte', async (t) => {
  const { app, close } = await api();
  t.after(close);
  const r = GOLDEN_RUN;
  const requests: Array<{
    method: 'GET' | 'POST' | 'HEAD' | 'DELETE';
    url: string;
    headers?: Record<string, string>;
    payload?: unknown;
  }> = [
    { method: 'GET', url: '/api/v1/runs' },
    { method: 'GET', url: '/api/v1/runs?limit=1' },
    { method: 'GET', url: '/api/v1/runs?limit=0' },
    { method: 'GET', url: '/api/v1/runs?limit=x' },
    { method: 'GET', url: `/api/v1/runs/${r}` },
    { method: 'HEAD', url: `/api/v1/runs/${r}` },
    { method: 'GET', url: '/api/v1/runs/failed-run' },
    { method: 'GET', url: '/api/v1/runs/no-such-run' },
    { method: 'GET', url: `/api/v1/runs/${r}/summary` },
    { method: 'GET', url: '/api/v1/runs/failed-run/summary' },
    { method: 'GET', url: `/api/v1/runs/${r}/timeseries` },
    { method: 'GET', url: `/api/v1/runs/${r}/agents` },
    { method: 'GET', url: `/api/v1/runs/${r}/histogram` },
    { method: 'GET', url: `/api/v1/runs/${r}/histogram?name=health` },
    { method: 'GET', url: `/api/v1/runs/${r}/histogram?name=nope` },
    { method: 'GET', url: '/api/v1/runs/failed-run/histogram' },
    { method: 'GET', url: `/api/v1/runs/${r}/events` },
    { method: 'GET', url: '/api/v1/runs/failed-run/events' },
    { method: 'GET', url: '/api/v1/runs/no-such-run/events' },
    { method: 'GET', url: `/api/v1/runs/${r}/report.md` },
    { method: 'GET', url: `/api/v1/runs/${r}/report.json` },
    { method: 'GET', url: `/api/v1/runs/${r}/junit.xml` },
    { method: 'GET', url: `/api/v1/runs/${r}/report.html` },
    { method: 'GET', url: '/api/v1/runs/failed-run/report.md' },
    { method: 'GET', url: '/api/v1/runs/failed-run/report.html' },
    { method: 'POST', url: `/api/v1/runs/${r}/stop`, headers: auth, payload: {} },
    { method: 'POST', url: '/api/v1/runs/no-such-run/stop', headers: auth, payload: {} },
    { method: 'POST', url: `/api/v1/runs/${r}/stop`, payload: {} },
    { method: 'POST', url: '/api/v1/runs', headers: auth, payload: {} },
    { method: 'POST', url: '/api/v1/runs', headers: auth, payload: { scenario: 'health-100', extra: 1 } },
    { method: 'POST', url: '/api/v1/runs', headers: auth, payload: { scenario: 'health-100', agents: '2' } },
    { method: 'POST', url: '/api/v1/runs', headers: auth, payload: { scenario: 'health-100' } },
    {
      method: 'POST',
      url: '/api/v1/runs',
      headers: auth,
      payload: { scenario: 'health-100', target: 'http://127.0.0.1:9' },
    },
    {
      method: 'POST',
      url: '/api/v1/runs',
      headers: auth,
      payload: {
        scenario:
          'name: x\nrequests: [{ name: a, path: /a }]\nscenarios: [{ name: s, executor: constant-vus, vus: 1, duration: 1s }]\n',
      },
    },
    { method: 'POST', url: '/api/v1/runs', headers: auth, payload: { scenario: { name: 'x' } } },
    { method: 'POST', url: '/api/v1/runs', headers: { ...auth, 'content-type': 'text/plain' }, payload: 'scenario' },
    {
      method: 'POST',
      url: '/api/v1/runs',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{not json',
    },
    { method: 'DELETE', url: `/api/v1/runs/${r}`, headers: auth },
    { method: 'GET', url: '/api/v1/health' },
    { method: 'GET', url: '/api/v1/agents' },
    { method: 'GET', url: '/api/v1/nothing-here' },
    { method: 'GET', url: '/metrics' },
    { method: 'GET', url: '/' },
    { method: 'GET', url: `/runs/${r}` },
    { method: 'GET', url: '/runs/not-a-uuid' },
    { method: 'GET', url: '/assets/dashboard.css' },
    { method: 'GET', url: '/assets/nope.js' },
  ];
  const answers = [];
  for (const q of requests) {
    const res = await app.inject({
      method: q.method,
      url: q.url,
      headers: { host: 'localhost:7400', ...q.headers },
      ...(q.payload === undefined ? {} : { payload: q.payload as string }),
    });
    const headers = Object.fromEntries(
      Object.entries(res.headers)
        .filter(([k]) => k !== 'date')
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
    // Large bodies (the HTML report, uPlot) by length and digest; the rest as they are.
    const body =
      res.body.length > 20_000
        ? `<${res.body.length} chars, sha256 ${createHash('sha256').update(res.body).digest('hex')}>`
        : res.body.split(JSON.stringify(SOFTWARE_VERSION)).join('"<version>"');
    answers.push({
      request: `${q.method} ${q.url}${q.headers?.authorization ? ' (token)' : ''}${q.payload === undefined ? '' : ` ${typeof q.payload === 'string' ? q.payload : JSON.stringify(q.payload)}`}`,
      status: res.statusCode,
      headers,
      body,
    });
  }
  matchesGolden('api-answers.json', JSON.stringify(answers, null, 2) + '\n');
});
