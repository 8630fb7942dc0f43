// Fake time for tests where timing is the subject: one object is both the
// Clock and the Timers a run, a model or a measurement is given. Nothing runs
// until the test advances time; then every timer due runs at its own instant,
// in order, as on a machine that is never late. stall() moves time on without
// running anything, as a frozen process would find it when it wakes.
import type { Clock } from '@barrage/core';
import type { Timer, Timers } from '../../src/timers.ts';

class Pending implements Timer {
  at: number;
  readonly seq: number;
  readonly fn: () => void;
  readonly every: number | undefined;
  cancelled = false;

  constructor(at: number, seq: number, fn: () => void, every: number | undefined) {
    this.at = at;
    this.seq = seq;
    this.fn = fn;
    this.every = every;
  }

  unref(): void {}
}

/** An instant far from 0, like the epoch milliseconds of the system clock. */
export const T0 = 1_700_000_000_000;

export class FakeTime implements Clock, Timers {
  private t: number;
  private seq = 0;
  private queue: Pending[] = [];

  constructor(start = T0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): Timer {
    return this.add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(t: Timer | undefined): void {
    if (t instanceof Pending) t.cancelled = true;
  }

  clearInterval(t: Timer | undefined): void {
    this.clearTimeout(t);
  }

  setImmediate(fn: () => void): void {
    this.add(fn, 0, undefined);
  }

  private add(fn: () => void, ms: number, every: number | undefined): Pending {
    const p = new Pending(this.t + Math.max(0, ms), this.seq++, fn, every);
    this.queue.push(p);
    return p;
  }

  /** Time passes without anything running (the process is frozen). */
  stall(ms: number): void {
    this.t += ms;
  }

  /** Runs everything due up to `ms` from now, each at its instant (an overdue one at once), then sets the clock there. */
  async advance(ms: number): Promise<void> {
    await this.runUntil(this.t + ms);
  }

  async runUntil(target: number): Promise<void> {
    for (;;) {
      this.queue = this.queue.filter((p) => !p.cancelled);
      let next: Pending | undefined;
      for (const p of this.queue)
        if (p.at <= target && (next === undefined || p.at < next.at || (p.at === next.at && p.seq < next.seq)))
          next = p;
      if (next === undefined) break;
      this.t = Math.max(this.t, next.at);
      if (next.every === undefined) next.cancelled = true;
      // Like Node: an interval is due again a period after it ran, not after it was due.
      else next.at = this.t + next.every;
      next.fn();
      // Promise callbacks the timer started run before the next timer, as on a real event loop.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.t = Math.max(this.t, target);
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.queue.filter((p) => !p.cancelled).length;
  }
}
