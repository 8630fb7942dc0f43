// Monitors: while a run goes, the controller polls target-side URLs on an
// interval — a JSON path of a JSON answer (the seed's /health pool status) or
// a Prometheus metric (process_resident_memory_bytes) — and keeps each as a
// time series. Polls are scheduled from the start instant (no drift), bounded
// in size and time; a failed poll is counted, never a sample.

import type { Clock } from '@barrage/core';
import { readJsonPath } from '@barrage/core';
import { request } from 'undici';
import type { MonitorDef } from '../scenario/scenario.ts';
import { type MonitorSample, type MonitorStats, monitorStats } from './monitor-stats.ts';
import { readPrometheus } from './prometheus-text.ts';

const MAX_BODY = 1024 * 1024;
const MAX_SAMPLES = 100_000;

class Series {
  readonly samples: MonitorSample[] = [];
  errors = 0;
  lastError = '';
}

export class MonitorPoller {
  private readonly defs: readonly MonitorDef[];
  private readonly baseUrl: string | undefined;
  private readonly clock: Clock;
  private readonly series = new Map<string, Series>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly busy = new Set<string>();
  private startAt = 0;
  private stopped = false;

  constructor(defs: readonly MonitorDef[], baseUrl: string | undefined, clock: Clock) {
    this.defs = defs;
    this.baseUrl = baseUrl;
    this.clock = clock;
    for (const d of defs) this.series.set(d.name, new Series());
  }

  /** Polls each monitor at startAt, startAt + interval, ... (controller clock). */
  start(startAt: number): void {
    this.startAt = startAt;
    for (const d of this.defs) this.schedule(d, 0);
  }

  private schedule(d: MonitorDef, k: number): void {
    if (this.stopped) return;
    // Poll k lands at startAt + k·interval; with a slow answer, later ticks are skipped (poll()).
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.poll(d);
        this.schedule(d, k + 1);
      },
      Math.max(0, this.startAt + k * d.intervalMs - this.clock.now()),
    );
    this.timers.add(timer);
  }

  /** One poll per monitor at a time: a tick that finds the previous poll still out is skipped, so samples stay in time order. */
  private poll(d: MonitorDef): void {
    if (this.busy.has(d.name)) return;
    this.busy.add(d.name);
    const p = this.sample(d).finally(() => {
      this.inFlight.delete(p);
      this.busy.delete(d.name);
    });
    this.inFlight.add(p);
  }

  private async sample(d: MonitorDef): Promise<void> {
    const s = this.series.get(d.name)!;
    const t = this.clock.now() - this.startAt;
    try {
      const url = d.url ?? this.baseUrl!.replace(/\/$/, '') + d.path!;
      const res = await request(url, { headersTimeout: d.timeoutMs, bodyTimeout: d.timeoutMs });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of res.body) {
        size += (c as Buffer).length;
        if (size > MAX_BODY) throw new Error('answer larger than 1 MiB');
        chunks.push(c as Buffer);
      }
      if (res.statusCode >= 400) throw new Error(`HTTP ${res.statusCode}`);
      const text = Buffer.concat(chunks).toString('utf8');
      const value = d.prometheus
        ? readPrometheus(text, d.prometheus)
        : toNumber(readJsonPath(JSON.parse(text), d.json!));
      if (value === undefined || !Number.isFinite(value)) throw new Error('no numeric value');
      if (s.samples.length < MAX_SAMPLES) s.samples.push({ t: Math.round(t), value });
    } catch (err) {
      s.errors++;
      s.lastError = (err as Error).message;
    }
  }

  /** Takes a last sample of each (so growth covers the whole run), stops polling, waits for polls in flight. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    // Polls still out finish first; then one last sample of each.
    await Promise.all([...this.inFlight]);
    for (const d of this.defs) this.poll(d);
    await Promise.all([...this.inFlight]);
  }

  /** Each monitor's samples so far. */
  samples(): Record<string, MonitorSample[]> {
    return Object.fromEntries([...this.series].map(([n, s]) => [n, [...s.samples]]));
  }

  stats(): Record<string, MonitorStats> {
    return Object.fromEntries([...this.series].map(([n, s]) => [n, monitorStats(s.samples, s.errors)]));
  }

  /** Monitors that never produced a sample, with why. */
  failures(): Array<{ name: string; errors: number; lastError: string }> {
    return [...this.series]
      .filter(([, s]) => s.errors > 0)
      .map(([name, s]) => ({ name, errors: s.errors, lastError: s.lastError }));
  }
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}
