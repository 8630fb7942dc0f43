// The run store's SQL schema and its migrations. Tables are created when a
// store is first opened for writing; a store written by an earlier version
// gains the columns it lacks (its rows read them as NULL). Migrations only ever
// add: a store stays readable by the version that wrote it.
import type { DatabaseSync } from 'node:sqlite';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, scenario TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, ended_at TEXT,
  target TEXT, error TEXT, scenario_json TEXT NOT NULL, summary_json TEXT, requests INTEGER,
  owner_host TEXT, owner_pid INTEGER, heartbeat_at INTEGER, start_at REAL, interval_ms INTEGER
);
CREATE TABLE IF NOT EXISTS intervals (
  run_id TEXT NOT NULL, interval INTEGER NOT NULL, requests INTEGER, ok INTEGER, rate_limited INTEGER, failed INTEGER,
  p50_ms REAL, p95_ms REAL, p99_ms REAL, max_ms REAL, mean_ms REAL, histogram BLOB,
  dropped INTEGER, status_json TEXT, errors_json TEXT, agents_json TEXT,
  PRIMARY KEY (run_id, interval)
);
CREATE TABLE IF NOT EXISTS agents (
  run_id TEXT NOT NULL, agent_id TEXT NOT NULL, name TEXT, host TEXT, share REAL, requests INTEGER, status_json TEXT,
  PRIMARY KEY (run_id, agent_id)
);
CREATE TABLE IF NOT EXISTS monitor_samples (run_id TEXT NOT NULL, monitor TEXT NOT NULL, t REAL, value REAL);
CREATE INDEX IF NOT EXISTS monitor_samples_run ON monitor_samples (run_id, monitor);
CREATE TABLE IF NOT EXISTS thresholds (run_id TEXT NOT NULL, idx INTEGER, expr TEXT, scope TEXT, value REAL, ok INTEGER, PRIMARY KEY (run_id, idx));
CREATE TABLE IF NOT EXISTS histograms (run_id TEXT NOT NULL, name TEXT NOT NULL, histogram BLOB, PRIMARY KEY (run_id, name));
`;

/** Columns added since the first version of each table: a store without them gains them when opened for writing. */
const ADDED_COLUMNS: Record<string, string[]> = {
  runs: ['owner_host TEXT', 'owner_pid INTEGER', 'heartbeat_at INTEGER', 'start_at REAL', 'interval_ms INTEGER'],
  intervals: ['dropped INTEGER', 'status_json TEXT', 'errors_json TEXT', 'agents_json TEXT'],
};

/** The columns a table has (a read-only store from an earlier version may lack some). */
export function tableColumns(db: DatabaseSync, table: string): Set<string> {
  return new Set((db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name));
}

/** Settings every connection needs, reading or writing. */
export function configure(db: DatabaseSync, opts: { readOnly: boolean }): void {
  // Several controllers may share one file: wait briefly for each other's writes (a write that
  // still fails is noted by the caller, never a crash).
  db.exec('PRAGMA busy_timeout = 2000;');
  if (!opts.readOnly) db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
}

/** Creates what is missing: tables, indexes, and the columns an earlier version's store lacks. */
export function migrate(db: DatabaseSync): void {
  db.exec(SCHEMA);
  for (const [table, cols] of Object.entries(ADDED_COLUMNS)) {
    const have = tableColumns(db, table);
    for (const col of cols.filter((c) => !have.has(c.split(' ')[0]!))) {
      // Not in a transaction: another controller opening the same file at once may add a
      // column first, and that is fine.
      try {
        db.exec(`ALTER TABLE ${table} ADD COLUMN ${col}`);
      } catch (err) {
        if (!/duplicate column/i.test((err as Error).message)) throw err;
      }
    }
  }
}
