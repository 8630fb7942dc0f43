// The embedded run store (node:sqlite): every run, the scenario as run, its
// per-interval merged counters and latency histograms (written while the run
// goes), per-agent totals, monitor series, threshold results, the final
// merged histograms and the summary. Each run records its controller (host,
// PID) and a heartbeat; a `running` run whose controller is gone (its PID dead
// on this host, or no heartbeat for a while) becomes `interrupted`, its data
// kept. Another live controller's run is left alone. The tables and their
// migrations are schema.ts; what an interval's row holds is merge/interval-figures.ts.

import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Float64Histogram } from 'hdr-histogram-js';
import {
  agentLabels,
  type IntervalInput,
  intervalFigures,
  NO_ERRORS,
  type StoredInterval,
} from '../merge/interval-figures.ts';
import type { ErrorCounts } from '../merge/run-aggregate.ts';
import type { MonitorSample } from '../monitor/monitor-stats.ts';
import type { RunResult } from '../results/run-result.ts';
import type { Summary } from '../results/summary.ts';
import { histogramBytes, histogramFromBytes } from './histogram-blob.ts';
import { configure, migrate, tableColumns } from './schema.ts';
import { transaction } from './transaction.ts';

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

/** When a run started and how long its intervals are: interval k covers [startAt + k·intervalMs, startAt + (k+1)·intervalMs). */
export interface RunTiming {
  /** The planned start instant (controller clock, ms since the epoch); null before the start, or in a store from before it was kept. */
  plannedStartAt: number | null;
  intervalMs: number;
}

