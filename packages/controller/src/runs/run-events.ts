// A run's live events, for dashboards. The run service registers each run's
// channel of the hub as one of the run's event listeners (its start, every interval once all agents have reported
// it, monitor samples, threshold results, its end); a stream joining a channel
// replays what is known, then follows the run until it ends. The HTTP side (the
// SSE route, its bounds and the writer) is api/event-stream.ts.

import type { StoredInterval } from '../merge/interval-figures.ts';
import type { MonitorSample } from '../monitor/monitor-stats.ts';
import type { RunEnded, RunEvents, RunStarted } from '../run/events.ts';
import type { ThresholdResult } from '../scenario/thresholds.ts';

export interface StartEvent {
  id: string;
  scenario: string;
  plannedStartAt: string;
  intervalMs: number;
}
export interface MonitorEvent {
  name: string;
  t: number;
  value: number;
}
export interface ThresholdsEvent {
  final: boolean;
  results: ThresholdResult[];
}
export interface EndEvent {
  status: string;
  error?: string;
}

/** One SSE frame: `data` is one JSON line (JSON.stringify escapes newlines; NaN becomes null). */
export function frame(event: string, id: string, data: unknown): string {
  return `event: ${event}\nid: ${id.replace(/[\r\n]/g, ' ')}\ndata: ${JSON.stringify(data)}\n\n`;
}

type Listener = (frame: string, last: boolean) => void;

/**
 * Intervals a live channel keeps in memory; older ones are replayed from the store (which
 * holds every interval once published), so a long run with many agents costs no memory here.
 */
const KEEP_INTERVALS = 120;

/** One live run's events: what a new stream replays, and the streams following it. */
export class RunChannel implements RunEvents {
  readonly runId: string;
  private readonly onEnd: () => void;
  private startFrame: string | undefined;
  private readonly intervals = new Map<number, { figures: StoredInterval; frame: string }>();
  private readonly monitorFrames: string[] = [];
  /** Per monitor: samples published so far. */
  private readonly monitorCounts = new Map<string, number>();
  private newestInterval = -1;
  private thresholdsFrame: string | undefined;
  private closed = false;
  private readonly listeners = new Set<Listener>();

  constructor(runId: string, onEnd: () => void) {
    this.runId = runId;
    this.onEnd = onEnd;
  }

  get streams(): number {
    return this.listeners.size;
  }

  /** The run started (once): its planned start instant and interval length. */
  start(scenario: string, plannedStartAt: number, intervalMs: number): void {
    if (this.startFrame !== undefined || this.closed) return;
    const data: StartEvent = {
      id: this.runId,
      scenario,
      plannedStartAt: new Date(plannedStartAt).toISOString(),
      intervalMs,
    };
    this.publish((this.startFrame = frame('start', 'start', data)));
  }

  /**
   * An interval's figures, sent when they differ from what was sent for it before (a late
   * report changes its counters). Figures without percentiles keep the ones sent, as the
   * store does.
   */
  interval(f: StoredInterval): void {
    if (this.closed) return;
    const before = this.intervals.get(f.interval);
    const figures =
      before === undefined || f.p50Ms !== null
        ? f
        : {
            ...f,
            p50Ms: before.figures.p50Ms,
            p95Ms: before.figures.p95Ms,
            p99Ms: before.figures.p99Ms,
            maxMs: before.figures.maxMs,
            meanMs: before.figures.meanMs,
          };
    const text = frame('interval', String(f.interval), figures);
    if (before?.frame === text) return;
    // Kept in interval order for the replay (a Map iterates in insertion order).
    if (before === undefined && f.interval < this.newestInterval) {
      const all = [...this.intervals.entries(), [f.interval, { figures, frame: text }] as const].sort(
        (a, b) => a[0] - b[0],
      );
      this.intervals.clear();
      for (const [k, v] of all) this.intervals.set(k, v);
    } else {
      this.intervals.set(f.interval, { figures, frame: text });
    }
    this.newestInterval = Math.max(this.newestInterval, f.interval);
    while (this.intervals.size > KEEP_INTERVALS) this.intervals.delete(this.intervals.keys().next().value!);
    this.publish(text);
  }

  /** Each monitor's samples so far: the ones not sent yet are. */
  monitors(series: Readonly<Record<string, readonly MonitorSample[]>>): void {
    for (const [name, samples] of Object.entries(series)) samples.forEach((s, i) => this.monitorSample(name, s, i));
  }

  /** A monitor's sample number `index`, sent once. */
  monitorSample(name: string, s: MonitorSample, index: number): void {
    if (this.closed) return;
    const sent = this.monitorCounts.get(name) ?? 0;
    if (index < sent) return;
    const data: MonitorEvent = { name, t: s.t, value: s.value };
    const text = frame('monitor', `${name}:${index}`, data);
    this.monitorFrames.push(text);
    this.monitorCounts.set(name, index + 1);
    this.publish(text);
  }

  /** Threshold results: live ones when they change, the final ones always. */
  thresholds(results: readonly ThresholdResult[], final = false): void {
    if (this.closed) return;
    const data: ThresholdsEvent = { final, results: [...results] };
    const text = frame('thresholds', final ? 'thresholds:final' : 'thresholds', data);
    if (!final && text === this.thresholdsFrame) return;
    this.publish((this.thresholdsFrame = text));
  }

  /** RunEvents: the run started. */
  started(e: RunStarted): void {
    this.start(e.scenario, e.plannedStartAt, e.intervalMs);
  }

  /** RunEvents: the run ended; its final verdicts go out just before the end. */
  ended(e: RunEnded): void {
    if (e.summary !== undefined) this.thresholds(e.summary.thresholds, true);
    this.end(e.status, e.error);
  }

  /** The run ended: every stream gets `end` and is closed; the channel leaves the hub. */
  end(status: string, error?: string): void {
    if (this.closed) return;
    const data: EndEvent = error === undefined ? { status } : { status, error };
    this.publish(frame('end', 'end', data), true);
    this.closed = true;
    this.listeners.clear();
    this.onEnd();
  }

  /**
   * What a stream that joins now is sent first, in order; `older(k)` gives the frames of the
   * intervals before k that this channel no longer keeps (from the store).
   */
  replay(older: (before: number) => string[] = () => []): string[] {
    const kept = [...this.intervals.entries()];
    return [
      ...(this.startFrame === undefined ? [] : [this.startFrame]),
      ...(kept.length > 0 && this.newestInterval >= KEEP_INTERVALS ? older(kept[0]![0]) : []),
      ...kept.map(([, v]) => v.frame),
      ...this.monitorFrames,
      ...(this.thresholdsFrame === undefined ? [] : [this.thresholdsFrame]),
    ];
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  }

  /** To every stream; one that fails is dropped, never the run that publishes. */
  private publish(text: string, last = false): void {
    for (const l of this.listeners) {
      try {
        l(text, last);
      } catch {
        this.listeners.delete(l);
      }
    }
  }
}

/** The live runs' channels, and the count of streams open. */
export class RunEventHub {
  private readonly channels = new Map<string, RunChannel>();
  /** Event streams open now, all runs together. */
  streams = 0;

  /** A channel for a run about to go; it leaves the hub when the run ends. */
  open(runId: string): RunChannel {
    const c = new RunChannel(runId, () => {
      if (this.channels.get(runId) === c) this.channels.delete(runId);
    });
    this.channels.set(runId, c);
    return c;
  }

  live(runId: string): RunChannel | undefined {
    return this.channels.get(runId);
  }
}
