// Closed models (constant-vus, shared-iterations, per-vu-iterations,
// ramping-vus): VUs that each start their next iteration when the previous one
// (and its think time) is over, until the budget is spent, the ramp sends them
// away, or time is up. The four differ only in their options: a budget shared
// by the VUs, one per VU, or a VU target that moves with the stages.
import type { Timer, Timers } from '../timers.ts';
import { attachRows, countRows } from './data-rows.ts';
import { runIteration } from './iteration.ts';
import { indexOf } from './iteration-scope.ts';
import { RequestMix } from './request-mix.ts';
import type { ModelContext, Scheduler } from './scheduler.ts';
import { VuSession } from './session.ts';
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

/** Wait after a failed session before the VU tries again (or the think time, when longer). */
export const SESSION_RETRY_MS = 1_000;

export class ClosedModel implements Scheduler, VuHost {
  private readonly ctx: ModelContext;
  private readonly opts: ClosedModelOptions;
  private readonly vus: Array<VirtualUser | undefined> = [];
  private remaining: number;
  /** Iterations taken so far by the part, and by each VU slot (a slot a ramp refills keeps counting: no index twice). */
  private taken = 0;
  private readonly slotIterations: number[] = [];
  /** Slots whose perVU rows were counted (a ramp's refilled slot is the same user), and slots whose user has none. */
  private readonly counted: boolean[] = [];
  private readonly rowless: boolean[] = [];
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
    for (const vu of this.vus) if (!vu?.session?.wake()) vu?.wake();
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
      if (this.vus[id] !== undefined || this.rowless[id] === true) continue;
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
    const out = attachRows(g, index);
    if (out !== undefined) {
      // Its rows ran out (onExhausted: stop): a unique source ends the model, a perVU one this VU.
      if (out.mode === 'unique') this.stop();
      else {
        vu.remaining = 0;
        // A ramp would refill the slot on its next tick: the slot's user has no row, for good.
        this.counted[vu.id] = this.rowless[vu.id] = true;
      }
      done();
      return;
    }
    vu.cookies ??= this.ctx.requester.newCookies(vu.id);
    const requester = this.ctx.requester;
    const e = this.ctx.entries[entry]!;
    const session = this.sessionOf(vu);
    // Rows count once the iteration goes; a perVU row on its slot's first that goes (never a
    // stand-in's: a takeover VU acting for a lost agent's user, whose row that agent counted).
    const go = () => {
      countRows(g, index, g?.indexes.identityOffset === undefined && this.counted[vu.id] !== true);
      this.counted[vu.id] = true;
    };
    if (session === undefined) {
      go();
      runIteration(requester, e, undefined, done, g, index, vu.cookies);
      return;
    }
    session.before(index, (state) => {
      if (state === 'up') {
        go();
        runIteration(requester, e, undefined, done, g, index, vu.cookies, session);
      } else {
        // No session: nothing of the iteration is sent on a missing token (stopped: nothing was due).
        if (state === 'down' && !requester.closed) for (const step of e.steps) requester.drop(step);
        done();
      }
    });
  }

  /** The VU's session; its first waits for the VU's rampUp instant (VU i of the plan's N: rampUp·i/N). */
  private sessionOf(vu: VirtualUser): VuSession | undefined {
    const plan = this.ctx.session;
    if (plan === undefined) return undefined;
    if (vu.session === undefined) {
      const i = (this.ctx.generation?.indexes.vuOffset ?? 0) + vu.id;
      const n = Math.max(1, plan.vuSpan);
      vu.session = new VuSession(plan, this.ctx, vu.cookies ?? null, {
        notBefore: this.opts.startAt + (plan.rampUpMs * (i % n)) / n,
        retryMs: Math.max(this.opts.thinkTimeMs, SESSION_RETRY_MS),
        waits: true,
      });
    }
    return vu.session;
  }

  vuExited(vu: VirtualUser): void {
    // Its teardown first (when its session was ever up); the VU is gone once that is over.
    if (vu.session?.teardown(() => this.left(vu))) return;
    this.left(vu);
  }

  private left(vu: VirtualUser): void {
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
