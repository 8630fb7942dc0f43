// The run store as a listener of a run's events: the run is recorded before it
// starts (by the run service), its start instant when it starts, each interval
// and monitor sample as it is told (a controller that dies mid-run leaves them
// behind), a heartbeat on every progress tick, and everything else at its end.
// The run happened whatever the store says: a failed write becomes a note (once
// per kind), never a lost result.
import type { Float64Histogram } from 'hdr-histogram-js';
import type { Logger } from 'pino';
import type { StoredInterval } from '../merge/interval-figures.ts';
import type { MonitorSample } from '../monitor/monitor-stats.ts';
import type { RunEnded, RunEvents, RunStarted } from '../run/events.ts';
import type { RunStore } from '../store/run-store.ts';

export class StoreWriter implements RunEvents {
  /** What the store could not keep, for the summary's notes. */
  readonly notes: string[] = [];
  private readonly store: RunStore;
  private readonly runId: string;
  private readonly logger: Logger;

  constructor(store: RunStore, runId: string, logger: Logger) {
    this.store = store;
    this.runId = runId;
    this.logger = logger;
  }

  started(e: RunStarted): void {
    this.safely('the start', () => this.store.startRun(this.runId, e.plannedStartAt, e.intervalMs));
  }

  interval(f: StoredInterval, histogram: Float64Histogram | null): void {
    this.safely('intervals', () => this.store.saveFigures(this.runId, f, histogram));
  }

  monitorSample(name: string, s: MonitorSample): void {
    this.safely('monitor samples', () => this.store.appendMonitorSamples(this.runId, name, [s]));
  }

  progress(): void {
    this.safely('intervals', () => this.store.heartbeat(this.runId));
  }

  /** The summary and the whole result in one transaction; a failure's note joins the summary's. */
  ended(e: RunEnded): void {
    if (e.summary === undefined || e.result === undefined) {
      this.safely('the failure', () => this.store.failRun(this.runId, e.error ?? e.status), false);
      return;
    }
    const { summary, result } = e;
    if (!this.safely('the result', () => this.store.finishRun(this.runId, summary, result))) {
      summary.run.notes.push(...this.notes.filter((n) => !summary.run.notes.includes(n)));
    }
  }

  /** Runs a store write; a failure is logged and noted (once per kind), never thrown into the run. */
  private safely(what: string, write: () => void, note = true): boolean {
    try {
      write();
      return true;
    } catch (err) {
      const text = `the store could not keep ${what}: ${(err as Error).message}`;
      if (!this.notes.includes(text)) {
        if (note) this.notes.push(text);
        this.logger.error({ err: (err as Error).message }, 'store write failed');
      }
      return false;
    }
  }
}
