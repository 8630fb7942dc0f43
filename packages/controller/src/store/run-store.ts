// The embedded run store (node:sqlite): every run, the scenario as run, its
// per-interval merged counters and latency histograms (written while the run
// goes), per-agent totals, monitor series, threshold results, the final
// merged histograms and the summary. Each run records its controller (host,
// PID) and a heartbeat; a `running` run whose controller is gone (its PID dead
// on this host, or no heartbeat for a while) becomes `interrupted`, its data
// kept. Another live controller's run is left alone. A store written by an
// earlier version gains the columns it lacks when opened for writing.
import { DatabaseSync } from 'node:sqlite';
import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { addWireHistogram, barrage, encodeHistogram, newTotalHistogram, type LatencyHistogram } from '@barrage/proto';
import type { Float64Histogram } from 'hdr-histogram-js';
import type { ErrorCounts, IntervalBreakdown, IntervalPoint } from '../merge/run-aggregate.ts';
import type { MonitorSample } from '../monitor/monitor-poller.ts';
import type { RunResult } from '../results/run-result.ts';
import type { Summary } from '../results/summary.ts';

export type StoredStatus = 'running' | Summary['run']['status'] | 'error';

export interface StoredRun {
  id: string;
  scenario: string;
  status: StoredStatus;
  createdAt: string;
  endedAt: string | null;
  target: string | null;
  error: string | null;
  requests: number | null;
}

/**
 * One interval as it leaves the controller (store, /timeseries, the events stream). Exact
 * identities: ok + rateLimited + failed = requests = Σ status + Σ errors = Σ agents.
 * Percentiles are null when no response came in the interval.
 */
export interface StoredInterval {
  interval: number;
  requests: number; ok: number; rateLimited: number; failed: number;
  p50Ms: number | null; p95Ms: number | null; p99Ms: number | null; maxMs: number | null; meanMs: number | null;
  /** Arrivals never sent (open models: the in-flight cap was reached); not in `requests`. */
  dropped: number;
  /** Responses by HTTP status. */
  status: Record<string, number>;
  /** Requests that got no response, by kind. */
  errors: ErrorCounts;
  /** Requests completed per agent, by agent name (see agentLabels). */
  agents: Record<string, number>;
}

/** When a run started and how long its intervals are: interval k covers [startAt + k·intervalMs, startAt + (k+1)·intervalMs). */
export interface RunTiming {
  /** The planned start instant (controller clock, ms since the epoch); null before the start, or in a store from before it was kept. */
  plannedStartAt: number | null;
  intervalMs: number;
}

/** An interval point, with or without its breakdown (a point without one stores zeros). */
export type IntervalInput = IntervalPoint & Partial<IntervalBreakdown>;

const NO_ERRORS: ErrorCounts = { timeout: 0, refused: 0, reset: 0, other: 0 };
const DEFAULT_INTERVAL_MS = 1000;

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

const ms = (us: number) => Math.round(us) / 1000;
/** A run whose controller has not beaten for this long is taken for dead (heartbeats come every interval). */
const STALE_MS = 60_000;

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * How agents are named in per-interval figures: by name, or, when several of a run's agents
 * share one (say the default, the hostname), by name and the start of their id.
 */
export function agentLabels(agents: Iterable<{ id: string; name: string }>): Map<string, string> {
  const list = [...agents];
  const count = new Map<string, number>();
  for (const a of list) count.set(a.name, (count.get(a.name) ?? 0) + 1);
  return new Map(list.map((a) => [a.id, count.get(a.name)! > 1 ? `${a.name} (${a.id.slice(0, 8)})` : a.name]));
}

/**
 * An interval's figures as stored and served. Percentiles come from `histogram` (clamped into
 * [min, max] like the summary's: a bucket's top can lie above the exact max), null without one.
 */
