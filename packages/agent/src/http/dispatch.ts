// The one place the agent meets undici: requests go out through `dispatch`
// (no promise, no stream, no per-request closure), on one Pool per origin
// (per VU and origin under `connections: perVU`; per source address too under
// `agent --source-ips`, requests counted per address), HTTP/1.1 or HTTP/2.
// The Requester takes it as an injected dependency, so the hot path can be
// driven without sockets and the HTTP client swapped in one file.
import type { LookupFunction } from 'node:net';
import type { barrage } from '@barrage/proto';
import { type Dispatcher, Pool } from 'undici';
import { type ConnectionProfile, connectOption } from './connection-profile.ts';
import { SourceCounts, sourceSlot } from './source-counts.ts';
import { TlsAlerts } from './tls-failure.ts';

export interface HttpDispatch {
  /**
   * Sends one request; the handler hears every outcome, errors included. `profile` picks the
   * connection settings (TLS, overrides) from the options' `profiles`; 0: the first. `owner`
   * (the VU's cookie jar) picks its own pools under `perVU`.
   */
  dispatch(
    opts: Dispatcher.DispatchOptions & { origin: string },
    handler: Dispatcher.DispatchHandler,
    profile?: number,
    owner?: object | null,
  ): void;
  /** The TLS reason of a request's error, if it was a TLS failure (see tls-failure.ts). */
  tlsReason?(err: unknown): string | undefined;
  /** Connections opened since the last call (the interval's count); absent: not counted. */
  takeOpened?(): number;
  /** Requests by source address since the last call (agent --source-ips); absent: none. */
  takeBySource?(): barrage.v1.AddressCount.$Properties[];
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
  /** Connection settings by profile number (TLS, hosts, connectTo, HTTP/2); absent: Node's defaults. */
  profiles?: readonly ConnectionProfile[];
  /** HTTP/1.1 requests in flight per connection (the model's `pipelining`); default 1. */
  pipelining?: number;
  /** false: a new connection per request (the model's `keepAlive: false`); default true. */
  keepAlive?: boolean;
  /** Each VU its own pools (the model's `connections: perVU`): a request's `owner` keys them. */
  perVU?: boolean;
  /**
   * Source addresses (agent --source-ips): a request goes from the address of its owner's
   * `source` slot (a VU's, dealt round-robin), on pools of that address.
   */
  sources?: readonly string[];
}

export class UndiciDispatch implements HttpDispatch {
  private readonly pools = new Map<string, Pool>();
  private readonly o: UndiciDispatchOptions;
  /** Most scenarios hit one origin: skip the map lookup for it. */
  private lastOrigin = '';
  private lastProfile = 0;
  private lastPool: Pool | undefined;
  private readonly alerts = new TlsAlerts();
  /** connections: perVU: each VU's pools by "profile origin", and all of them (to close). */
  private readonly byVu = new WeakMap<object, Map<string, Pool>>();
  private readonly vuPools = new Set<Pool>();
  private opened = 0;
  private readonly pipelined: boolean;
  private readonly onConnect = () => {
    this.opened++;
  };

  private readonly counts: SourceCounts | undefined;

  constructor(o: UndiciDispatchOptions) {
    this.o = o;
    this.pipelined = (o.pipelining ?? 1) > 1;
    this.counts = o.sources !== undefined && o.sources.length > 0 ? new SourceCounts(o.sources) : undefined;
  }

  dispatch(
    opts: Dispatcher.DispatchOptions & { origin: string },
    handler: Dispatcher.DispatchHandler,
    profile = 0,
    owner?: object | null,
  ): void {
    let pool: Pool;
    if (this.counts !== undefined) {
      // The owner's address slot (a VU's jar carries it); counted where the request meets the wire.
      const slot = sourceSlot(
        (owner as { source?: number } | null | undefined)?.source ?? 0,
        this.counts.addresses.length,
      );
      pool =
        this.o.perVU === true && owner != null
          ? this.vuPool(owner, opts.origin, profile, slot)
          : this.pool(opts.origin, profile, slot);
      handler = this.counts.counted(handler, slot);
    } else
      pool =
        this.o.perVU === true && owner != null
          ? this.vuPool(owner, opts.origin, profile)
          : opts.origin === this.lastOrigin && profile === this.lastProfile && this.lastPool !== undefined
            ? this.lastPool
            : this.pool(opts.origin, profile);
    // keepAlive: false asks undici to close the connection once the answer is read (Connection: close).
    if (this.o.keepAlive === false) pool.dispatch({ ...opts, reset: true }, handler);
    else if (this.pipelined) {
      // undici holds the pipeline behind a "blocking" request (any but HEAD, by default) until its
      // headers arrive: pipelining asks not to. Only this scenario's requests come here, so the
      // request's own options object is marked once, not copied per request.
      opts.blocking = false;
      pool.dispatch(opts, handler);
    } else pool.dispatch(opts, handler);
  }

