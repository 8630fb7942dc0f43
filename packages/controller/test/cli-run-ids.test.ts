// A run named by a unique prefix of its id, the same everywhere: the store's
// resolver, every /api/v1/runs/:id path, and `controller report` (the dashboard
// shows 8 characters). An ambiguous prefix lists the runs it fits; one under 4
// characters is refused; a full id shorter than that still works.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@barrage/core';
import pino from 'pino';
import { buildApi } from '../src/api/server.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import { RunManager } from '../src/runs/run-service.ts';
import { resolveRunId } from '../src/store/run-id.ts';
import { RunStore } from '../src/store/run-store.ts';

const A = 'abcd1111-0000-4000-8000-000000000001';
const B = 'abcd2222-0000-4000-8000-000000000002';

function storeWithRuns(file: string): RunStore {
  const store = new RunStore(file);
  for (const [id, at] of [
    [A, '2026-01-01T00:00:00.000Z'],
    [B, '2026-01-01T00:01:00.000Z'],
    ['abc', '2026-01-01T00:02:00.000Z'],
  ] as const) {
    store.createRun({ id, scenario: 's', scenarioSource: { name: 's' }, target: undefined, createdAt: new Date(at) });
    store.failRun(id, 'setup step login failed', new Date(at));
  }
  return store;
}

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
  return 'no error';
};

test('resolveRunId: full id, unique prefix, ambiguous, too short, unknown', () => {
  const store = storeWithRuns(':memory:');
  try {
    assert.equal(resolveRunId(store, A), A);
    assert.equal(resolveRunId(store, 'abcd1111'), A);
    assert.equal(resolveRunId(store, 'abcd2'), B);
    assert.equal(resolveRunId(store, 'abc'), 'abc', 'a full id of 3 characters is still a full id');
    assert.equal(
      codeOf(() => resolveRunId(store, 'abcd')),
      `CTRL_RUN_ID_AMBIGUOUS: run id abcd matches several runs: ${A}, ${B} (give more characters)`,
    );
    assert.match(
      codeOf(() => resolveRunId(store, 'ab')),
      /^CTRL_RUN_ID_TOO_SHORT: run id ab is too short/,
    );
    assert.equal(
      codeOf(() => resolveRunId(store, 'ffff')),
      'CTRL_RUN_NOT_FOUND: no run ffff',
    );
  } finally {
    store.close();
  }
});

test('every /api/v1/runs/:id path takes a unique prefix', async (t) => {
  const logger = pino({ level: 'silent' });
  const cluster = new Cluster({ host: '127.0.0.1', port: 0, token: 'agent-token', clock: systemClock, logger });
  const store = storeWithRuns(':memory:');
  const app = await buildApi({
    cluster,
    store,
    logger,
    token: 'api-token',
    readsNeedToken: false,
    manager: new RunManager({ cluster, store, clock: systemClock, logger }),
  });
  t.after(async () => {
    await app.close();
    store.close();
  });
  const get = (url: string) => app.inject({ method: 'GET', url });
  const one = await get('/api/v1/runs/abcd1111');
  assert.equal(one.statusCode, 200);
  assert.equal(one.json().id, A);
  assert.match(one.json().url, new RegExp(`/api/v1/runs/${A}$`));
  // A sub-resource: the run has no summary, and says so under its full id.
  const summary = await get('/api/v1/runs/abcd2/summary');
  assert.notEqual(summary.json().code, 'CTRL_RUN_NOT_FOUND');
  const ambiguous = await get('/api/v1/runs/abcd/timeseries');
  assert.deepEqual([ambiguous.statusCode, ambiguous.json().code], [400, 'CTRL_RUN_ID_AMBIGUOUS']);
  const short = await get('/api/v1/runs/ab');
  assert.deepEqual([short.statusCode, short.json().code], [400, 'CTRL_RUN_ID_TOO_SHORT']);
  const unknown = await get('/api/v1/runs/ffffffff');
  assert.deepEqual([unknown.statusCode, unknown.json().code], [404, 'CTRL_RUN_NOT_FOUND']);
});

test('controller report takes a unique prefix and names the candidates of an ambiguous one', () => {
  const db = join(mkdtempSync(join(tmpdir(), 'barrage-run-ids-')), 'runs.db');
  storeWithRuns(db).close();
  const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const report = (id: string) =>
    spawnSync(process.execPath, [main, 'report', id, '--db', db], { encoding: 'utf8', timeout: 60_000 });
  const ambiguous = report('abcd');
  assert.equal(ambiguous.status, 1);
  assert.match(ambiguous.stderr, new RegExp(`^error CTRL_RUN_ID_AMBIGUOUS: .*${A}, ${B}`));
  const short = report('ab');
  assert.equal(short.status, 1);
  assert.match(short.stderr, /^error CTRL_RUN_ID_TOO_SHORT: /);
  // A unique prefix reaches the run itself: it has no summary, and the message names the full id.
  const unique = report('abcd1111');
  assert.doesNotMatch(unique.stderr, /CTRL_RUN_NOT_FOUND|CTRL_RUN_ID_/);
  assert.match(unique.stdout + unique.stderr, new RegExp(A));
});
