// A run's live events, for dashboards: GET /api/v1/runs/:id/events as
// Server-Sent Events. The run manager publishes each run into a channel of the
// hub (its start, every interval once all agents have reported it, monitor
// samples, threshold results, its end); a stream replays what is known, then
// follows the run until it ends. A run that is not going here is replayed from
// the store. Streams are bounded in number, and a client that stops reading is
// dropped rather than buffered for.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { ControllerErrors } from '../errors.ts';
import type { MonitorSample } from '../monitor/monitor-poller.ts';
import type { RunStore, StoredInterval } from '../store/run-store.ts';
import type { ThresholdResult } from '../scenario/thresholds.ts';

export interface StartEvent { id: string; scenario: string; plannedStartAt: string; intervalMs: number }
export interface MonitorEvent { name: string; t: number; value: number }
export interface ThresholdsEvent { final: boolean; results: ThresholdResult[] }
export interface EndEvent { status: string; error?: string }

export interface EventStreamLimits {
  /** Streams open at once, all clients together; beyond, 503 CTRL_TOO_MANY_STREAMS. */
  maxStreams: number;
  /** A comment line this often keeps proxies from closing a quiet stream. */
  heartbeatMs: number;
  /** Bytes waiting for a client that does not read; past this its stream is dropped. */
  maxPendingBytes: number;
  /** A client whose socket stays full this long (it stopped reading, the replay included) is dropped. */
  stallMs: number;
}

export const DEFAULT_LIMITS: EventStreamLimits = { maxStreams: 64, heartbeatMs: 15_000, maxPendingBytes: 1024 * 1024, stallMs: 30_000 };

/** One SSE frame: `data` is one JSON line (JSON.stringify escapes newlines; NaN becomes null). */
function frame(event: string, id: string, data: unknown): string {
  return `event: ${event}\nid: ${id.replace(/[\r\n]/g, ' ')}\ndata: ${JSON.stringify(data)}\n\n`;
}

type Listener = (frame: string, last: boolean) => void;

/**
 * Intervals a live channel keeps in memory; older ones are replayed from the store (which
 * holds every interval once published), so a long run with many agents costs no memory here.
 */
const KEEP_INTERVALS = 120;