export function intervalFigures(p: IntervalInput, histogram: Float64Histogram | null, agentNames: ReadonlyMap<string, string> = new Map()): StoredInterval {
  const h = histogram !== null && histogram.totalCount > 0 ? histogram : null;
  const pct = (q: number) => (h === null ? null : ms(Math.min(h.maxValue, Math.max(h.minNonZeroValue, h.getValueAtPercentile(q)))));
  // Keyed by names agents chose: built as Maps and made objects with own properties only, so
  // `__proto__` or `constructor` is a name like any other (Object.fromEntries defines, never assigns).
  const status = Object.fromEntries([...(p.status ?? [])].sort((a, b) => a[0] - b[0]).map(([code, n]) => [String(code), n])) as Record<string, number>;
  const byLabel = new Map<string, number>();
  for (const [label, n] of [...(p.agents ?? [])].map(([id, n]) => [agentNames.get(id) ?? id, n] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    byLabel.set(label, (byLabel.get(label) ?? 0) + n);
  }
  const agents = Object.fromEntries(byLabel) as Record<string, number>;
  return {
    interval: p.interval, requests: p.requests, ok: p.ok, rateLimited: p.rateLimited, failed: p.failed,
    p50Ms: pct(50), p95Ms: pct(95), p99Ms: pct(99), maxMs: h === null ? null : ms(h.maxValue), meanMs: h === null ? null : ms(h.mean),
    dropped: p.dropped ?? 0, status, errors: { ...(p.errors ?? NO_ERRORS) }, agents,
  };
}

function histogramBytes(h: LatencyHistogram | null): Uint8Array | null {
  if (h === null || h.totalCount === 0) return null;
  try { return barrage.v1.Histogram.encode(encodeHistogram(h)).finish(); } catch { return null; }
}

export class RunStore {
  private readonly db: DatabaseSync;

  /** `readOnly`: for commands that only read; a missing file is an error, not a new store. */
  constructor(file: string, opts: { readOnly?: boolean } = {}) {
    if (opts.readOnly && file !== ':memory:' && !existsSync(file)) throw new Error(`no run store at ${file}`);
    if (file !== ':memory:' && !opts.readOnly) mkdirSync(dirname(file), { recursive: true });
    this.db = new DatabaseSync(file, { readOnly: opts.readOnly ?? false });
    // Several controllers may share one file: wait briefly for each other's writes (a write that
    // still fails is noted by the caller, never a crash).
    this.db.exec('PRAGMA busy_timeout = 2000;');
    if (!opts.readOnly) {
      this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
      this.db.exec(SCHEMA);
      // A store made by an earlier version gains the columns it lacks (rows it holds read them as
      // NULL). Another controller opening the same file at once may add one first: that is fine.
      for (const [table, cols] of Object.entries(ADDED_COLUMNS)) {
        const have = this.columns(table);
        for (const col of cols.filter((c) => !have.has(c.split(' ')[0]!))) {
          try { this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${col}`); } catch (err) {
            if (!/duplicate column/i.test((err as Error).message)) throw err;
          }
        }
      }
    }
  }

  /** The columns a table has (a read-only store from an earlier version may lack some). */
  private columns(table: string): Set<string> {
    return new Set((this.db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name));
  }

  /** `col`, or NULL under its name when this store has no such column (read-only, earlier version). */
  private column(table: string, col: string): string {
    return this.columns(table).has(col) ? col : `NULL AS ${col}`;
  }

  /**
   * `running` runs whose controller is gone become `interrupted`: same host and its PID is
   * dead, or no heartbeat for STALE_MS. Returns how many.
   */
  recoverInterrupted(now = new Date()): number {
    const rows = this.db.prepare(`SELECT id, owner_host, owner_pid, heartbeat_at FROM runs WHERE status = 'running'`).all() as Array<{ id: string; owner_host: string | null; owner_pid: number | null; heartbeat_at: number | null }>;
    const host = hostname();
    let n = 0;
    for (const r of rows) {
      const dead = r.owner_host === host && r.owner_pid !== null ? !alive(r.owner_pid) : now.getTime() - (r.heartbeat_at ?? 0) > STALE_MS;
      if (!dead || (r.owner_host === host && r.owner_pid === process.pid)) continue;
      n += Number(this.db.prepare(`UPDATE runs SET status = 'interrupted', ended_at = COALESCE(ended_at, ?), error = COALESCE(error, 'the controller stopped while the run was going') WHERE id = ? AND status = 'running'`).run(now.toISOString(), r.id).changes);
    }
    return n;
  }

  createRun(r: { id: string; scenario: string; scenarioSource: unknown; target: string | undefined; createdAt?: Date }): void {
    const at = r.createdAt ?? new Date();
    this.db.prepare('INSERT INTO runs (id, scenario, status, created_at, target, scenario_json, owner_host, owner_pid, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(r.id, r.scenario, 'running', at.toISOString(), r.target ?? null, JSON.stringify(r.scenarioSource), hostname(), process.pid, at.getTime());
  }

  /** This controller is still running `runId`. */
  heartbeat(runId: string, now = Date.now()): void {
    this.db.prepare('UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(now, runId);
  }

  countRuns(): number {
    return Number((this.db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n);
  }

  /** The run's planned start instant and interval length, once it has started. */
  startRun(runId: string, plannedStartAt: number, intervalMs: number): void {
    this.db.prepare('UPDATE runs SET start_at = ?, interval_ms = ? WHERE id = ?').run(plannedStartAt, intervalMs, runId);
  }

  getTiming(id: string): RunTiming | undefined {
    const row = this.db.prepare(`SELECT ${this.column('runs', 'start_at')}, ${this.column('runs', 'interval_ms')} FROM runs WHERE id = ?`).get(id) as { start_at: number | null; interval_ms: number | null } | undefined;
    return row === undefined ? undefined : { plannedStartAt: row.start_at, intervalMs: row.interval_ms ?? DEFAULT_INTERVAL_MS };
  }

  /**
   * One interval's counters and breakdown, and its latency percentiles and histogram when
   * `histogram` is given (an open interval's, or a closing one's); without it, stored latency
   * figures stay. `agentNames` maps the point's agent ids to their names (agentLabels).
   */
  saveInterval(runId: string, p: IntervalInput, histogram: Float64Histogram | null, agentNames?: ReadonlyMap<string, string>): void {
    this.saveFigures(runId, intervalFigures(p, histogram, agentNames), histogram);
  }

  /** An interval's figures as intervalFigures computed them, with the histogram they came from (null: keep the stored one). */
  saveFigures(runId: string, f: StoredInterval, histogram: Float64Histogram | null): void {
    this.db.prepare(`INSERT INTO intervals (run_id, interval, requests, ok, rate_limited, failed, p50_ms, p95_ms, p99_ms, max_ms, mean_ms, histogram, dropped, status_json, errors_json, agents_json)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id, interval) DO UPDATE SET requests = excluded.requests, ok = excluded.ok, rate_limited = excluded.rate_limited, failed = excluded.failed,
        p50_ms = COALESCE(excluded.p50_ms, p50_ms), p95_ms = COALESCE(excluded.p95_ms, p95_ms), p99_ms = COALESCE(excluded.p99_ms, p99_ms),
        max_ms = COALESCE(excluded.max_ms, max_ms), mean_ms = COALESCE(excluded.mean_ms, mean_ms), histogram = COALESCE(excluded.histogram, histogram),
        dropped = excluded.dropped, status_json = excluded.status_json, errors_json = excluded.errors_json, agents_json = excluded.agents_json`)
      .run(runId, f.interval, f.requests, f.ok, f.rateLimited, f.failed, f.p50Ms, f.p95Ms, f.p99Ms, f.maxMs, f.meanMs, histogramBytes(histogram !== null && histogram.totalCount > 0 ? histogram : null),
        f.dropped, JSON.stringify(f.status), JSON.stringify(f.errors), JSON.stringify(f.agents));
  }

  /** Monitor samples taken while the run goes (so /timeseries shows them, and a crash keeps them). */
  appendMonitorSamples(runId: string, monitor: string, samples: readonly MonitorSample[]): void {
    if (samples.length === 0) return;
    const sample = this.db.prepare('INSERT INTO monitor_samples (run_id, monitor, t, value) VALUES (?, ?, ?, ?)');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const s of samples) sample.run(runId, monitor, s.t, s.value);
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  /** The run's end: status, summary, agents, thresholds, monitor series, final histograms, every interval. */
  finishRun(runId: string, summary: Summary, result: RunResult): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const names = agentLabels(result.participants);
      for (const p of result.aggregate.series()) this.saveInterval(runId, p, null, names);
      if (result.plannedStartAt > 0) this.db.prepare('UPDATE runs SET start_at = COALESCE(start_at, ?) WHERE id = ?').run(result.plannedStartAt, runId);
      const agent = this.db.prepare('INSERT OR REPLACE INTO agents (run_id, agent_id, name, host, share, requests, status_json) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const a of summary.run.agents) agent.run(runId, a.id, a.name, a.host, a.share, a.requests, JSON.stringify(a.status));
      const th = this.db.prepare('INSERT OR REPLACE INTO thresholds (run_id, idx, expr, scope, value, ok) VALUES (?, ?, ?, ?, ?, ?)');
      summary.thresholds.forEach((t, i) => th.run(runId, i, t.expr, t.scope, Number.isFinite(t.value) ? t.value : null, t.ok ? 1 : 0));
      // The whole series, replacing what was stored while the run went.
      this.db.prepare('DELETE FROM monitor_samples WHERE run_id = ?').run(runId);
      const sample = this.db.prepare('INSERT INTO monitor_samples (run_id, monitor, t, value) VALUES (?, ?, ?, ?)');
      for (const [name, samples] of Object.entries(result.monitorSamples)) for (const s of samples) sample.run(runId, name, s.t, s.value);
      const hist = this.db.prepare('INSERT OR REPLACE INTO histograms (run_id, name, histogram) VALUES (?, ?, ?)');
      hist.run(runId, '', histogramBytes(result.aggregate.total.latency));
      for (const [name, t] of result.aggregate.byName) hist.run(runId, name, histogramBytes(t.latency));
      this.db.prepare('UPDATE runs SET status = ?, ended_at = ?, summary_json = ?, requests = ?, error = NULL WHERE id = ?')
        .run(summary.run.status, summary.run.endedAt, JSON.stringify(summary), summary.totals.requests, runId);
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  /** A run that could not start or failed outright. */
  failRun(runId: string, error: string, now = new Date()): void {
    this.db.prepare(`UPDATE runs SET status = 'error', error = ?, ended_at = ? WHERE id = ?`).run(error, now.toISOString(), runId);
  }

  listRuns(limit = 100): StoredRun[] {
    return this.db.prepare('SELECT id, scenario, status, created_at, ended_at, target, error, requests FROM runs ORDER BY created_at DESC, id LIMIT ?')
      .all(limit).map(toRun);
  }

  getRun(id: string): StoredRun | undefined {
    const row = this.db.prepare('SELECT id, scenario, status, created_at, ended_at, target, error, requests FROM runs WHERE id = ?').get(id);
    return row === undefined ? undefined : toRun(row);
  }

  getSummary(id: string): Summary | undefined {
    const row = this.db.prepare('SELECT summary_json FROM runs WHERE id = ?').get(id) as { summary_json: string | null } | undefined;
    return row?.summary_json ? (JSON.parse(row.summary_json) as Summary) : undefined;
  }

  getScenarioSource(id: string): unknown {
    const row = this.db.prepare('SELECT scenario_json FROM runs WHERE id = ?').get(id) as { scenario_json: string } | undefined;
    return row === undefined ? undefined : JSON.parse(row.scenario_json);
  }

  /** The run's intervals in order; one stored by an earlier version reads with zero dropped and an empty breakdown. */
  getIntervals(id: string): StoredInterval[] {
    const added = ['dropped', 'status_json', 'errors_json', 'agents_json'].map((c) => this.column('intervals', c)).join(', ');
    return this.db.prepare(`SELECT interval, requests, ok, rate_limited, failed, p50_ms, p95_ms, p99_ms, max_ms, mean_ms, ${added} FROM intervals WHERE run_id = ? ORDER BY interval`).all(id).map((r) => {
      const x = r as IntervalRow;
      return {
        interval: x.interval, requests: x.requests, ok: x.ok, rateLimited: x.rate_limited, failed: x.failed,
        p50Ms: x.p50_ms, p95Ms: x.p95_ms, p99Ms: x.p99_ms, maxMs: x.max_ms, meanMs: x.mean_ms,
        dropped: x.dropped ?? 0,
        status: x.status_json === null ? {} : (JSON.parse(x.status_json) as Record<string, number>),
        errors: x.errors_json === null ? { ...NO_ERRORS } : (JSON.parse(x.errors_json) as ErrorCounts),
        agents: x.agents_json === null ? {} : (JSON.parse(x.agents_json) as Record<string, number>),
      };
    });
  }

  getMonitorSamples(id: string): Record<string, MonitorSample[]> {
    const out: Record<string, MonitorSample[]> = {};
    for (const r of this.db.prepare('SELECT monitor, t, value FROM monitor_samples WHERE run_id = ? ORDER BY rowid').all(id) as Array<{ monitor: string; t: number; value: number }>) {
      (out[r.monitor] ??= []).push({ t: r.t, value: r.value });
    }
    return out;
  }

  /** A stored latency histogram ('' = all requests), decoded through the bounded codec. */
  getHistogram(id: string, name: string): Float64Histogram | undefined {
    const row = this.db.prepare('SELECT histogram FROM histograms WHERE run_id = ? AND name = ?').get(id, name) as { histogram: Uint8Array | null } | undefined;
    if (row === undefined) return undefined;
    const h = newTotalHistogram();
    if (row.histogram !== null) addWireHistogram(h, barrage.v1.Histogram.decode(row.histogram));
    return h;
  }

  close(): void {
    this.db.close();
  }
}

type IntervalRow = {
  interval: number; requests: number; ok: number; rate_limited: number; failed: number;
  p50_ms: number | null; p95_ms: number | null; p99_ms: number | null; max_ms: number | null; mean_ms: number | null;
  dropped: number | null; status_json: string | null; errors_json: string | null; agents_json: string | null;
};

function toRun(r: unknown): StoredRun {
  const x = r as Record<string, string | number | null>;
  return {
    id: x.id as string, scenario: x.scenario as string, status: x.status as StoredStatus, createdAt: x.created_at as string,
    endedAt: x.ended_at as string | null, target: x.target as string | null, error: x.error as string | null, requests: x.requests as number | null,
  };
}
