// Load-model schedulers decide *when* each iteration starts; the Requester
// decides *how* a request is sent. Every scheduler runs one scenario's share on
// this agent and calls onIdle once it will start nothing more and nothing it
// started is still running. Times are performance.now() milliseconds.
import type { ArrivalSchedule } from '@barrage/core';
import type { Requester } from '../http/requester.ts';
import { runIteration, type PreparedEntry } from './iteration.ts';
import type { Recorder } from '../measure/recorder.ts';
import { RequestMix } from './request-mix.ts';

export interface Scheduler {
  /** Begins firing now. */
  start(): void;
  /** Stops starting new iterations; running ones finish and are recorded. */
  stop(): void;
  /** VUs running (closed models) or iterations in flight (open models). */
  readonly activeVus: number;
}

export interface ClosedModelOptions {
  /** The most VUs this agent runs at once. */
  vus: number;
  /** ramping-vus: VUs wanted `elapsed` ms after the scenario's start; absent: always `vus`. */
  target?: (elapsedMs: number) => number;
  /** Iterations shared by this agent's VUs; Infinity for duration-bounded models. */
  iterations: number;
  /** Iterations each VU runs (per-vu-iterations); Infinity otherwise. */
  iterationsPerVu: number;
  /** The scenario's start and end (performance.now ms). */
  startAt: number;
  endAt: number;
  /** Pause after each iteration, ms. */
  thinkTimeMs: number;
  /** Asked before each iteration: false stops the model (the agent's lease ran out). */
  mayFire?: () => boolean;
}

/** How often a ramp looks for VUs to add; VUs above the target leave after their iteration. */
const RAMP_TICK_MS = 50;

/**
 * Closed models (constant-vus, shared-iterations, per-vu-iterations, ramping-vus):
 * VUs that each start their next iteration when the previous one (and its think
 * time) is over, until the budget is spent, the ramp sends them away, or time is up.
 */
export class ClosedModel implements Scheduler {
  private readonly exec: Requester;
  private readonly entries: readonly PreparedEntry[];
  private readonly opts: ClosedModelOptions;
  private readonly onIdle: () => void;
  private readonly vus: Array<VirtualUser | undefined> = [];
  private remaining: number;
  private stopped = false;
  private idle = false;
  private timers: NodeJS.Timeout[] = [];
  activeVus = 0;

  constructor(exec: Requester, entries: readonly PreparedEntry[], opts: ClosedModelOptions, onIdle: () => void) {
    this.exec = exec;
    this.entries = entries;
    this.opts = opts;
    this.onIdle = onIdle;
    this.remaining = opts.iterations;
  }

  start(): void {
    const left = this.opts.endAt - performance.now();
    if (left <= 0 || this.remaining <= 0 || this.opts.iterationsPerVu <= 0) { this.stop(); return; }
    this.timers.push(setTimeout(() => this.stop(), left));
    if (this.opts.target !== undefined) this.timers.push(setInterval(() => this.spawn(), RAMP_TICK_MS));
    this.spawn();
    this.checkIdle();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    for (const vu of this.vus) vu?.wake();
    this.checkIdle();
  }

  /** VUs this agent should be running now. */
  private wanted(): number {
    const t = this.opts.target;
    return Math.min(this.opts.vus, t === undefined ? this.opts.vus : t(performance.now() - this.opts.startAt));
  }

  private spawn(): void {
    if (this.stopped) return;
    const want = this.wanted();
    for (let id = 0; id < want; id++) {
      if (this.vus[id] !== undefined) continue;
      const vu = new VirtualUser(this, id, new RequestMix(this.entries.map((e) => e.weight)), this.opts.iterationsPerVu);
      this.vus[id] = vu;
      this.activeVus++;
      vu.next();
    }
  }

  /** Whether `vu` may start another iteration now. */
  mayContinue(vu: VirtualUser): boolean {
    if (this.stopped || this.remaining <= 0 || vu.remaining <= 0 || performance.now() >= this.opts.endAt) return false;
    return this.opts.target === undefined || vu.id < this.wanted();
  }

  /** Takes one iteration from the budget; false when the VU should leave. */
  take(vu: VirtualUser): boolean {
    if (!this.mayContinue(vu)) return false;
    if (this.opts.mayFire !== undefined && !this.opts.mayFire()) { this.stopped = true; return false; }
    this.remaining--;
    vu.remaining--;
    return true;
  }

  run(entry: number, done: () => void): void {
    runIteration(this.exec, this.entries[entry]!, undefined, done);
  }

  get thinkTimeMs(): number {
    return this.opts.thinkTimeMs;
  }

  vuExited(vu: VirtualUser): void {
    this.vus[vu.id] = undefined;
    this.activeVus--;
    // Without a ramp, a VU leaves only when nothing more will start: done once the last one is gone.
    if (this.activeVus === 0 && this.opts.target === undefined) this.stop();
    else this.checkIdle();
  }

  private checkIdle(): void {
    if (this.idle || !this.stopped || this.activeVus > 0) return;
    this.idle = true;
    this.onIdle();
  }
}

