// GET /api/v1/runs/:id/events as Server-Sent Events: the route handler, the
// writer that feeds one client as fast as it reads, and the frames of a run not
// going here (replayed from the store). The live side (channels, hub) is
// runs/run-events.ts. Streams are bounded in number, and a client that stops
// reading is dropped rather than buffered for.

import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ControllerErrors } from '../errors.ts';
import {
  type EndEvent,
  frame,
  type MonitorEvent,
  type RunEventHub,
  type StartEvent,
  type ThresholdsEvent,
} from '../runs/run-events.ts';
import type { RunStore } from '../store/run-store.ts';

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

export const DEFAULT_LIMITS: EventStreamLimits = {
  maxStreams: 64,
  heartbeatMs: 15_000,
  maxPendingBytes: 1024 * 1024,
  stallMs: 30_000,
};

/** A finished (or not here) run's events, from the store: what it holds, its thresholds, its end. */
export function storedFrames(store: RunStore, id: string): string[] {
  const run = store.getRun(id)!;
  const timing = store.getTiming(id);
  const out: string[] = [];
  if (timing?.plannedStartAt != null) {
    const data: StartEvent = {
      id,
      scenario: run.scenario,
      plannedStartAt: new Date(timing.plannedStartAt).toISOString(),
      intervalMs: timing.intervalMs,
    };
    out.push(frame('start', 'start', data));
  }
  for (const iv of store.getIntervals(id)) out.push(frame('interval', String(iv.interval), iv));
  // Each monitor's samples in their order, the monitors merged by time.
  const samples = Object.entries(store.getMonitorSamples(id)).flatMap(([name, list]) =>
    list.map((s, i) => ({ name, i, s })),
  );
  samples.sort((a, b) => a.s.t - b.s.t);
  for (const { name, i, s } of samples)
    out.push(frame('monitor', `${name}:${i}`, { name, t: s.t, value: s.value } satisfies MonitorEvent));
  const summary = store.getSummary(id);
  if (summary !== undefined)
    out.push(
      frame('thresholds', 'thresholds:final', { final: true, results: summary.thresholds } satisfies ThresholdsEvent),
    );
  const end: EndEvent = run.error === null ? { status: run.status } : { status: run.status, error: run.error };
  out.push(frame('end', 'end', end));
  return out;
}

/**
 * Writes frames to one client, as fast as it reads: the replay first, then live frames.
 * Live frames wait in a queue while the socket is full; past `maxPendingBytes` the client is
 * dropped (a stalled reader must not grow the controller's memory).
 */
export class EventWriter {
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
    res.on('close', () => {
      this.closed = true;
    });
  }

  /** A live frame (`last`: the stream ends after it). */
  push(text: string, last = false): void {
    if (this.closed || this.res.writableEnded) return;
    this.queue.push(text);
    this.pending += text.length;
    this.finishing ||= last;
    if (this.pending > this.maxPending) {
      this.res.destroy();
      return;
    }
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
        this.res.once('drain', () => {
          clearTimeout(stalled);
          this.waiting = false;
          this.pump();
        });
        this.res.once('close', () => clearTimeout(stalled));
      }
    }
    if (
      this.finishing &&
      !this.waiting &&
      !this.closed &&
      !this.res.writableEnded &&
      this.replay === undefined &&
      this.queue.length === 0
    )
      this.res.end();
  }
}

/**
 * The route handler. Refusals (no such run, too many streams) are coded errors before the
 * stream starts; after that the reply is the raw event stream.
 */
export function eventsHandler(o: { store: RunStore; hub: RunEventHub; limits?: Partial<EventStreamLimits> }) {
  const limits = { ...DEFAULT_LIMITS, ...o.limits };
  return async (req: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply): Promise<void> => {
    const { id } = req.params;
    if (o.store.getRun(id) === undefined) throw new ControllerErrors.RUN_NOT_FOUND(id);
    if (o.hub.streams >= limits.maxStreams) {
      reply.header('retry-after', '5');
      throw new ControllerErrors.TOO_MANY_STREAMS(limits.maxStreams);
    }
    // Everything the stream starts with is taken now, in this one tick: a live channel's
    // replay and then its later events, or the store's record of a run not going here.
    const channel = o.hub.live(id);
    const replay = channel
      ? channel.replay((before) =>
          o.store
            .getIntervals(id)
            .filter((iv) => iv.interval < before)
            .map((iv) => frame('interval', String(iv.interval), iv)),
        )
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
