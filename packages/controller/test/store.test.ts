// The run store on a real SQLite file: what a finished run leaves, and a run
// a dead controller left `running` becoming `interrupted` with its data kept.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { IntervalPoint } from '../src/merge/run-aggregate.ts';
import { RunStore } from '../src/store/run-store.ts';

const point = (interval: number, requests: number): IntervalPoint => ({
  interval,
  requests,
  ok: requests,
  rateLimited: 0,
  failed: 0,
  latency: null,
  p50Us: 0,
  p95Us: 0,
  p99Us: 0,
  maxUs: 0,
  meanUs: 0,
});

test('a run left running by a dead controller is interrupted on reopen, its intervals kept; a live one is left alone', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'barrage-store-')), 'sub', 'runs.db');
  // Another controller process records a run and two intervals, then exits without finishing it.
  const store = new URL('../src/store/run-store.ts', import.meta.url).href;
  const proto = import.meta.resolve('@barrage/proto');
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
    import { RunStore } from ${JSON.stringify(store)};
    import { newTotalHistogram } from ${JSON.stringify(proto)};
    const a = new RunStore(${JSON.stringify(file)});
    a.createRun({ id: 'r1', scenario: 'long', scenarioSource: { name: 'long' }, target: 'http://t' });
    const h = newTotalHistogram();
    for (let i = 1; i <= 100; i++) h.recordValue(i * 1000);
    const point = (interval, requests) => ({ interval, requests, ok: requests, rateLimited: 0, failed: 0, latency: null, p50Us: 0, p95Us: 0, p99Us: 0, maxUs: 0, meanUs: 0 });
    a.saveInterval('r1', point(0, 100), h);
    a.saveInterval('r1', point(1, 40), null);
    a.close();
  `,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(child.status, 0, child.stderr);

  const b = new RunStore(file);
  // This process's own running run is alive: never interrupted.
  b.createRun({ id: 'mine', scenario: 'live', scenarioSource: {}, target: undefined });
  assert.equal(b.recoverInterrupted(), 1);
  const r = b.getRun('r1')!;
  assert.equal(r.status, 'interrupted');
  assert.match(r.error!, /stopped while the run was going/);
  assert.ok(r.endedAt !== null);
  const iv = b.getIntervals('r1');
  assert.deepEqual(
    iv.map((x) => [x.interval, x.requests]),
    [
      [0, 100],
      [1, 40],
    ],
  );
  assert.equal(iv[0]!.p50Ms, 50.015, 'percentiles computed from the stored interval histogram');
  assert.deepEqual(b.getScenarioSource('r1'), { name: 'long' });
  assert.equal(b.getSummary('r1'), undefined);
  assert.equal(b.recoverInterrupted(), 0, 'only once');
  // A later, final save of an interval keeps the histogram figures it had.
  b.saveInterval('r1', point(0, 101), null);
  assert.deepEqual([b.getIntervals('r1')[0]!.requests, b.getIntervals('r1')[0]!.p50Ms], [101, 50.015]);
  assert.deepEqual(
    b
      .listRuns()
      .map((x) => [x.id, x.status])
      .sort(),
    [
      ['mine', 'running'],
      ['r1', 'interrupted'],
    ],
  );
  b.close();
});

test('transaction(): committed when the work returns, rolled back when it throws, joined when nested', async () => {
  const { DatabaseSync } = await import('node:sqlite');
  const { transaction } = await import('../src/store/transaction.ts');
  const db = new DatabaseSync(':memory:');
  db.exec('CREATE TABLE t (n INTEGER)');
  const insert = db.prepare('INSERT INTO t (n) VALUES (?)');
  const count = () => (db.prepare('SELECT COUNT(*) AS c FROM t').get() as { c: number }).c;
  assert.equal(
    transaction(db, () => {
      insert.run(1);
      insert.run(2);
      return 'done';
    }),
    'done',
  );
  assert.equal(count(), 2);
  assert.throws(
    () =>
      transaction(db, () => {
        insert.run(3);
        throw new Error('half-way');
      }),
    /half-way/,
  );
  assert.equal(count(), 2, 'nothing of a failed transaction lands');
  assert.equal(db.isTransaction, false);
  assert.throws(
    () =>
      transaction(db, () => {
        insert.run(4);
        transaction(db, () => insert.run(5));
        throw new Error('outer');
      }),
    /outer/,
  );
  assert.equal(count(), 2, 'a nested transaction is part of the outer one');
  db.close();
});