/** One closed-model VU: run an iteration, wait for it (and the think time), repeat. */
class VirtualUser {
  private readonly model: ClosedModel;
  private readonly mix: RequestMix;
  readonly id: number;
  remaining: number;
  private running = false;
  private completedSync = false;
  private sleep: NodeJS.Timeout | undefined;
  private readonly onDone = (): void => {
    // An iteration that ends synchronously must not recurse: continue on the next turn.
    if (this.running) { this.completedSync = true; return; }
    this.after();
  };

  constructor(model: ClosedModel, id: number, mix: RequestMix, iterations: number) {
    this.model = model;
    this.id = id;
    this.mix = mix;
    this.remaining = iterations;
  }

  next(): void {
    this.sleep = undefined;
    if (!this.model.take(this)) { this.model.vuExited(this); return; }
    this.running = true;
    this.completedSync = false;
    this.model.run(this.mix.next(), this.onDone);
    this.running = false;
    if (this.completedSync) setImmediate(() => this.after());
  }

  private after(): void {
    // No pause before leaving: a VU with nothing left to do exits at once.
    const think = this.model.thinkTimeMs;
    if (think > 0 && this.model.mayContinue(this)) this.sleep = setTimeout(() => this.next(), think);
    else this.next();
  }

  /** Ends a think-time pause early (the model stopped). */
  wake(): void {
    if (this.sleep === undefined) return;
    clearTimeout(this.sleep);
    this.next();
  }
}

export interface OpenModelOptions {
  schedule: ArrivalSchedule;
  /** This agent's arrivals, and its phase (segment start) within the cluster's schedule. */
  count: number;
  phase: number;
  /** The scenario's start (performance.now ms). */
  startAt: number;
  /** Iterations in flight beyond which an arrival is dropped. */
  maxInFlight: number;
  /** A takeover fires only the arrivals this accepts (by index), ... */
  include?: (j: number) => boolean;
  /** ... and only those due at or after this instant (performance.now ms). */
  fromAt?: number;
  /** Asked before each arrival: false stops the model (the agent's lease ran out). */
  mayFire?: () => boolean;
}

/**
 * Open models (constant- and ramping-arrival-rate): iterations start at the
 * schedule's instants whether or not earlier ones finished. An arrival that
 * finds maxInFlight iterations running is counted as dropped, never queued.
 * Arrivals whose instant passed while the process was busy start at once and
 * keep their intended instant, so the stall shows up in their latency. Timers
 * fire late by up to a millisecond or so; to keep that out of every latency,
 * the model wakes EARLY_MS ahead and fires what is due by then (latency then
 * counts from the actual dispatch, see Requester.complete).
 */
const EARLY_MS = 1;

export class OpenModel implements Scheduler {
  private readonly exec: Requester;
  private readonly entries: readonly PreparedEntry[];
  private readonly recorder: Recorder;
  private readonly opts: OpenModelOptions;
  private readonly onIdle: () => void;
  private readonly mix: RequestMix;
  private next = 0;
  private stopped = false;
  private idle = false;
  private timer: NodeJS.Timeout | undefined;
  activeVus = 0;
  private readonly onDone = (): void => {
    this.activeVus--;
    this.checkIdle();
  };

  constructor(exec: Requester, entries: readonly PreparedEntry[], recorder: Recorder, opts: OpenModelOptions, onIdle: () => void) {
    this.exec = exec;
    this.entries = entries;
    this.recorder = recorder;
    this.opts = opts;
    this.onIdle = onIdle;
    this.mix = new RequestMix(entries.map((e) => e.weight));
  }

  start(): void {
    const { fromAt, schedule, count, phase, startAt } = this.opts;
    if (fromAt !== undefined) {
      // The first arrival due at or after fromAt (fire times grow with the index).
      let lo = 0;
      let hi = count;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (startAt + schedule.agentTime(mid, count, phase) < fromAt) lo = mid + 1; else hi = mid;
      }
      this.next = lo;
    }
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.checkIdle();
  }

  private readonly pump = (): void => {
    const { schedule, count, phase, startAt, include, mayFire } = this.opts;
    const now = performance.now();
    while (!this.stopped && this.next < count) {
      if (mayFire !== undefined && !mayFire()) { this.stopped = true; break; }
      if (include !== undefined && !include(this.next)) { this.next++; continue; }
      const at = startAt + schedule.agentTime(this.next, count, phase);
      if (at > now + EARLY_MS) {
        this.timer = setTimeout(this.pump, at - now - EARLY_MS);
        return;
      }
      this.next++;
      this.arrive(at);
    }
    this.checkIdle();
  };

  private arrive(at: number): void {
    const entry = this.entries[this.mix.next()]!;
    // Full, or the scenario's connections already closed at its hard end: never sent, dropped.
    if (this.activeVus >= this.opts.maxInFlight || this.exec.closed) {
      this.recorder.recordDropped(entry.steps[0]!.index);
      return;
    }
    this.activeVus++;
    runIteration(this.exec, entry, at, this.onDone);
  }

  private checkIdle(): void {
    if (this.idle || this.activeVus > 0 || (!this.stopped && this.next < this.opts.count)) return;
    this.idle = true;
    this.onIdle();
  }
}
