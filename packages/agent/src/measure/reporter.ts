// Interval reports: one per interval aligned to the controller clock
// (start_at + k * interval), numbered 1, 2, 3 ..., kept until acknowledged so a
// reconnect can resend them. The controller merges each (agent, seq) once.
// A multi-worker agent drives it with push() instead of its timer: one report
// per interval holding every worker's merged stats.

import type { Clock } from '@barrage/core';
import { type barrage, encodeEnvelope } from '@barrage/proto';
import { systemTimers, type Timer, type Timers } from '../timers.ts';
import type { Recorder } from './recorder.ts';

export interface ReporterOptions {
  runId: string;
  intervalMs: number;
  /** Controller clock. */
  clock: Clock;
  /** Default: Node's. */
  timers?: Timers;
  /** Where timed reports take their stats from; absent: the reporter is only pushed to. */
  recorder?: Recorder;
  send: (frame: Uint8Array) => void;
  status: () => ReportStatus;
}

export interface ReportStatus {
  inFlight: number;
  activeVus: number;
  eventLoopP99Ms?: number;
  eventLoopMaxMs?: number;
  cpuCores?: number;
  leaseExpiredAt?: number;
  eventLoopUtilization?: number;
  /** Rows taken per data source over the interval. */
  dataRows?: barrage.v1.NamedCount.$Properties[];
  /** Connections opened to targets over the interval. */
  connectionsOpened?: number;
  /** Requests by source address over the interval (agent --source-ips). */
  bySource?: barrage.v1.AddressCount.$Properties[];
}

export class Reporter {
  private readonly o: ReporterOptions;
  private readonly outbox = new Map<number, Uint8Array>();
  private readonly timers: Timers;
  private timer: Timer | undefined;
  private startAt = 0;
  private interval = 0;
  private done = false;
  startedAt = 0;
  seq = 0;
  lastAcked = 0;

  constructor(o: ReporterOptions) {
    this.o = o;
    this.timers = o.timers ?? systemTimers;
  }

  /** Starts interval timing; `startAt` is the run's start instant, `startedAt` when this agent really began. */
  start(startAt: number, startedAt: number): void {
    this.startAt = startAt;
    this.startedAt = startedAt;
    this.interval = Math.max(0, Math.floor((this.o.clock.now() - startAt) / this.o.intervalMs));
    this.arm();
  }

  private arm(): void {
    const boundary = this.startAt + (this.interval + 1) * this.o.intervalMs;
    this.timer = this.timers.setTimeout(() => this.tick(), Math.max(0, boundary - this.o.clock.now()));
  }

  private tick(): void {
    if (this.done) return;
    this.emit(false);
    this.interval++;
    this.arm();
  }

  /** Sends the last, partial interval with final=true; no report follows it. */
  finish(): void {
    if (this.done) return;
    this.done = true;
    this.timers.clearTimeout(this.timer);
    this.emit(true);
  }

  get finished(): boolean {
    return this.done;
  }

  private emit(final: boolean): void {
    this.push(this.interval, this.o.recorder?.snapshot() ?? [], final, this.o.status());
  }

  /** Sends interval `interval`'s report (the timer's, or a multi-worker agent's merge); final ends the run's reports. */
  push(interval: number, stats: barrage.v1.RequestStats.$Properties[], final: boolean, status: ReportStatus): void {
    if (final) {
      this.done = true;
      this.timers.clearTimeout(this.timer);
    }
    const seq = ++this.seq;
    const {
      inFlight,
      activeVus,
      eventLoopP99Ms = 0,
      eventLoopMaxMs = 0,
      cpuCores = 0,
      leaseExpiredAt = 0,
      eventLoopUtilization = 0,
      dataRows = [],
      connectionsOpened = 0,
      bySource = [],
    } = status;
    const frame = encodeEnvelope({
      report: {
        runId: this.o.runId,
        seq,
        interval,
        stats,
        startedAt: this.startedAt,
        final,
        inFlight,
        activeVus,
        eventLoopP99Ms,
        eventLoopMaxMs,
        cpuCores,
        leaseExpiredAt,
        eventLoopUtilization,
        dataRows,
        connectionsOpened,
        bySource,
      },
    });
    this.outbox.set(seq, frame);
    this.o.send(frame);
  }

  ack(seq: number): void {
    this.outbox.delete(seq);
    if (seq > this.lastAcked) this.lastAcked = seq;
  }

  get unacked(): number {
    return this.outbox.size;
  }

  /** After a reconnect: everything the controller has not acknowledged, in order. */
  resend(): void {
    for (const seq of [...this.outbox.keys()].sort((a, b) => a - b)) this.o.send(this.outbox.get(seq)!);
  }

  cancel(): void {
    this.done = true;
    this.timers.clearTimeout(this.timer);
  }
}
