// One closed-model VU: run an iteration, wait for it (and the think time),
// repeat, for as long as its model lets it. What it asks of the model is the
// VuHost interface, so the loop reads on its own.
import type { VuCookies } from '../http/cookie-jar.ts';
import type { Timer, Timers } from '../timers.ts';
import type { RequestMix } from './request-mix.ts';
import type { VuSession } from './session.ts';

export interface VuHost {
  readonly timers: Timers;
  readonly thinkTimeMs: number;
  /** Takes one iteration from the budget; false when the VU should leave. */
  take(vu: VirtualUser): boolean;
  /** Whether `vu` may start another iteration now. */
  mayContinue(vu: VirtualUser): boolean;
  /** Runs mix entry `entry` once for `vu`; `done` once it is over. */
  run(entry: number, done: () => void, vu: VirtualUser): void;
  vuExited(vu: VirtualUser): void;
}

export class VirtualUser {
  private readonly host: VuHost;
  private readonly mix: RequestMix;
  readonly id: number;
  /** Iterations this VU may still run (per-vu-iterations); Infinity otherwise. */
  remaining: number;
  /** The model's count of iterations taken when this VU took its current one (shared-iterations numbering). */
  taken = 0;
  /** Its cookies, kept across its iterations (made on its first; null: the model keeps none). */
  cookies: VuCookies | null | undefined = undefined;
  /** Its session, when the model has one (made on its first iteration). */
  session: VuSession | undefined = undefined;
  private running = false;
  private completedSync = false;
  private sleep: Timer | undefined;
  private readonly onDone = (): void => {
    // An iteration that ends synchronously must not recurse: continue on the next turn.
    if (this.running) {
      this.completedSync = true;
      return;
    }
    this.after();
  };

  constructor(host: VuHost, id: number, mix: RequestMix, iterations: number) {
    this.host = host;
    this.id = id;
    this.mix = mix;
    this.remaining = iterations;
  }

  next(): void {
    this.sleep = undefined;
    if (!this.host.take(this)) {
      this.host.vuExited(this);
      return;
    }
    this.running = true;
    this.completedSync = false;
    this.host.run(this.mix.next(), this.onDone, this);
    this.running = false;
    if (this.completedSync) this.host.timers.setImmediate(() => this.after());
  }

  private after(): void {
    // No pause before leaving: a VU with nothing left to do exits at once.
    const think = this.host.thinkTimeMs;
    if (think > 0 && this.host.mayContinue(this)) this.sleep = this.host.timers.setTimeout(() => this.next(), think);
    else this.next();
  }

  /** Ends a think-time pause early (the model stopped). */
  wake(): void {
    if (this.sleep === undefined) return;
    this.host.timers.clearTimeout(this.sleep);
    this.next();
  }
}
