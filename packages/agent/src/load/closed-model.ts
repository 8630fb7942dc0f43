// Closed models (constant-vus, shared-iterations, per-vu-iterations,
// ramping-vus): VUs that each start their next iteration when the previous one
// (and its think time) is over, until the budget is spent, the ramp sends them
// away, or time is up. The four differ only in their options: a budget shared
// by the VUs, one per VU, or a VU target that moves with the stages.
import type { Timer, Timers } from '../timers.ts';
import { runIteration } from './iteration.ts';
import { indexOf } from './iteration-scope.ts';
import { RequestMix } from './request-mix.ts';
import type { ModelContext, Scheduler } from './scheduler.ts';
import { VirtualUser, type VuHost } from './virtual-user.ts';

export interface ClosedModelOptions {
  /** The most VUs this agent runs at once. */
  vus: number;
  /** ramping-vus: VUs wanted `elapsed` ms after the scenario's start; absent: always `vus`. */
  target?: (elapsedMs: number) => number;
  /** Iterations shared by this agent's VUs; Infinity for duration-bounded models. */
  iterations: number;
  /** Iterations each VU runs (per-vu-iterations); Infinity otherwise. */
  iterationsPerVu: number;
  /** The scenario's start and end (run clock, ms). */
  startAt: number;
  endAt: number;
  /** Pause after each iteration, ms. */
  thinkTimeMs: number;
}

/** How often a ramp looks for VUs to add; VUs above the target leave after their iteration. */
export const RAMP_TICK_MS = 50;

export class ClosedModel implements Scheduler, VuHost {
  private readonly ctx: ModelContext;
  private readonly opts: ClosedModelOptions;
  private readonly vus: Array<VirtualUser | undefined> = [];
  private remaining: number;
  /** Iterations taken so far by the part, and by each VU slot (a slot a ramp refills keeps counting: no index twice). */
  private taken = 0;
  private readonly slotIterations: number[] = [];
  private stopped = false;
  private idle = false;
  private endTimer: Timer | undefined;
  private rampTimer: Timer | undefined;
  activeVus = 0;

  constructor(ctx: ModelContext, opts: ClosedModelOptions) {
    this.ctx = ctx;
    this.opts = opts;
    this.remaining = opts.iterations;
  }

  get timers(): Timers {
    return this.ctx.timers;
  }

  get thinkTimeMs(): number {
    return this.opts.thinkTimeMs;
  }

  start(): void {
    const left = this.opts.endAt - this.ctx.clock.now();
    if (left <= 0 || this.remaining <= 0 || this.opts.iterationsPerVu <= 0) {
      this.stop();
      return;
    }
    this.endTimer = this.timers.setTimeout(() => this.stop(), left);
    if (this.opts.target !== undefined) this.rampTimer = this.timers.setInterval(() => this.spawn(), RAMP_TICK_MS);
    this.spawn();
    this.checkIdle();
  }

  stop(): void {
    this.stopped = true;
    this.timers.clearTimeout(this.endTimer);
    this.timers.clearInterval(this.rampTimer);
    this.endTimer = this.rampTimer = undefined;
    for (const vu of this.vus) vu?.wake();
    this.checkIdle();
  }

  /** VUs this agent should be running now. */
  private wanted(): number {
    const t = this.opts.target;
    return Math.min(this.opts.vus, t === undefined ? this.opts.vus : t(this.ctx.clock.now() - this.opts.startAt));
  }

  private spawn(): void {
    if (this.stopped) return;
    const want = this.wanted();
    for (let id = 0; id < want; id++) {
      if (this.vus[id] !== undefined) continue;
      const vu = new VirtualUser(
        this,
        id,
        new RequestMix(this.ctx.entries.map((e) => e.weight)),
        this.opts.iterationsPerVu,
      );
      this.vus[id] = vu;
      this.activeVus++;
      vu.next();
    }
  }

  mayContinue(vu: VirtualUser): boolean {
    if (this.stopped || this.remaining <= 0 || vu.remaining <= 0 || this.ctx.clock.now() >= this.opts.endAt)
      return false;
    return this.opts.target === undefined || vu.id < this.wanted();
  }

  take(vu: VirtualUser): boolean {
    if (!this.mayContinue(vu)) return false;
    if (this.ctx.mayFire !== undefined && !this.ctx.mayFire()) {
      this.stopped = true;
      return false;
    }
    this.remaining--;
    vu.remaining--;
    vu.taken = this.taken++;
    return true;
  }

  run(entry: number, done: () => void, vu: VirtualUser): void {
    const g = this.ctx.generation;
    const k = this.slotIterations[vu.id] ?? 0;
    this.slotIterations[vu.id] = k + 1;
    const index = g === undefined ? undefined : indexOf(g, vu.id, k, vu.taken);
    vu.cookies ??= this.ctx.requester.newCookies();
    runIteration(this.ctx.requester, this.ctx.entries[entry]!, undefined, done, g, index, vu.cookies);
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
    this.ctx.onIdle();
  }
}
