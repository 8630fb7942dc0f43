// A VU's session (a load model's `session:`): its steps (a login) run before
// the VU's first iteration, and their captures outlive the iteration: every
// iteration's scope reads them after its own (iteration.ts). The session is
// run again before an iteration once it is older than refresh.every, and
// mid-iteration when a request is answered with a refresh.on status. A session
// that fails (an unexpected answer, a capture missing) is tried again before
// the VU's next iteration, not before retryMs has passed, so a dead auth
// endpoint is not hammered in a tight loop. Closed models keep one per VU;
// open models one per in-flight slot (session-pool.ts).
import type { Clock } from '@barrage/core';
import type { VuCookies } from '../http/cookie-jar.ts';
import type { Requester, Scope } from '../http/requester.ts';
import type { Timer, Timers } from '../timers.ts';
import { type IterationSession, type PreparedEntry, runIteration } from './iteration.ts';
import { type GenerationPlan, type IterationIndex, IterationScope } from './iteration-scope.ts';

/** A model's session as the agent runs it (prepared from ScenarioPlan's session fields). */
export interface PreparedSession {
  /** The steps, as one entry (reported under their own request names). */
  steps: PreparedEntry;
  /** Variables the steps capture: the session is up only when each was found. */
  variables: readonly string[];
  /** Re-run the steps before an iteration once the session is this old (ms); 0: never. */
  everyMs: number;
  refreshOn: ReadonlySet<number> | null;
  /** Closed models: VU i of vuSpan starts its session rampUpMs·i/vuSpan after the model's start. */
  rampUpMs: number;
  vuSpan: number;
  /** Run once when the VU leaves; null: none. */
  teardown: PreparedEntry | null;
}

/** What a session runs with: its model's clock, timers, Requester and iteration numbering. */
export interface SessionContext {
  clock: Clock;
  timers: Timers;
  requester: Requester;
  generation?: GenerationPlan;
}

/** Before an iteration: the session is up (`fresh`: its steps ran just now), down, or the model stopped while it waited. */
export type SessionState = 'up' | 'down' | 'stopped';

export interface SessionOptions {
  /** Run clock: the first session not before this (rampUp). */
  notBefore: number;
  /** Wait after a failed session before trying again (ms). */
  retryMs: number;
  /** Closed models wait out notBefore and retryMs; open-model arrivals cannot wait: they find the session down. */
  waits: boolean;
}

export class VuSession implements IterationSession {
  readonly captures = new Map<string, string>();
  readonly refreshOn: ReadonlySet<number> | null;
  readonly cookies: VuCookies | null;
  private readonly plan: PreparedSession;
  private readonly ctx: SessionContext;
  private readonly opts: SessionOptions;
  private up = false;
  /** It was up at some point (a teardown has something to end). */
  private everUp = false;
  private tornDown = false;
  private establishedAt = 0;
  private failedAt = Number.NaN;
  private index: IterationIndex | undefined;
  private wait: Timer | undefined;
  private resume: ((s: SessionState) => void) | undefined;

  constructor(plan: PreparedSession, ctx: SessionContext, cookies: VuCookies | null, opts: SessionOptions) {
    this.plan = plan;
    this.ctx = ctx;
    this.cookies = cookies;
    this.opts = opts;
    this.refreshOn = plan.refreshOn;
  }

  /** Whether an iteration starting at `now` must run the session's steps first. */
  stale(now: number): boolean {
    return !this.up || (this.plan.everyMs > 0 && now - this.establishedAt >= this.plan.everyMs);
  }

  /**
   * Before the iteration numbered `index`: (re)runs the steps when the session is stale, after
   * waiting for the VU's rampUp instant or a failure's retryMs; then `go` once, `fresh` when
   * the steps ran now.
   */
  before(index: IterationIndex | undefined, go: (s: SessionState, fresh: boolean) => void): void {
    this.index = index;
    const now = this.ctx.clock.now();
    if (!this.stale(now)) {
      go('up', false);
      return;
    }
    const from = Number.isNaN(this.failedAt) ? this.opts.notBefore : this.failedAt + this.opts.retryMs;
    if (from > now) {
      if (!this.opts.waits) {
        go('down', false);
        return;
      }
      this.resume = (s) => (s === 'stopped' ? go(s, false) : this.establish((ok) => go(ok ? 'up' : 'down', true)));
      this.wait = this.ctx.timers.setTimeout(() => this.wake('up'), from - now);
      return;
    }
    this.establish((ok) => go(ok ? 'up' : 'down', true));
  }

  /** Ends a wait for the rampUp instant or a retry: `stopped` when the model stopped. Returns whether one was waiting. */
  wake(s: SessionState = 'stopped'): boolean {
    const resume = this.resume;
    if (resume === undefined) return false;
    this.ctx.timers.clearTimeout(this.wait);
    this.wait = this.resume = undefined;
    resume(s);
    return true;
  }

  /** Mid-iteration (a refresh.on answer): runs the steps again; `done(ok)`. */
  refresh(done: (ok: boolean) => void): void {
    this.establish(done);
  }

  /**
   * The VU leaves: runs the teardown steps once (with the session's captures and cookies) when
   * the session was ever up and the scenario's connections are open. Returns false when there
   * is nothing to run (`done` is not called then).
   */
  teardown(done: () => void): boolean {
    const t = this.plan.teardown;
    if (t === null || !this.everUp || this.tornDown || this.ctx.requester.closed) return false;
    this.tornDown = true;
    const { requester, generation } = this.ctx;
    const noRefresh: IterationSession = { captures: this.captures, refreshOn: null, refresh: (d) => d(false) };
    runIteration(requester, t, undefined, () => done(), generation, this.index, this.cookies, noRefresh);
    return true;
  }

  private establish(done: (ok: boolean) => void): void {
    const { requester, generation, clock } = this.ctx;
    const index = this.index;
    const startedAt = clock.now();
    // A scope of their own: a failed login leaves the last good captures untouched until it is replaced.
    const scope: Scope =
      generation !== undefined && index !== undefined ? new IterationScope(generation, index) : new Map();
    runIteration(
      requester,
      this.plan.steps,
      undefined,
      (ok) => {
        const found = this.plan.variables.every((v) => scope.has(v));
        if (ok && found) {
          // Filled in place: a running iteration's scope holds this Map as its parent.
          this.captures.clear();
          for (const [k, v] of scope) this.captures.set(k, v);
          this.up = this.everUp = true;
          this.establishedAt = startedAt;
          this.failedAt = Number.NaN;
        } else {
          this.up = false;
          this.failedAt = clock.now();
        }
        done(this.up);
      },
      generation,
      index,
      this.cookies,
      undefined,
      scope,
    );
  }
}