  takeOpened(): number {
    const n = this.opened;
    this.opened = 0;
    return n;
  }

  takeBySource(): barrage.v1.AddressCount.$Properties[] {
    return this.counts?.take() ?? [];
  }

  tlsReason(err: unknown): string | undefined {
    return this.alerts.reasonOf(err);
  }

  private pool(origin: string, profile: number, slot = -1): Pool {
    // A request with its own TLS settings or overrides gets pools of its own; each source address too.
    const key = profile === 0 && slot < 0 ? origin : `${profile} ${origin} ${slot}`;
    let p = this.pools.get(key);
    if (p === undefined) {
      p = this.newPool(origin, profile, this.o.connections, slot);
      this.pools.set(key, p);
    }
    this.lastOrigin = origin;
    this.lastProfile = profile;
    this.lastPool = p;
    return p;
  }

  /**
   * The pool of one VU (its cookie jar is its identity) for origin and profile: one connection, as
   * a browser keeps per host for a request at a time. Closed and forgotten once its last
   * connection is gone, so an open model's visitors (one per arrival) leave nothing behind.
   */
  private vuPool(owner: object, origin: string, profile: number, slot = -1): Pool {
    let mine = this.byVu.get(owner);
    if (mine === undefined) this.byVu.set(owner, (mine = new Map()));
    const key = `${profile} ${origin}`;
    let p = mine.get(key);
    if (p === undefined) {
      const made = this.newPool(origin, profile, 1, slot);
      const own = mine;
      made.on('disconnect', () => {
        const st = made.stats;
        if (st.connected > 0 || st.pending > 0 || st.running > 0 || own.get(key) !== made) return;
        own.delete(key);
        this.vuPools.delete(made);
        void made.close();
      });
      mine.set(key, (p = made));
      this.vuPools.add(p);
    }
    return p;
  }

  private newPool(origin: string, profile: number, connections: number, slot = -1): Pool {
    const localAddress = slot < 0 ? undefined : this.o.sources?.[slot];
    const settings = this.o.profiles?.[profile];
    // HTTP/2 by ALPN on https; on http with prior knowledge (h2c), which undici 8 speaks (useH2c).
    const h2 = this.o.allowH2 || settings?.h2 === true;
    const tls = origin.startsWith('https:');
    const connect = connectOption(settings, origin, {
      allowH2: h2 && tls,
      useH2c: h2 && !tls,
      lookup: this.o.lookup,
      alerts: this.alerts,
    });
    const streams = settings?.maxStreams ?? 0;
    const p = new Pool(origin, {
      connections: Math.max(1, connections),
      pipelining: Math.max(1, this.o.pipelining ?? 1),
      allowH2: h2 && tls,
      ...(h2 && !tls ? ({ useH2c: true } as object) : {}),
      ...(streams > 0 ? { h2Options: { maxConcurrentStreams: streams } } : {}),
      // Below common server keep-alive timeouts (Node 5 s), so we never reuse a socket the server is closing.
      keepAliveTimeout: 4_000,
      keepAliveMaxTimeout: 4_000,
      ...(connect === undefined ? {} : { connect }),
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    p.on('connect', this.onConnect);
    return p;
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values(), ...this.vuPools];
    this.pools.clear();
    this.vuPools.clear();
    this.lastOrigin = '';
    this.lastPool = undefined;
    await Promise.all(pools.map((p) => p.destroy()));
  }
}
