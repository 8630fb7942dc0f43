// A target on fake time, reached through the dispatch seam (HttpDispatch):
// each Requester gets a pool of its own with a connection limit, requests
// beyond it wait for a connection in order, as in undici's Pool, and each is
// answered after the time the target takes. Every request's instants are kept
// for the test to read: handed over, onto a connection, answered.
import type { Dispatcher } from 'undici';
import type { DispatchFactory, HttpDispatch } from '../../src/http/dispatch.ts';
import type { FakeTime } from './fake-time.ts';

export interface SeenRequest {
  path: string;
  dispatchedAt: number;
  startedAt?: number;
  answeredAt?: number;
}

export interface FakeTargetOptions {
  /** How long an answer takes (fake ms); default 0. */
  serviceMs?: number | ((path: string) => number);
  /** Default 200. */
  status?: number | ((path: string) => number);
  /** Response body; default empty. */
  body?: (path: string) => string;
  /** Headers beside content-type, given the status just chosen; default none. */
  headers?: (path: string, status: number) => Record<string, string>;
}

const CONTROLLER = {} as Dispatcher.DispatchController;

interface InFlight {
  req: SeenRequest;
  handler: Dispatcher.DispatchHandler;
}

class FakePool implements HttpDispatch {
  private readonly target: FakeTarget;
  private readonly connections: number;
  private readonly waiting: InFlight[] = [];
  private readonly active = new Set<InFlight>();
  private closed = false;

  constructor(target: FakeTarget, connections: number) {
    this.target = target;
    this.connections = Math.max(1, connections);
  }

  dispatch(opts: Dispatcher.DispatchOptions & { origin: string }, handler: Dispatcher.DispatchHandler): void {
    const req: SeenRequest = { path: opts.path, dispatchedAt: this.target.time.now() };
    this.target.requests.push(req);
    const f = { req, handler };
    if (this.active.size < this.connections) this.begin(f);
    else this.waiting.push(f);
  }

  private begin(f: InFlight): void {
    const time = this.target.time;
    this.active.add(f);
    f.req.startedAt = time.now();
    f.handler.onRequestStart?.(CONTROLLER, {});
    time.setTimeout(() => this.answer(f), this.target.serviceMs(f.req.path));
  }

  private answer(f: InFlight): void {
    if (!this.active.delete(f)) return;
    f.req.answeredAt = this.target.time.now();
    const body = this.target.body(f.req.path);
    const status = this.target.status(f.req.path);
    f.handler.onResponseStart?.(
      CONTROLLER,
      status,
      { 'content-type': 'application/json', ...this.target.headers(f.req.path, status) },
      'OK',
    );
    if (body.length > 0) f.handler.onResponseData?.(CONTROLLER, Buffer.from(body));
    f.handler.onResponseEnd?.(CONTROLLER, {});
    const next = this.waiting.shift();
    if (next !== undefined && !this.closed) this.begin(next);
  }

  async close(): Promise<void> {
    this.closed = true;
    // Like a destroyed Pool: whatever is in flight or queued fails.
    for (const f of [...this.active, ...this.waiting.splice(0)]) {
      this.active.delete(f);
      f.handler.onResponseError?.(CONTROLLER, Object.assign(new Error('destroyed'), { code: 'UND_ERR_DESTROYED' }));
    }
  }
}

export class FakeTarget {
  readonly time: FakeTime;
  readonly requests: SeenRequest[] = [];
  private readonly o: FakeTargetOptions;

  constructor(time: FakeTime, o: FakeTargetOptions = {}) {
    this.time = time;
    this.o = o;
  }

  serviceMs(path: string): number {
    const s = this.o.serviceMs ?? 0;
    return typeof s === 'number' ? s : s(path);
  }

  status(path: string): number {
    const s = this.o.status ?? 200;
    return typeof s === 'number' ? s : s(path);
  }

  headers(path: string, status: number): Record<string, string> {
    return this.o.headers?.(path, status) ?? {};
  }

  body(path: string): string {
    return this.o.body?.(path) ?? '';
  }

  /** A pool of `connections` to this target, for one Requester. */
  pool(connections = Infinity): HttpDispatch {
    return new FakePool(this, connections);
  }

  /** For AgentRun: each Requester's pool has the connections the run gives it. */
  readonly factory: DispatchFactory = (o) => this.pool(o.connections);

  /** Requests answered. */
  get served(): number {
    return this.requests.filter((r) => r.answeredAt !== undefined).length;
  }
}
