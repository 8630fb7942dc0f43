// Open models (constant- and ramping-arrival-rate): iterations start at the
// schedule's instants whether or not earlier ones finished. An arrival that
// finds maxInFlight iterations running is counted as dropped, never queued.
// Arrivals whose instant passed while the process was busy start at once and
// keep their intended instant, so the stall shows up in their latency
// (no coordinated omission). The instants are the pure ArrivalSchedule's,
// placed on the run's clock.
import type { ArrivalSchedule } from '@barrage/core';
import type { Timer } from '../timers.ts';
import { attachRows, countRows } from './data-rows.ts';
import { type PreparedEntry, runIteration } from './iteration.ts';
import { type IterationIndex, indexOf } from './iteration-scope.ts';
import { RequestMix } from './request-mix.ts';
import type { ModelContext, Scheduler } from './scheduler.ts';
import { SessionPool } from './session-pool.ts';

export interface OpenModelOptions {
  schedule: ArrivalSchedule;
  /** This agent's arrivals, and its phase (segment start) within the cluster's schedule. */
  count: number;
  phase: number;
  /** The scenario's start (run clock, ms). */
  startAt: number;
  /** Iterations in flight beyond which an arrival is dropped. */
  maxInFlight: number;
  /** A takeover fires only the arrivals this accepts (by index), ... */
  include?: (j: number) => boolean;
  /** ... and only those due at or after this instant (run clock, ms). */
  fromAt?: number;
}

/**
 * Timers fire late by up to a millisecond or so; to keep that out of every
 * latency, the model wakes EARLY_MS ahead and fires what is due by then
 * (latency then counts from the actual dispatch, see Requester.complete).
 */
export const EARLY_MS = 1;

export class OpenModel implements Scheduler {
  private readonly ctx: ModelContext;
  private readonly opts: OpenModelOptions;
  private readonly mix: RequestMix;
  private next = 0;
  private stopped = false;
  private idle = false;
  private timer: Timer | undefined;
  /** Sessions, one per in-flight slot, when the model has a `session:`. */
  private readonly sessions: SessionPool | undefined;
  activeVus = 0;
  private readonly onDone = (): void => {
    this.activeVus--;
    this.checkIdle();
  };

  constructor(ctx: ModelContext, opts: OpenModelOptions) {
    this.ctx = ctx;
    this.opts = opts;
    this.mix = new RequestMix(ctx.entries.map((e) => e.weight));
    this.sessions = ctx.session === undefined ? undefined : new SessionPool(ctx.session, ctx);
  }

  /** When the agent's j-th arrival is due (run clock). */
  private due(j: number): number {
    const { schedule, count, phase, startAt } = this.opts;
    return startAt + schedule.agentTime(j, count, phase);
  }

  start(): void {
    const { fromAt, count } = this.opts;
    if (fromAt !== undefined) {
      // The first arrival due at or after fromAt (fire times grow with the index).
      let lo = 0;
      let hi = count;
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.due(mid) < fromAt) lo = mid + 1;
        else hi = mid;
      }
      this.next = lo;
    }
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.ctx.timers.clearTimeout(this.timer);
    this.checkIdle();
  }

  private readonly pump = (): void => {
    const { count, include } = this.opts;
    const { mayFire, timers } = this.ctx;
    const now = this.ctx.clock.now();
    while (!this.stopped && this.next < count) {
      if (mayFire !== undefined && !mayFire()) {
        this.stopped = true;
        break;
      }
      if (include !== undefined && !include(this.next)) {
        this.next++;
        continue;
      }
      const at = this.due(this.next);
      if (at > now + EARLY_MS) {
        this.timer = timers.setTimeout(this.pump, at - now - EARLY_MS);
        return;
      }
      this.arrive(at, this.next++);
    }
    this.checkIdle();
  };

  /** Fires the agent's arrival `j` (its global index is the agent's offset + j). */
  private arrive(at: number, j: number): void {
    const entry = this.ctx.entries[this.mix.next()]!;
    const requester = this.ctx.requester;
    // Full, or the scenario's connections already closed at its hard end: never sent, dropped.
    if (this.activeVus >= this.opts.maxInFlight || requester.closed) {
      requester.drop(entry.steps[0]!);
      return;
    }
    this.activeVus++;
    const g = this.ctx.generation;
    // Each arrival is a new visitor: its own cookies, kept across its flow's steps.
    // (A single request too: a redirect it follows may need what the first answer set.)
    const cookies = requester.newCookies(j);
    const index = g === undefined ? undefined : indexOf(g, 0, 0, j);
    if (this.sessions !== undefined) {
      this.withSession(entry, at, index);
      return;
    }
    // Each arrival is its own user: a source whose rows ran out (onExhausted: stop) ends the model.
    if (attachRows(g, index) !== undefined) {
      this.activeVus--;
      this.stop();
      return;
    }
    countRows(g, index, true);
    runIteration(requester, entry, at, this.onDone, g, index, cookies);
  }

  /**
   * An arrival with a session runs on a free slot's session and cookies. When the slot ran its
   * session's steps first, the arrival's first request is measured from its own send (the login
   * is measured under its own name). A slot whose session is down drops the arrival's steps.
   */
  private withSession(entry: PreparedEntry, at: number, index: IterationIndex | undefined): void {
    const { requester, generation } = this.ctx;
    const pool = this.sessions!;
    const slot = pool.take();
    const done = () => {
      pool.give(slot);
      this.onDone();
    };
    // The arrival acts for its slot's user: the slot's perVU row (the slot logged in as that user).
    const k = pool.slotOf(slot);
    if (index !== undefined && generation !== undefined) {
      const ix = generation.indexes;
      // A slot past the part's own users (a worker's cap rounded up) has none: it finds no perVU row.
      index.user =
        k < (ix.partVus ?? Number.POSITIVE_INFINITY) ? (ix.identityOffset ?? ix.vuOffset) + k : Number.MAX_SAFE_INTEGER;
      const out = attachRows(generation, index);
      if (out !== undefined) {
        // No row: a unique source ends the model; a slot without a user of its own sends nothing (dropped).
        if (out.mode === 'unique') this.stop();
        else if (!requester.closed) for (const step of entry.steps) requester.drop(step);
        done();
        return;
      }
    }
    slot.before(index, (state, fresh) => {
      if (state === 'up') {
        // Rows count once the arrival goes; the slot's perVU row on its first that does (never a stand-in's).
        countRows(generation, index, generation?.indexes.identityOffset === undefined && pool.count(slot));
        runIteration(requester, entry, fresh ? undefined : at, done, generation, index, slot.cookies, slot);
      } else {
        if (!requester.closed) for (const step of entry.steps) requester.drop(step);
        done();
      }
    });
  }

  private checkIdle(): void {
    if (this.idle || this.activeVus > 0 || (!this.stopped && this.next < this.opts.count)) return;
    // The slots' teardowns first (sessions that were ever up, connections still open).
    if (this.sessions?.tearDown(() => this.checkIdle())) return;
    this.idle = true;
    this.ctx.onIdle();
  }
}