const DEFAULT_INTERVAL_MS = 1000;
/** A run whose controller has not beaten for this long is taken for dead (heartbeats come every interval). */
const STALE_MS = 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class RunStore {
  private readonly db: DatabaseSync;

  /** `readOnly`: for commands that only read; a missing file is an error, not a new store. */
  constructor(file: string, opts: { readOnly?: boolean } = {}) {
    if (opts.readOnly && file !== ':memory:' && !existsSync(file)) throw new Error(`no run store at ${file}`);
    if (file !== ':memory:' && !opts.readOnly) mkdirSync(dirname(file), { recursive: true });
    this.db = new DatabaseSync(file, { readOnly: opts.readOnly ?? false });
    configure(this.db, { readOnly: opts.readOnly ?? false });
    if (!opts.readOnly) migrate(this.db);
  }

  /** `col`, or NULL under its name when this store has no such column (read-only, earlier version). */
  private column(table: string, col: string): string {
    return tableColumns(this.db, table).has(col) ? col : `NULL AS ${col}`;
  }

  /**
   * `running` runs whose controller is gone become `interrupted`: same host and its PID is
   * dead, or no heartbeat for STALE_MS. Returns how many.
   */
  recoverInterrupted(now = new Date()): number {
    const rows = this.db
      .prepare(`SELECT id, owner_host, owner_pid, heartbeat_at FROM runs WHERE status = 'running'`)
      .all() as Array<{ id: string; owner_host: string | null; owner_pid: number | null; heartbeat_at: number | null }>;
    const host = hostname();
    let n = 0;
    for (const r of rows) {
      const dead =
        r.owner_host === host && r.owner_pid !== null
          ? !alive(r.owner_pid)
          : now.getTime() - (r.heartbeat_at ?? 0) > STALE_MS;
      if (!dead || (r.owner_host === host && r.owner_pid === process.pid)) continue;
      n += Number(
        this.db
          .prepare(
            `UPDATE runs SET status = 'interrupted', ended_at = COALESCE(ended_at, ?), error = COALESCE(error, 'the controller stopped while the run was going') WHERE id = ? AND status = 'running'`,
          )
          .run(now.toISOString(), r.id).changes,
      );
    }
    return n;
  }

  createRun(r: {
    id: string;
    scenario: string;
    scenarioSource: unknown;
    target: string | undefined;
    createdAt?: Date;
  }): void {
    const at = r.createdAt ?? new Date();
    this.db
      .prepare(
        'INSERT INTO runs (id, scenario, status, created_at, target, scenario_json, owner_host, owner_pid, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        r.id,
        r.scenario,
        'running',
        at.toISOString(),
        r.target ?? null,
        JSON.stringify(r.scenarioSource),
        hostname(),
        process.pid,
        at.getTime(),
      );
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
    this.db
      .prepare('UPDATE runs SET start_at = ?, interval_ms = ? WHERE id = ?')
      .run(plannedStartAt, intervalMs, runId);
  }

  getTiming(id: string): RunTiming | undefined {
    const row = this.db
      .prepare(
        `SELECT ${this.column('runs', 'start_at')}, ${this.column('runs', 'interval_ms')} FROM runs WHERE id = ?`,
      )
      .get(id) as { start_at: number | null; interval_ms: number | null } | undefined;
    return row === undefined
      ? undefined
      : { plannedStartAt: row.start_at, intervalMs: row.interval_ms ?? DEFAULT_INTERVAL_MS };
  }

  /**
   * One interval's counters and breakdown, and its latency percentiles and histogram when
   * `histogram` is given (an open interval's, or a closing one's); without it, stored latency
   * figures stay. `agentNames` maps the point's agent ids to their names (agentLabels).
   */
  saveInterval(
    runId: string,
    p: IntervalInput,
    histogram: Float64Histogram | null,
    agentNames?: ReadonlyMap<string, string>,
  ): void {
    this.saveFigures(runId, intervalFigures(p, histogram, agentNames), histogram);
  }

  /** An interval's figures as intervalFigures computed them, with the histogram they came from (null: keep the stored one). */
  saveFigures(runId: string, f: StoredInterval, histogram: Float64Histogram | null): void {
    this.db
      .prepare(`INSERT INTO intervals (run_id, interval, requests, ok, rate_limited, failed, p50_ms, p95_ms, p99_ms, max_ms, mean_ms, histogram, dropped, status_json, errors_json, agents_json)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (run_id, interval) DO UPDATE SET requests = excluded.requests, ok = excluded.ok, rate_limited = excluded.rate_limited, failed = excluded.failed,
        p50_ms = COALESCE(excluded.p50_ms, p50_ms), p95_ms = COALESCE(excluded.p95_ms, p95_ms), p99_ms = COALESCE(excluded.p99_ms, p99_ms),
        max_ms = COALESCE(excluded.max_ms, max_ms), mean_ms = COALESCE(excluded.mean_ms, mean_ms), histogram = COALESCE(excluded.histogram, histogram),
        dropped = excluded.dropped, status_json = excluded.status_json, errors_json = excluded.errors_json, agents_json = excluded.agents_json`)
      .run(
        runId,
        f.interval,
        f.requests,
        f.ok,
        f.rateLimited,
        f.failed,
        f.p50Ms,
        f.p95Ms,
        f.p99Ms,
        f.maxMs,
        f.meanMs,
        histogramBytes(histogram !== null && histogram.totalCount > 0 ? histogram : null),
        f.dropped,
        JSON.stringify(f.status),
        JSON.stringify(f.errors),
        JSON.stringify(f.agents),
      );
  }

  /** Monitor samples taken while the run goes (so /timeseries shows them, and a crash keeps them). */
  appendMonitorSamples(runId: string, monitor: string, samples: readonly MonitorSample[]): void {
    if (samples.length === 0) return;
    const sample = this.db.prepare('INSERT INTO monitor_samples (run_id, monitor, t, value) VALUES (?, ?, ?, ?)');
    transaction(this.db, () => {
      for (const s of samples) sample.run(runId, monitor, s.t, s.value);
    });
  }

  /** The run's end: status, summary, agents, thresholds, monitor series, final histograms, every interval. */
  finishRun(runId: string, summary: Summary, result: RunResult): void {
    transaction(this.db, () => {
      const names = agentLabels(result.participants);
      for (const p of result.aggregate.series()) this.saveInterval(runId, p, null, names);
      if (result.plannedStartAt > 0)
        this.db
          .prepare('UPDATE runs SET start_at = COALESCE(start_at, ?) WHERE id = ?')
          .run(result.plannedStartAt, runId);
      const agent = this.db.prepare(
        'INSERT OR REPLACE INTO agents (run_id, agent_id, name, host, share, requests, status_json) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const a of summary.run.agents)
        agent.run(runId, a.id, a.name, a.host, a.share, a.requests, JSON.stringify(a.status));
      const th = this.db.prepare(
        'INSERT OR REPLACE INTO thresholds (run_id, idx, expr, scope, value, ok) VALUES (?, ?, ?, ?, ?, ?)',
      );
      summary.thresholds.forEach((t, i) =>
        th.run(runId, i, t.expr, t.scope, Number.isFinite(t.value) ? t.value : null, t.ok ? 1 : 0),
      );
      // The whole series, replacing what was stored while the run went.
      this.db.prepare('DELETE FROM monitor_samples WHERE run_id = ?').run(runId);
      const sample = this.db.prepare('INSERT INTO monitor_samples (run_id, monitor, t, value) VALUES (?, ?, ?, ?)');
      for (const [name, samples] of Object.entries(result.monitorSamples))
        for (const s of samples) sample.run(runId, name, s.t, s.value);
      const hist = this.db.prepare('INSERT OR REPLACE INTO histograms (run_id, name, histogram) VALUES (?, ?, ?)');
      hist.run(runId, '', histogramBytes(result.aggregate.total.latency));
      for (const [name, t] of result.aggregate.byName) hist.run(runId, name, histogramBytes(t.latency));
      this.db
        .prepare('UPDATE runs SET status = ?, ended_at = ?, summary_json = ?, requests = ?, error = NULL WHERE id = ?')
        .run(summary.run.status, summary.run.endedAt, JSON.stringify(summary), summary.totals.requests, runId);
    });
  }

  /** A run that could not start or failed outright. */
  failRun(runId: string, error: string, now = new Date()): void {
    this.db
      .prepare(`UPDATE runs SET status = 'error', error = ?, ended_at = ? WHERE id = ?`)
      .run(error, now.toISOString(), runId);
  }

  listRuns(limit = 100): StoredRun[] {
    return this.db
      .prepare(
        'SELECT id, scenario, status, created_at, ended_at, target, error, requests FROM runs ORDER BY created_at DESC, id LIMIT ?',
      )
      .all(limit)
      .map(toRun);
  }

  getRun(id: string): StoredRun | undefined {
    const row = this.db
      .prepare('SELECT id, scenario, status, created_at, ended_at, target, error, requests FROM runs WHERE id = ?')
      .get(id);
    return row === undefined ? undefined : toRun(row);
  }

  /** Ids of stored runs that start with `prefix`, at most `limit`, in id order. */
  runIdsStartingWith(prefix: string, limit: number): string[] {
    return this.db
      .prepare('SELECT id FROM runs WHERE substr(id, 1, ?) = ? ORDER BY id LIMIT ?')
      .all(prefix.length, prefix, limit)
      .map((r) => (r as { id: string }).id);
  }

  getSummary(id: string): Summary | undefined {
    const row = this.db.prepare('SELECT summary_json FROM runs WHERE id = ?').get(id) as
      | { summary_json: string | null }
      | undefined;
    return row?.summary_json ? (JSON.parse(row.summary_json) as Summary) : undefined;
  }

  getScenarioSource(id: string): unknown {
    const row = this.db.prepare('SELECT scenario_json FROM runs WHERE id = ?').get(id) as
      | { scenario_json: string }
      | undefined;
    return row === undefined ? undefined : JSON.parse(row.scenario_json);
  }

  /** The run's intervals in order; one stored by an earlier version reads with zero dropped and an empty breakdown. */
  getIntervals(id: string): StoredInterval[] {
    const added = ['dropped', 'status_json', 'errors_json', 'agents_json']
      .map((c) => this.column('intervals', c))
      .join(', ');
    return this.db
      .prepare(
        `SELECT interval, requests, ok, rate_limited, failed, p50_ms, p95_ms, p99_ms, max_ms, mean_ms, ${added} FROM intervals WHERE run_id = ? ORDER BY interval`,
      )
      .all(id)
      .map((r) => {
        const x = r as IntervalRow;
        return {
          interval: x.interval,
          requests: x.requests,
          ok: x.ok,
          rateLimited: x.rate_limited,
          failed: x.failed,
          p50Ms: x.p50_ms,
          p95Ms: x.p95_ms,
          p99Ms: x.p99_ms,
          maxMs: x.max_ms,
          meanMs: x.mean_ms,
          dropped: x.dropped ?? 0,
          status: x.status_json === null ? {} : (JSON.parse(x.status_json) as Record<string, number>),
          errors: x.errors_json === null ? { ...NO_ERRORS } : (JSON.parse(x.errors_json) as ErrorCounts),
          agents: x.agents_json === null ? {} : (JSON.parse(x.agents_json) as Record<string, number>),
        };
      });
  }

  getMonitorSamples(id: string): Record<string, MonitorSample[]> {
    const out: Record<string, MonitorSample[]> = {};
    for (const r of this.db
      .prepare('SELECT monitor, t, value FROM monitor_samples WHERE run_id = ? ORDER BY rowid')
      .all(id) as Array<{ monitor: string; t: number; value: number }>) {
      (out[r.monitor] ??= []).push({ t: r.t, value: r.value });
    }
    return out;
  }

  /** A stored latency histogram ('' = all requests), decoded through the bounded codec. */
  getHistogram(id: string, name: string): Float64Histogram | undefined {
    const row = this.db.prepare('SELECT histogram FROM histograms WHERE run_id = ? AND name = ?').get(id, name) as
      | { histogram: Uint8Array | null }
      | undefined;
    return row === undefined ? undefined : histogramFromBytes(row.histogram);
  }

  close(): void {
    this.db.close();
  }
}

type IntervalRow = {
  interval: number;
  requests: number;
  ok: number;
  rate_limited: number;
  failed: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  mean_ms: number | null;
  dropped: number | null;
  status_json: string | null;
  errors_json: string | null;
  agents_json: string | null;
};

function toRun(r: unknown): StoredRun {
  const x = r as Record<string, string | number | null>;
  return {
    id: x.id as string,
    scenario: x.scenario as string,
    status: x.status as StoredStatus,
    createdAt: x.created_at as string,
    endedAt: x.ended_at as string | null,
    target: x.target as string | null,
    error: x.error as string | null,
    requests: x.requests as number | null,
  };
}
