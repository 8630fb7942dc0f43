// The embedded run store (node:sqlite): every run, the scenario as run, its
// per-interval merged counters and latency histograms (written while the run
// goes), per-agent totals, monitor series, threshold results, the final
// merged histograms and the summary. A run still `running` when the store is
// opened again belonged to a controller that died: it becomes `interrupted`,
// its data kept.
import { DatabaseSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { addWireHistogram, barrage, encodeHistogram, newTotalHistogram, type LatencyHistogram } from '@barrage/proto';
import type { Float64Histogram } from 'hdr-histogram-js';
import type { IntervalPoint } from './merge.ts';
import type { MonitorSample } from './monitor.ts';
import type { RunResult } from './run-result.ts';
import type { Summary } from './summary.ts';

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

export interface StoredInterval {
  interval: number;
  requests: number; ok: number; rateLimited: number; failed: number;
  p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number; meanMs: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY, scenario TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, ended_at TEXT,
  target TEXT, error TEXT, scenario_json TEXT NOT NULL, summary_json TEXT, requests INTEGER
);
CREATE TABLE IF NOT EXISTS intervals (
  run_id TEXT NOT NULL, interval INTEGER NOT NULL, requests INTEGER, ok INTEGER, rate_limited INTEGER, failed INTEGER,
  p50_ms REAL, p95_ms REAL, p99_ms REAL, max_ms REAL, mean_ms REAL, histogram BLOB,
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

const ms = (us: number) => Math.round(us) / 1000;

function histogramBytes(h: LatencyHistogram | null): Uint8Array | null {
  if (h === null || h.totalCount === 0) return null;
  try { return barrage.v1.Histogram.encode(encodeHistogram(h)).finish(); } catch { return null; }
}

export class RunStore {
  private readonly db: DatabaseSync;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new DatabaseSync(file);
    // Several controllers (tests, a serve and a start) may share one file: wait for each other's writes.
    this.db.exec('PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    this.db.exec(SCHEMA);
  }

  /** Runs a dead controller left `running` become `interrupted`; returns how many. */
  recoverInterrupted(now = new Date()): number {
    const r = this.db.prepare(`UPDATE runs SET status = 'interrupted', ended_at = COALESCE(ended_at, ?), error = COALESCE(error, 'the controller stopped while the run was going') WHERE status = 'running'`).run(now.toISOString());
    return Number(r.changes);
  }

  createRun(r: { id: string; scenario: string; scenarioSource: unknown; target: string | undefined; createdAt?: Date }): void {
    this.db.prepare('INSERT INTO runs (id, scenario, status, created_at, target, scenario_json) VALUES (?, ?, ?, ?, ?, ?)')
      .run(r.id, r.scenario, 'running', (r.createdAt ?? new Date()).toISOString(), r.target ?? null, JSON.stringify(r.scenarioSource));
  }

  /**
   * One interval's counters, and its latency percentiles and histogram when `histogram` is
   * given (an open interval's, or a closing one's); without it, stored latency figures stay.
   */
  saveInterval(runId: string, p: IntervalPoint, histogram: Float64Histogram | null): void {
    const h = histogram !== null && histogram.totalCount > 0 ? histogram : null;
    const pct = (q: number) => (h === null ? null : ms(h.getValueAtPercentile(q)));
    this.db.prepare(`INSERT INTO intervals (run_id, interval, requests, ok, rate_limited, failed, p50_ms, p95_ms, p99_ms, max_ms, mean_ms, histogram)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id, interval) DO UPDATE SET requests = excluded.requests, ok = excluded.ok, rate_limited = excluded.rate_limited, failed = excluded.failed,
        p50_ms = COALESCE(excluded.p50_ms, p50_ms), p95_ms = COALESCE(excluded.p95_ms, p95_ms), p99_ms = COALESCE(excluded.p99_ms, p99_ms),
        max_ms = COALESCE(excluded.max_ms, max_ms), mean_ms = COALESCE(excluded.mean_ms, mean_ms), histogram = COALESCE(excluded.histogram, histogram)`)
      .run(runId, p.interval, p.requests, p.ok, p.rateLimited, p.failed, pct(50), pct(95), pct(99), h === null ? null : ms(h.maxValue), h === null ? null : ms(h.mean), histogramBytes(h));
  }

  /** The run's end: status, summary, agents, thresholds, monitor series, final histograms, every interval. */
  finishRun(runId: string, summary: Summary, result: RunResult): void {
    this.db.exec('BEGIN');
    try {
      for (const p of result.aggregate.series()) this.saveInterval(runId, p, null);
      const agent = this.db.prepare('INSERT OR REPLACE INTO agents (run_id, agent_id, name, host, share, requests, status_json) VALUES (?, ?, ?, ?, ?, ?, ?)');
      for (const a of summary.run.agents) agent.run(runId, a.id, a.name, a.host, a.share, a.requests, JSON.stringify(a.status));
      const th = this.db.prepare('INSERT OR REPLACE INTO thresholds (run_id, idx, expr, scope, value, ok) VALUES (?, ?, ?, ?, ?, ?)');
      summary.thresholds.forEach((t, i) => th.run(runId, i, t.expr, t.scope, Number.isFinite(t.value) ? t.value : null, t.ok ? 1 : 0));
      const sample = this.db.prepare('INSERT INTO monitor_samples (run_id, monitor, t, value) VALUES (?, ?, ?, ?)');
      for (const [name, samples] of Object.entries(result.monitorSamples)) for (const s of samples) sample.run(runId, name, s.t, s.value);
      const hist = this.db.prepare('INSERT OR REPLACE INTO histograms (run_id, name, histogram) VALUES (?, ?, ?)');
      hist.run(runId, '', histogramBytes(result.aggregate.total.latency));
      for (const [name, t] of result.aggregate.byName) hist.run(runId, name, histogramBytes(t.latency));
      this.db.prepare('UPDATE runs SET status = ?, ended_at = ?, summary_json = ?, requests = ? WHERE id = ?')
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

  getIntervals(id: string): StoredInterval[] {
    return this.db.prepare('SELECT interval, requests, ok, rate_limited, failed, p50_ms, p95_ms, p99_ms, max_ms, mean_ms FROM intervals WHERE run_id = ? ORDER BY interval').all(id).map((r) => {
      const x = r as Record<string, number>;
      return { interval: x.interval!, requests: x.requests!, ok: x.ok!, rateLimited: x.rate_limited!, failed: x.failed!, p50Ms: x.p50_ms!, p95Ms: x.p95_ms!, p99Ms: x.p99_ms!, maxMs: x.max_ms!, meanMs: x.mean_ms! };
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

function toRun(r: unknown): StoredRun {
  const x = r as Record<string, string | number | null>;
  return {
    id: x.id as string, scenario: x.scenario as string, status: x.status as StoredStatus, createdAt: x.created_at as string,
    endedAt: x.ended_at as string | null, target: x.target as string | null, error: x.error as string | null, requests: x.requests as number | null,
  };
}
