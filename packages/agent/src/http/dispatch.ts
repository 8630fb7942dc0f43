// The one place the agent meets undici: requests go out through `dispatch`
// (no promise, no stream, no per-request closure), on one Pool per origin.
// The Requester takes it as an injected dependency, so the hot path can be
// driven without sockets and the HTTP client swapped in one file.
import type { LookupFunction } from 'node:net';
import { type Dispatcher, Pool } from 'undici';
import { type ConnectionProfile, connectOption } from './connection-profile.ts';
import { TlsAlerts } from './tls-failure.ts';

export interface HttpDispatch {
  /**
   * Sends one request; the handler hears every outcome, errors included. `profile` picks the
   * connection settings (TLS, overrides) from the options' `profiles`; 0: the first.
   */
  dispatch(
    opts: Dispatcher.DispatchOptions & { origin: string },
    handler: Dispatcher.DispatchHandler,
    profile?: number,
  ): void;
  /** The TLS reason of a request's error, if it was a TLS failure (see tls-failure.ts). */
  tlsReason?(err: unknown): string | undefined;
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
  /** Connection settings by profile number (TLS, hosts and connectTo); absent: Node's defaults. */
  profiles?: readonly ConnectionProfile[];
}

export class UndiciDispatch implements HttpDispatch {
  private readonly pools = new Map<string, Pool>();
  private readonly o: UndiciDispatchOptions;
  /** Most scenarios hit one origin: skip the map lookup for it. */
  private lastOrigin = '';
  private lastProfile = 0;
  private lastPool: Pool | undefined;
  private readonly alerts = new TlsAlerts();

  constructor(o: UndiciDispatchOptions) {
    this.o = o;
  }

  dispatch(
    opts: Dispatcher.DispatchOptions & { origin: string },
    handler: Dispatcher.DispatchHandler,
    profile = 0,
  ): void {
    const pool =
      opts.origin === this.lastOrigin && profile === this.lastProfile && this.lastPool !== undefined
        ? this.lastPool
        : this.pool(opts.origin, profile);
    pool.dispatch(opts, handler);
  }

  tlsReason(err: unknown): string | undefined {
    return this.alerts.reasonOf(err);
  }

  private pool(origin: string, profile: number): Pool {
    // A request with its own TLS settings or overrides gets pools of its own.
    const key = profile === 0 ? origin : `${profile} ${origin}`;
    let p = this.pools.get(key);
    if (p === undefined) {
      const connect = connectOption(this.o.profiles?.[profile], origin, {
        allowH2: this.o.allowH2,
        lookup: this.o.lookup,
        alerts: this.alerts,
      });
      p = new Pool(origin, {
        connections: Math.max(1, this.o.connections),
        pipelining: 1,
        allowH2: this.o.allowH2,
        // Below common server keep-alive timeouts (Node 5 s), so we never reuse a socket the server is closing.
        keepAliveTimeout: 4_000,
        keepAliveMaxTimeout: 4_000,
        ...(connect === undefined ? {} : { connect }),
      });
      this.pools.set(key, p);
    }
    this.lastOrigin = origin;
    this.lastProfile = profile;
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