/** One live run's events: what a new stream replays, and the streams following it. */
export class RunChannel {
  readonly runId: string;
  private readonly onEnd: () => void;
  private startFrame: string | undefined;
  private readonly intervals = new Map<number, { figures: StoredInterval; frame: string }>();
  private readonly monitorFrames: string[] = [];
  /** Per monitor: samples published so far. */
  private readonly monitorCounts = new Map<string, number>();
  private newestInterval = -1;
  private thresholdsFrame: string | undefined;
  private ended = false;
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
    if (this.startFrame !== undefined || this.ended) return;
    const data: StartEvent = { id: this.runId, scenario, plannedStartAt: new Date(plannedStartAt).toISOString(), intervalMs };
    this.publish((this.startFrame = frame('start', 'start', data)));
  }

  /**
   * An interval's figures, sent when they differ from what was sent for it before (a late
   * report changes its counters). Figures without percentiles keep the ones sent, as the
   * store does.
   */
  interval(f: StoredInterval): void {
    if (this.ended) return;
    const before = this.intervals.get(f.interval);
    const figures = before === undefined || f.p50Ms !== null ? f : {
      ...f, p50Ms: before.figures.p50Ms, p95Ms: before.figures.p95Ms, p99Ms: before.figures.p99Ms, maxMs: before.figures.maxMs, meanMs: before.figures.meanMs,
    };
    const text = frame('interval', String(f.interval), figures);
    if (before?.frame === text) return;
    // Kept in interval order for the replay (a Map iterates in insertion order).
    if (before === undefined && f.interval < this.newestInterval) {
      const all = [...this.intervals.entries(), [f.interval, { figures, frame: text }] as const].sort((a, b) => a[0] - b[0]);
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
    if (this.ended) return;
    for (const [name, samples] of Object.entries(series)) {
      const sent = this.monitorCounts.get(name) ?? 0;
      for (let i = sent; i < samples.length; i++) {
        const s = samples[i]!;
        const data: MonitorEvent = { name, t: s.t, value: s.value };
        const text = frame('monitor', `${name}:${i}`, data);
        this.monitorFrames.push(text);
        this.publish(text);
      }
      this.monitorCounts.set(name, Math.max(sent, samples.length));
    }
  }

  /** Threshold results: live ones when they change, the final ones always. */
  thresholds(results: readonly ThresholdResult[], final: boolean): void {
    if (this.ended) return;
    const data: ThresholdsEvent = { final, results: [...results] };
    const text = frame('thresholds', final ? 'thresholds:final' : 'thresholds', data);
    if (!final && text === this.thresholdsFrame) return;
    this.publish((this.thresholdsFrame = text));
  }

  /** The run ended: every stream gets `end` and is closed; the channel leaves the hub. */
  end(status: string, error?: string): void {
    if (this.ended) return;
    const data: EndEvent = error === undefined ? { status } : { status, error };
    this.publish(frame('end', 'end', data), true);
    this.ended = true;
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
    return () => { this.listeners.delete(l); };
  }

  /** To every stream; one that fails is dropped, never the run that publishes. */
  private publish(text: string, last = false): void {
    for (const l of this.listeners) {
      try { l(text, last); } catch { this.listeners.delete(l); }
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
    const c = new RunChannel(runId, () => { if (this.channels.get(runId) === c) this.channels.delete(runId); });
    this.channels.set(runId, c);
    return c;
  }

  live(runId: string): RunChannel | undefined {
    return this.channels.get(runId);
  }
}

/** A finished (or not here) run's events, from the store: what it holds, its thresholds, its end. */
function storedFrames(store: RunStore, id: string): string[] {
  const run = store.getRun(id)!;
  const timing = store.getTiming(id);
  const out: string[] = [];
  if (timing?.plannedStartAt != null) {
    const data: StartEvent = { id, scenario: run.scenario, plannedStartAt: new Date(timing.plannedStartAt).toISOString(), intervalMs: timing.intervalMs };
    out.push(frame('start', 'start', data));
  }
  for (const iv of store.getIntervals(id)) out.push(frame('interval', String(iv.interval), iv));
  // Each monitor's samples in their order, the monitors merged by time.
  const samples = Object.entries(store.getMonitorSamples(id)).flatMap(([name, list]) => list.map((s, i) => ({ name, i, s })));
  samples.sort((a, b) => a.s.t - b.s.t);
  for (const { name, i, s } of samples) out.push(frame('monitor', `${name}:${i}`, { name, t: s.t, value: s.value } satisfies MonitorEvent));
  const summary = store.getSummary(id);
  if (summary !== undefined) out.push(frame('thresholds', 'thresholds:final', { final: true, results: summary.thresholds } satisfies ThresholdsEvent));
  const end: EndEvent = run.error === null ? { status: run.status } : { status: run.status, error: run.error };
  out.push(frame('end', 'end', end));
  return out;
}

/**
 * Writes frames to one client, as fast as it reads: the replay first, then live frames.
 * Live frames wait in a queue while the socket is full; past `maxPendingBytes` the client is
 * dropped (a stalled reader must not grow the controller's memory).
 */
class EventWriter {
  private readonly res: ServerResponse;
  private readonly maxPending: number;
  private replay: Iterator<string> | undefined;
  private readonly queue: string[] = [];
  private pending = 0;
  private waiting = false;
  private finishing = false;
  private closed = false;

  private readonly stallMs: number;

  constructor(res: ServerResponse, replay: readonly string[], maxPending: number, stallMs: number) {
    this.res = res;
    this.maxPending = maxPending;
    this.stallMs = stallMs;
    this.replay = replay[Symbol.iterator]();
    res.on('close', () => { this.closed = true; });
  }

  /** A live frame (`last`: the stream ends after it). */
  push(text: string, last = false): void {
    if (this.closed || this.res.writableEnded) return;
    this.queue.push(text);
    this.pending += text.length;
    this.finishing ||= last;
    if (this.pending > this.maxPending) { this.res.destroy(); return; }
    this.pump();
  }

  /** Ends the stream once everything queued is written. */
  finish(): void {
    this.finishing = true;
    this.pump();
  }

  pump(): void {
    while (!this.waiting && !this.closed && !this.res.writableEnded) {
      let text: string | undefined;
      if (this.replay !== undefined) {
        const r = this.replay.next();
        if (r.done === true) this.replay = undefined;
        else text = r.value;
      }
      if (text === undefined) {
        text = this.queue.shift();
        if (text === undefined) break;
        this.pending -= text.length;
      }
      if (!this.res.write(text)) {
        this.waiting = true;
        // A reader that never drains would pin its replay for ever: dropped after stallMs.
        const stalled = setTimeout(() => this.res.destroy(), this.stallMs);
        stalled.unref();
        this.res.once('drain', () => { clearTimeout(stalled); this.waiting = false; this.pump(); });
        this.res.once('close', () => clearTimeout(stalled));
      }
    }
    if (this.finishing && !this.waiting && !this.closed && !this.res.writableEnded && this.replay === undefined && this.queue.length === 0) this.res.end();
  }
}

/**
 * The route handler. Refusals (no such run, too many streams) are coded errors before the
 * stream starts; after that the reply is the raw event stream.
 */
export function eventsHandler(o: { store: RunStore; hub: RunEventHub; limits?: Partial<EventStreamLimits> }) {
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const { id } = req.params as { id: string };
    if (o.store.getRun(id) === undefined) throw new ControllerErrors.RUN_NOT_FOUND(id);
    if (o.hub.streams >= limits.maxStreams) {
      reply.header('retry-after', '5');
      throw new ControllerErrors.TOO_MANY_STREAMS(limits.maxStreams);
    }
    // Everything the stream starts with is taken now, in this one tick: a live channel's
    // replay and then its later events, or the store's record of a run not going here.
    const channel = o.hub.live(id);
    const replay = channel
      ? channel.replay((before) => o.store.getIntervals(id).filter((iv) => iv.interval < before).map((iv) => frame('interval', String(iv.interval), iv)))
      : storedFrames(o.store, id);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    o.hub.streams++;
    const writer = new EventWriter(res, replay, limits.maxPendingBytes, limits.stallMs);
    const unsubscribe = channel?.subscribe((text, last) => writer.push(text, last));
    const heartbeat = setInterval(() => writer.push(': ping\n\n'), limits.heartbeatMs);
    heartbeat.unref();
    res.once('close', () => {
      clearInterval(heartbeat);
      unsubscribe?.();
      o.hub.streams--;
    });
    res.on('error', () => {}); // a client gone mid-write: 'close' follows and cleans up
    if (channel === undefined) writer.finish();
    else writer.pump();
  };
}
