// Monitors: while a run goes, the controller polls target-side URLs on an
// interval — a JSON path of a JSON answer (the seed's /health pool status) or
// a Prometheus metric (process_resident_memory_bytes) — and keeps each as a
// time series. Monitors on one URL share each poll: four metrics of one
// /metrics cost one request per tick, not four. Polls are scheduled from the
// start instant (no drift), bounded in size and time; a failed poll is counted
// by reason, never a sample. Clock and timers are injected (fake time in tests).
import type { Clock } from '@barrage/core';
import { fetchMonitorBody, monitorUrlKey } from './monitor-fetch.ts';
import type { ActiveMonitor, MonitorPlan } from './monitor-plan.ts';
import { PollFailure, readValue } from './monitor-reading.ts';
import { FailureTally, type MonitorSample, type MonitorStats, monitorStats } from './monitor-stats.ts';

const MAX_SAMPLES = 100_000;

/** The timers polls wait on: Node's own, or a test's fake time. */
export interface PollTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(t: never): void;
}

const nodeTimers: PollTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t: NodeJS.Timeout) => clearTimeout(t),
};

class Series {
  readonly m: ActiveMonitor | undefined;
  readonly samples: MonitorSample[] = [];
  readonly failures = new FailureTally();
  /** ms after the start when it next wants a sample. */
  dueMs = 0;

  constructor(m: ActiveMonitor | undefined) {
    this.m = m;
  }
}

/** One URL and the monitors that read it; polled at the shortest of their intervals, with the longest timeout. */
class Target {
  readonly url: string;
  readonly series: Series[] = [];
  everyMs = Infinity;
  timeoutMs = 0;
  busy = false;

  constructor(url: string) {
    this.url = url;
  }
}

export class MonitorPoller {
  private readonly clock: Clock;
  private readonly timers: PollTimers;
  private readonly series = new Map<string, Series>();
  private readonly targets = new Map<string, Target>();
  private readonly requests = new Map<string, number>();
  private readonly pending = new Set<unknown>();
  private readonly inFlight = new Set<Promise<void>>();
  private startAt = 0;
  private stopped = false;

  constructor(plan: MonitorPlan, clock: Clock, timers: PollTimers = nodeTimers) {
    this.clock = clock;
    this.timers = timers;
    for (const [url, n] of Object.entries(plan.requests)) this.requests.set(url, n);
    for (const m of plan.active) {
      const s = new Series(m);
      this.series.set(m.name, s);
      const t = this.targets.get(m.url) ?? new Target(m.url);
      this.targets.set(m.url, t);
      t.series.push(s);
      t.everyMs = Math.min(t.everyMs, m.intervalMs);
      t.timeoutMs = Math.max(t.timeoutMs, m.timeoutMs);
    }
    // Left out by the preflight: shown with the reason their first poll failed.
    for (const l of plan.leftOut) {
      const s = new Series(undefined);
      s.failures.add(l.reason);
      this.series.set(l.name, s);
    }
  }

  /** Polls each URL at startAt, startAt + interval, ... (controller clock). */
  start(startAt: number): void {
    this.startAt = startAt;
    for (const t of this.targets.values()) this.schedule(t, 0);
  }

  private schedule(t: Target, k: number): void {
    if (this.stopped) return;
    // Tick k lands at startAt + k·interval; with a slow answer, later ticks are skipped (poll()).
    const timer = this.timers.setTimeout(
      () => {
        this.pending.delete(timer);
        this.poll(t, k * t.everyMs);
        this.schedule(t, k + 1);
      },
      Math.max(0, this.startAt + k * t.everyMs - this.clock.now()),
    );
    this.pending.add(timer);
  }

  /**
   * One request for the monitors of `t` due at `tickMs` (all of them with Infinity). One poll per URL
   * at a time: a tick that finds the previous one still out is skipped, so samples stay in time order.
   */
  private poll(t: Target, tickMs: number): void {
    const due = t.series.filter((s) => s.dueMs <= tickMs);
    if (t.busy || due.length === 0) return;
    t.busy = true;
    // Each is next due on the first of its own ticks (multiples of its interval) after this one.
    for (const s of due) s.dueMs = (Math.floor(tickMs / s.m!.intervalMs) + 1) * s.m!.intervalMs;
    const p = this.sample(t, due).finally(() => {
      this.inFlight.delete(p);
      t.busy = false;
    });
    this.inFlight.add(p);
  }

  private async sample(t: Target, due: readonly Series[]): Promise<void> {
    const at = Math.round(this.clock.now() - this.startAt);
    const key = monitorUrlKey(t.url);
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let body: string;
    try {
      body = await fetchMonitorBody(t.url, t.timeoutMs);
    } catch (err) {
      for (const s of due) s.failures.add(reason(err));
      return;
    }
    for (const s of due) {
      try {
        const value = readValue(s.m!.reading, body);
        if (s.samples.length < MAX_SAMPLES) s.samples.push({ t: at, value });
      } catch (err) {
        s.failures.add(reason(err));
      }
    }
  }

  /** Takes a last sample of each (so growth covers the whole run), stops polling, waits for polls in flight. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.pending) this.timers.clearTimeout(timer as never);
    this.pending.clear();
    // Polls still out finish first; then one last sample of each.
    await this.idle();
    for (const t of this.targets.values()) this.poll(t, Infinity);
    await this.idle();
  }

  /** Resolves once no poll is out (tests on fake time wait on it between ticks). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Each monitor's samples so far. */
  samples(): Record<string, MonitorSample[]> {
    return Object.fromEntries([...this.series].map(([n, s]) => [n, [...s.samples]]));
  }

  stats(): Record<string, MonitorStats> {
    return Object.fromEntries([...this.series].map(([n, s]) => [n, monitorStats(s.samples, s.failures.record())]));
  }

  /** What a reader should know of the polls that failed, one note per monitor polled (left-out ones have the preflight's). */
  notes(): string[] {
    return [...this.series]
      .filter(([, s]) => s.m !== undefined && s.failures.total > 0)
      .map(([name, s]) => {
        const why = Object.entries(s.failures.record())
          .sort((a, b) => b[1] - a[1])
          .map(([r, n]) => `${r} ×${n}`)
          .join(', ');
        return `monitor ${name}: ${s.failures.total} poll(s) failed (${why})${s.samples.length === 0 ? ', no sample at all' : ''}`;
      });
  }

  /** Requests sent per monitor URL (origin + path), the preflight's included. */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.requests);
  }
}

function reason(err: unknown): string {
  return err instanceof PollFailure ? err.message : String((err as Error).message ?? err).slice(0, 100);
}
