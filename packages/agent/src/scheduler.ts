// Load-model schedulers decide *when* each request is fired; the Executor
// decides *how*. Every scheduler runs one scenario's share on this agent and
// calls onIdle once it will fire nothing more and nothing is in flight.
import type { Executor, PreparedRequest } from './executor.ts';
import { RequestMix } from './request-mix.ts';

export interface Scheduler {
  /** Begins firing now. */
  start(): void;
  /** Stops starting new requests; in-flight ones finish and are recorded. */
  stop(): void;
  readonly activeVus: number;
}

export interface ClosedModelOptions {
  vus: number;
  /** Requests shared by this agent's VUs; Infinity for duration-bounded models. */
  iterations: number;
  /** How long the model may run, ms. */
  durationMs: number;
}

/**
 * Closed models (constant-vus, shared-iterations): N virtual users, each firing
 * its next request as soon as the previous one completes, until the shared
 * iteration budget is spent or the duration is over.
 */
export class ClosedModel implements Scheduler {
  private readonly exec: Executor;
  private readonly requests: readonly PreparedRequest[];
  private readonly weights: readonly number[];
  private readonly opts: ClosedModelOptions;
  private readonly onIdle: () => void;
  private remaining: number;
  private deadline = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  activeVus = 0;

  constructor(exec: Executor, requests: readonly PreparedRequest[], weights: readonly number[], opts: ClosedModelOptions, onIdle: () => void) {
    this.exec = exec;
    this.requests = requests;
    this.weights = weights;
    this.opts = opts;
    this.onIdle = onIdle;
    this.remaining = opts.iterations;
  }

  start(): void {
    this.deadline = performance.now() + this.opts.durationMs;
    this.timer = setTimeout(() => this.stop(), this.opts.durationMs);
    const vus = this.remaining > 0 ? this.opts.vus : 0;
    if (vus === 0) { this.finish(); return; }
    this.activeVus = vus;
    for (let i = 0; i < vus; i++) new VirtualUser(this, new RequestMix(this.weights)).next();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Takes one iteration from the budget; false when the VU should exit. */
  take(): boolean {
    if (this.stopped || this.remaining <= 0 || performance.now() >= this.deadline) return false;
    this.remaining--;
    return true;
  }

  /** Fires the mix's next request for a VU. */
  fire(mix: RequestMix, done: () => void): void {
    this.exec.fire(this.requests[mix.next()]!, done);
  }

  vuExited(): void {
    if (--this.activeVus === 0) this.finish();
  }

  private finish(): void {
    clearTimeout(this.timer);
    this.stopped = true;
    this.onIdle();
  }
}

/** One closed-model VU: fire, wait for the outcome, fire again. */
class VirtualUser {
  private readonly model: ClosedModel;
  private readonly mix: RequestMix;
  private firing = false;
  private completedSync = false;
  private readonly onDone = (): void => {
    // A request that fails synchronously must not recurse: continue on the next turn.
    if (this.firing) { this.completedSync = true; return; }
    this.next();
  };

  constructor(model: ClosedModel, mix: RequestMix) {
    this.model = model;
    this.mix = mix;
  }

  next(): void {
    if (!this.model.take()) { this.model.vuExited(); return; }
    this.firing = true;
    this.completedSync = false;
    this.model.fire(this.mix, this.onDone);
    this.firing = false;
    if (this.completedSync) setImmediate(() => this.next());
  }
}
