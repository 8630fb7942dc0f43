// How one kind of request connects to its targets: the TLS settings it presents
// and trusts (the scenario's `tls`, a request's own over it) and where its
// connections really go (`hosts`, `connectTo`). Turned into undici's `connect`
// option per origin: the URL's host stays the Host header, the TLS server name
// and the certificate's expected name; only the address (and port) dialled change.
import type { LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import type { TlsAlerts } from './tls-failure.ts';

/** TLS options for tls.connect, validated by the run's connection plan. */
export interface TlsConnect {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  passphrase?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

/** Connections for host (and port; 0: any) go to address (and toPort; 0: the URL's). */
export interface ConnectRule {
  host: string;
  port: number;
  address: string;
  toPort: number;
}

export interface ConnectionProfile {
  tls: TlsConnect | null;
  rules: readonly ConnectRule[];
  /** HTTP/2: by ALPN on https (HTTP/1.1 if the server declines), with prior knowledge (h2c) on http. */
  h2?: boolean;
  /** HTTP/2 concurrent streams per connection; 0: undici's default (100). */
  maxStreams?: number;
}

/** The first rule for host:port, if any. */
export function matchRule(rules: readonly ConnectRule[], host: string, port: number): ConnectRule | undefined {
  for (const r of rules) if (r.host === host && (r.port === 0 || r.port === port)) return r;
  return undefined;
}

const defaultPort = (u: URL) => (u.port === '' ? (u.protocol === 'https:' ? 443 : 80) : Number(u.port));

/** A lookup that answers every name with `address`: the override, judged by the allowlists when the plan came. */
function fixedLookup(address: string): LookupFunction {
  const family = address.includes(':') ? 6 : 4;
  return ((_host: string, options: { all?: boolean }, cb: (...a: unknown[]) => void) => {
    if (options?.all === true) cb(null, [{ address, family }]);
    else cb(null, address, family);
  }) as unknown as LookupFunction;
}

/**
 * undici's `connect` option for `origin` under `profile`: a plain options object for an http
 * origin without an override, else a connector that dials the override and remembers TLS
 * alerts its sockets see (so a refused client certificate is counted as tls, not as a reset).
 */
export function connectOption(
  profile: ConnectionProfile | undefined,
  origin: string,
  o: { allowH2: boolean; useH2c?: boolean; lookup?: LookupFunction; alerts: TlsAlerts },
): buildConnector.connector | { lookup: LookupFunction } | undefined {
  const url = new URL(origin);
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const rule = profile === undefined ? undefined : matchRule(profile.rules, host, defaultPort(url));
  const lookup = rule === undefined ? o.lookup : fixedLookup(rule.address);
  if (url.protocol !== 'https:' && rule === undefined && o.useH2c !== true)
    return lookup === undefined ? undefined : { lookup };
  const tls = profile?.tls ?? null;
  const base = buildConnector({
    allowH2: o.allowH2,
    ...(o.useH2c === true ? { useH2c: true } : {}),
    ...(lookup === undefined ? {} : { lookup }),
    ...(tls === null ? {} : tls),
    ...(tls?.ca === undefined ? {} : { allowPartialTrustChain: true }),
  });
  const alerts = o.alerts;
  return (opts, callback) => {
    const to = rule === undefined || rule.toPort === 0 ? opts : { ...opts, port: String(rule.toPort) };
    base(to, (err, socket) => {
      if (err !== null) {
        callback(err, null);
        return;
      }
      alerts.connected(socket.localPort);
      socket.prependListener('error', (e: unknown) => alerts.failed(socket.localPort, e));
      callback(null, socket);
    });
  };
}
