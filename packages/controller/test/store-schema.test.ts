// The run store's file format, pinned against a golden file: the schema a new
// store is made with, the schema a store from the first version is migrated to,
// and what such a store's rows read as. Stores outlive controllers; a refactor
// of store/ must not change a byte of what is written.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { RunStore } from '../src/store/run-store.ts';
import { GOLDEN_RUN, goldenStoreFile, matchesGolden } from './golden.ts';

const scratch = () => join(mkdtempSync(join(tmpdir(), 'barrage-schema-')), 'runs.db');

function schemaOf(file: string): string {
  const db = new DatabaseSync(file, { readOnly: true });
  const rows = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all() as Array<{
    type: string;
    name: string;
    tbl_name: string;
    sql: string | null;
  }>;
  const mode = (db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode;
  db.close();
  return (
    [
      `-- journal_mode ${mode}`,
      ...rows.map((r) => `-- ${r.type} ${r.name} on ${r.tbl_name}\n${r.sql ?? '(automatic)'};`),
    ].join('\n') + '\n'
  );
}

/** The first version's tables, before any column was added. */
const FIRST_VERSION = `
CREATE TABLE runs (id TEXT PRIMARY KEY, scenario TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, ended_at TEXT,
  target TEXT, error TEXT, scenario_json TEXT NOT NULL, summary_json TEXT, requests INTEGER);
CREATE TABLE intervals (run_id TEXT NOT NULL, interval INTEGER NOT NULL, requests INTEGER, ok INTEGER, rate_limited INTEGER, failed INTEGER,
  p50_ms REAL, p95_ms REAL, p99_ms REAL, max_ms REAL, mean_ms REAL, histogram BLOB, PRIMARY KEY (run_id, interval));
INSERT INTO runs (id, scenario, status, created_at, scenario_json) VALUES ('old', 'legacy', 'running', '2025-01-01T00:00:00.000Z', '{}');
INSERT INTO intervals (run_id, interval, requests, ok, rate_limited, failed, p50_ms) VALUES ('old', 0, 10, 9, 1, 0, 1.5);
`;

test('a new store, a first-version store migrated, and the golden run reopened: schema and reads', () => {
  const fresh = scratch();
  new RunStore(fresh).close();

  const old = scratch();
  const db = new DatabaseSync(old);
  db.exec(FIRST_VERSION);
  db.close();
  // Read-only first: nothing is migrated, missing columns read as NULL.
  const ro = new RunStore(old, { readOnly: true });
  const readOnly = { timing: ro.getTiming('old'), intervals: ro.getIntervals('old'), runs: ro.listRuns() };
  ro.close();
  assert.equal(schemaOf(old).includes('heartbeat_at'), false, 'a read-only open changes nothing');
  const rw = new RunStore(old);
  const recovered = rw.recoverInterrupted(new Date('2026-01-01T00:00:00.000Z'));
  const migrated = { recovered, timing: rw.getTiming('old'), intervals: rw.getIntervals('old'), run: rw.getRun('old') };
  rw.close();

  const golden = goldenStoreFile();
  const g = new RunStore(golden);
  const reopened = {
    count: g.countRuns(),
    timing: g.getTiming(GOLDEN_RUN),
    intervals: g.getIntervals(GOLDEN_RUN).length,
    monitors: g.getMonitorSamples(GOLDEN_RUN),
    histogram: g.getHistogram(GOLDEN_RUN, '')?.totalCount,
  };
  g.close();

  matchesGolden(
    'store-schema.txt',
    [
      '== a new store',
      schemaOf(fresh),
      '== a first-version store, opened for writing',
      schemaOf(old),
      "== the golden run's store, opened for writing",
      schemaOf(golden),
      '== reads',
      JSON.stringify({ readOnly, migrated, reopened }, null, 2),
      '',
    ].join('\n'),
  );
});

/** Every row of every table, in order, blobs as hex; the columns that name this host and process left out. */
function rowsOf(file: string): string {
  const db = new DatabaseSync(file, { readOnly: true });
  const out: string[] = [];
  for (const { name } of db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all() as Array<{ name: string }>) {
    for (const row of db.prepare(`SELECT * FROM ${name} ORDER BY rowid`).all() as Array<Record<string, unknown>>) {
      const shown = Object.entries(row)
        .filter(([k]) => k !== 'owner_host' && k !== 'owner_pid')
        .map(
          ([k, v]) => `${k}=${v instanceof Uint8Array ? `x'${Buffer.from(v).toString('hex')}'` : JSON.stringify(v)}`,
        );
      out.push(`${name}: ${shown.join(' ')}`);
    }
  }
  db.close();
  return out.join('\n') + '\n';
}

test('what the write paths store, row by row', async () => {
  const { newTotalHistogram } = await import('@barrage/proto');
  const file = scratch();
  const s = new RunStore(file);
  s.createRun({
    id: 'w',
    scenario: 'written',
    scenarioSource: { name: 'written', n: 1 },
    target: 'http://t',
    createdAt: new Date('2026-02-03T04:05:06.007Z'),
  });
  s.heartbeat('w', 1_770_000_000_000);
  s.startRun('w', 1_770_000_000_500.25, 500);
  const h = newTotalHistogram();
  for (let i = 1; i <= 50; i++) h.recordValue(i * 997);
  const p = {
    interval: 0,
    requests: 7,
    ok: 5,
    rateLimited: 1,
    failed: 1,
    latency: null,
    p50Us: 0,
    p95Us: 0,
    p99Us: 0,
    maxUs: 0,
    meanUs: 0,
  };
  s.saveInterval(
    'w',
    {
      ...p,
      dropped: 2,
      status: new Map([
        [500, 1],
        [200, 5],
        [429, 1],
      ]),
      errors: { timeout: 0, refused: 0, reset: 0, other: 0, tls: 0 },
      agents: new Map([
        ['id-b', 3],
        ['id-a', 4],
      ]),
    },
    h,
    new Map([
      ['id-a', 'alpha'],
      ['id-b', 'beta'],
    ]),
  );
  s.saveInterval('w', { ...p, interval: 1, requests: 3, ok: 3, rateLimited: 0, failed: 0 }, null);
  s.saveInterval('w', { ...p, requests: 8, ok: 6 }, null);
  s.appendMonitorSamples('w', 'rss', [
    { t: 0, value: 1e6 },
    { t: 1000.5, value: 2e6 },
  ]);
  s.appendMonitorSamples('w', 'cpu', []);
  s.appendMonitorSamples('w', 'cpu', [{ t: 0, value: 0.25 }]);
  s.createRun({
    id: 'f',
    scenario: 'failing',
    scenarioSource: {},
    target: undefined,
    createdAt: new Date('2026-02-03T04:05:07.000Z'),
  });
  s.failRun('f', 'no agents', new Date('2026-02-03T04:05:08.000Z'));
  s.close();
  matchesGolden('store-rows.txt', rowsOf(file));
});
