// The one place the agent meets undici: requests go out through `dispatch`
// (no promise, no stream, no per-request closure), on one Pool per origin.
// The Requester takes it as an injected dependency, so the hot path can be
// driven without sockets and the HTTP client swapped in one file.
import type { LookupFunction } from 'node:net';
import { type Dispatcher, Pool } from 'undici';

export interface HttpDispatch {
  /** Sends one request; the handler hears every outcome, errors included. */
  dispatch(opts: Dispatcher.DispatchOptions & { origin: string }, handler: Dispatcher.DispatchHandler): void;
  /** Destroys every connection; requests in flight fail through their handlers. */
  close(): Promise<void>;
}

/** Makes a run's dispatchers (one per Requester); a test passes one that answers on fake time. */
export type DispatchFactory = (o: UndiciDispatchOptions) => HttpDispatch;

export interface UndiciDispatchOptions {
  /** Connections per origin. */
  connections: number;
  allowH2: boolean;
  /** Name resolution for new connections (the target allowlists' guard). */
  lookup?: LookupFunction;
}

export class UndiciDispatch implements HttpDispatch {
  private readonly pools = new Map<string, Pool>();
  private readonly o: UndiciDispatchOptions;
  /** Most scenarios hit one origin: skip the map lookup for it. */
  private lastOrigin = '';
  private lastPool: Pool | undefined;

  constructor(o: UndiciDispatchOptions) {
    this.o = o;
  }

  dispatch(opts: Dispatcher.DispatchOptions & { origin: string }, handler: Dispatcher.DispatchHandler): void {
    const pool =
      opts.origin === this.lastOrigin && this.lastPool !== undefined ? this.lastPool : this.pool(opts.origin);
    pool.dispatch(opts, handler);
  }

  private pool(origin: string): Pool {
    let p = this.pools.get(origin);
    if (p === undefined) {
      p = new Pool(origin, {
        connections: Math.max(1, this.o.connections),
        pipelining: 1,
        allowH2: this.o.allowH2,
        // Below common server keep-alive timeouts (Node 5 s), so we never reuse a socket the server is closing.
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 4_000,
        ...(this.o.lookup === undefined ? {} : { connect: { lookup: this.o.lookup } }),
      });
      this.pools.set(origin, p);
    }
    this.lastOrigin = origin;
    this.lastPool = p;
    return p;
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    this.lastOrigin = '';
    this.lastPool = undefined;
    await Promise.all(pools.map((p) => p.destroy()));
  }
}
