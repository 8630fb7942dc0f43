// Fires one HTTP request through undici's dispatch API and reports its outcome
// to the Recorder. One Pool per origin with as many connections as VUs, no
// retries, every body consumed, HTTP/2 explicit. Knows nothing about load
// models: schedulers decide when, the executor does how.
import { Pool, type Dispatcher } from 'undici';
import type { Clock } from './clock.ts';
import type { CompletionLog } from './completion-log.ts';
import type { ErrorKind, Recorder } from './recorder.ts';

/** A request template resolved for firing: variables substituted, origin split off. */
export interface PreparedRequest {
  index: number;          // name slot in the Recorder
  origin: string;
  method: Dispatcher.HttpMethod;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
  timeoutMs: number;
  expect: ReadonlySet<number> | null; // null: 2xx and 3xx are ok
}

export type Done = () => void;

export interface ExecutorOptions {
  allowH2: boolean;
  /** Connections per origin: the agent's VUs that may hit it at once. */
  connections: (origin: string) => number;
  recorder: Recorder;
  log: CompletionLog;
  /** Controller clock, for completion instants. */
  clock: Clock;
}

export function classifyError(err: unknown): ErrorKind {
  const code = (err as { code?: string } | null)?.code ?? '';
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT': case 'UND_ERR_BODY_TIMEOUT': case 'UND_ERR_CONNECT_TIMEOUT': case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET': case 'UND_ERR_SOCKET': case 'EPIPE': case 'UND_ERR_CLOSED':
      return 'reset';
    default:
      return 'other';
  }
}

export class Executor {
  private readonly pools = new Map<string, Pool>();
  private readonly opts: ExecutorOptions;
  inFlight = 0;
  lastCompletionAt = 0;

  constructor(opts: ExecutorOptions) {
    this.opts = opts;
  }

  private pool(origin: string): Pool {
    let p = this.pools.get(origin);
    if (p === undefined) {
      p = new Pool(origin, {
        connections: Math.max(1, this.opts.connections(origin)),
        pipelining: 1,
        allowH2: this.opts.allowH2,
        // Below common server keep-alive timeouts (Node 5 s), so we never reuse a socket the server is closing.
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 4_000,
      });
      this.pools.set(origin, p);
    }
    return p;
  }

  /** Fires `req`; `done` runs once the outcome is recorded. `intendedAt` (performance.now ms) enables CO-corrected latency. */
  fire(req: PreparedRequest, done: Done, intendedAt?: number): void {
    this.inFlight++;
    const handler = new ResponseHandler(this, req, done, intendedAt, this.opts.clock.now());
    this.pool(req.origin).dispatch({
      origin: req.origin,
      method: req.method,
      path: req.path,
      headers: req.headers,
      body: req.body,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    }, handler);
  }

  /** Called by handlers; keeps all accounting in one place. */
  complete(h: ResponseHandler, error: unknown): void {
    this.inFlight--;
    const { recorder, log, clock } = this.opts;
    const at = clock.now();
    this.lastCompletionAt = at;
    const sent = h.req.body?.length ?? 0;
    if (error !== null) {
      // Not logged for firstRateLimitedAfter: the server may never have seen it.
      recorder.recordError(h.req.index, classifyError(error), sent);
    } else {
      const end = performance.now();
      const status = h.status;
      const expect = h.req.expect;
      const ok = expect === null ? status >= 200 && status < 400 : expect.has(status);
      const serviceUs = (end - h.sentAt) * 1000;
      recorder.record(h.req.index, {
        latencyUs: h.intendedAt === undefined ? serviceUs : (end - h.intendedAt) * 1000,
        serviceTimeUs: h.intendedAt === undefined ? undefined : serviceUs,
        status, ok, retryAfter: h.retryAfter, bytesReceived: h.bytes, bytesSent: sent, at,
      });
      log.note(h.req.index, h.sentAtController, at, status === 429);
    }
    h.done();
  }

  /** Closes every pool; in-flight requests fail (as reset) and are still accounted. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy()));
  }
}

/** Undici dispatch handler for one request: status, Retry-After, body bytes. */
class ResponseHandler implements Dispatcher.DispatchHandler {
  readonly exec: Executor;
  readonly req: PreparedRequest;
  readonly done: Done;
  readonly intendedAt: number | undefined;
  readonly sentAt = performance.now();
  readonly sentAtController: number;
  status = 0;
  retryAfter = false;
  bytes = 0;
  private finished = false;

  constructor(exec: Executor, req: PreparedRequest, done: Done, intendedAt: number | undefined, sentAtController: number) {
    this.exec = exec;
    this.sentAtController = sentAtController;
    this.req = req;
    this.done = done;
    this.intendedAt = intendedAt;
  }

  onRequestStart(): void {
    // Required by undici's handler contract; nothing to do before the response.
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.status = statusCode;
    this.retryAfter = headers['retry-after'] !== undefined;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytes += chunk.length;
  }

  onResponseEnd(): void {
    if (this.finished) return;
    this.finished = true;
    this.exec.complete(this, null);
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.exec.complete(this, err);
  }
}
