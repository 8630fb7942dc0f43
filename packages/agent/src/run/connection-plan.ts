// How the run's requests connect: the Assign's TLS settings and connection
// overrides (hosts, connectTo), checked as untrusted bytes (bounded sizes, PEM
// that loads, IP addresses, ports) and judged by the target allowlists before
// anything is sent, with each request's HTTP version (HTTP/2 streams), then
// grouped into connection profiles: profile 0 is the run's default, each request
// with settings of its own gets another. Key material never appears in an error
// message.
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { TargetAllowlist } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import { AgentErrors } from '../errors.ts';
import type { ConnectionProfile, ConnectRule, TlsConnect } from '../http/connection-profile.ts';

export interface ConnectionPlan {
  profiles: ConnectionProfile[];
  /** Profile number by request name slot (the Recorder's index). */
  profileOf: number[];
}

const MAX_TLS = 64;
const MAX_PEM_BYTES = 256 * 1024;
const MAX_PASSPHRASE = 1024;
const MAX_RULES = 256;
const MAX_STREAMS = 1000;
const HOST = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const PEM = (b: Uint8Array, what: string) => Buffer.from(b).includes(`-----BEGIN ${what}`);

function tlsOf(t: barrage.v1.TlsSettings.$Properties, where: string): TlsConnect {
  const bad = (why: string) => new AgentErrors.BAD_ASSIGN(`${where}: ${why}`);
  const ca = t.ca ?? new Uint8Array();
  const cert = t.cert ?? new Uint8Array();
  const key = t.key ?? new Uint8Array();
  for (const [what, b] of [
    ['ca', ca],
    ['cert', cert],
    ['key', key],
  ] as const)
    if (b.length > MAX_PEM_BYTES) throw bad(`${what} larger than ${MAX_PEM_BYTES} bytes`);
  if (ca.length > 0 && !PEM(ca, 'CERTIFICATE')) throw bad('ca holds no PEM certificate');
  if (cert.length > 0 && !PEM(cert, 'CERTIFICATE')) throw bad('cert holds no PEM certificate');
  if (key.length > 0 && !PEM(key, '')) throw bad('key is not PEM');
  if (cert.length > 0 !== key.length > 0) throw bad('a client certificate needs its key, and a key its certificate');
  const passphrase = t.passphrase ?? '';
  if (passphrase.length > MAX_PASSPHRASE) throw bad('passphrase too long');
  const servername = (t.serverName ?? '').toLowerCase();
  if (servername !== '' && (servername.length > 253 || !HOST.test(servername))) throw bad('serverName is no host name');
  const out: TlsConnect = { rejectUnauthorized: t.insecureSkipVerify !== true };
  if (ca.length > 0) out.ca = Buffer.from(ca);
  if (cert.length > 0) out.cert = Buffer.from(cert);
  if (key.length > 0) out.key = Buffer.from(key);
  if (passphrase !== '') out.passphrase = passphrase;
  if (servername !== '') out.servername = servername;
  try {
    createSecureContext({ ca: out.ca, cert: out.cert, key: out.key, passphrase: out.passphrase });
  } catch (err) {
    // OpenSSL's reason (bad decrypt, key values mismatch) names no key material; the code says which.
    throw bad(`the certificates or key do not load (${(err as { code?: string }).code ?? 'invalid PEM'})`);
  }
  return out;
}

function rulesOf(
  rules: readonly barrage.v1.ConnectRule.$Properties[],
  where: string,
  lists: readonly TargetAllowlist[],
): ConnectRule[] {
  const bad = (why: string) => new AgentErrors.BAD_ASSIGN(`${where}: ${why}`);
  if (rules.length > MAX_RULES) throw bad(`${rules.length} connection overrides`);
  const port = (p: number | null | undefined, what: string) => {
    const v = p ?? 0;
    if (!Number.isInteger(v) || v < 0 || v > 65535) throw bad(`${what} ${v}`);
    return v;
  };
  return rules.map((r) => {
    const host = r.host ?? '';
    if (host.length > 253 || !(HOST.test(host) || isIP(host) !== 0)) throw bad('override of a malformed host');
    const address = r.address ?? '';
    if (isIP(address) === 0) throw bad(`override of ${host}: ${JSON.stringify(address.slice(0, 60))} is no IP address`);
    for (const list of lists) {
      const why = list.checkOverride(host, address);
      if (why !== undefined) throw new AgentErrors.TARGET_NOT_ALLOWED(why);
    }
    return { host, port: port(r.port, 'port'), address, toPort: port(r.toPort, 'port') };
  });
}

/** A request's HTTP version (0 or 11: HTTP/1.1, 2: HTTP/2) and streams per HTTP/2 connection. */
function httpOf(r: barrage.v1.RequestSpec.$Properties, where: string): { h2: boolean; maxStreams: number } {
  const v = r.http ?? 0;
  if (v !== 0 && v !== 11 && v !== 2) throw new AgentErrors.BAD_ASSIGN(`${where}: http ${v} (1.1 or 2)`);
  const maxStreams = r.maxStreams ?? 0;
  if (!Number.isInteger(maxStreams) || maxStreams > MAX_STREAMS)
    throw new AgentErrors.BAD_ASSIGN(`${where}: maxStreams ${maxStreams} (1..${MAX_STREAMS})`);
  if (maxStreams > 0 && v !== 2) throw new AgentErrors.BAD_ASSIGN(`${where}: maxStreams needs http 2`);
  return { h2: v === 2, maxStreams };
}

/** The run's connection profiles, and each request name's; throws BAD_ASSIGN or TARGET_NOT_ALLOWED. */
export function prepareConnections(
  a: barrage.v1.Assign.$Properties,
  names: readonly string[],
  lists: readonly TargetAllowlist[],
): ConnectionPlan {
  const settings = a.tls ?? [];
  if (settings.length > MAX_TLS) throw new AgentErrors.BAD_ASSIGN(`${settings.length} TLS settings`);
  const tls = settings.map((t, i) => tlsOf(t, `tls ${i + 1}`));
  const runRules = rulesOf(a.connectTo ?? [], 'connectTo', lists);
  const profiles: ConnectionProfile[] = [{ tls: null, rules: runRules }];
  const byKey = new Map<string, number>([['0 []', 0]]);
  const profileOf = names.map(() => 0);
  (a.scenarios ?? []).forEach((s, si) =>
    (s.requests ?? []).forEach((r, ri) => {
      const where = `scenario ${si} request ${ri}`;
      const t = r.tls ?? 0;
      if (!Number.isInteger(t) || t < 0 || t > tls.length) throw new AgentErrors.BAD_ASSIGN(`${where}: tls ${t}`);
      const own = r.connectTo ?? [];
      const rules = own.length > 0 ? rulesOf(own, `${where} connectTo`, lists) : runRules;
      const { h2, maxStreams } = httpOf(r, where);
      const key = `${t} ${own.length > 0 ? JSON.stringify(rules) : '[]'}${h2 ? ` h2 ${maxStreams}` : ''}`;
      let p = byKey.get(key);
      if (p === undefined) {
        p = profiles.length;
        profiles.push({ tls: t === 0 ? null : tls[t - 1]!, rules, ...(h2 ? { h2, maxStreams } : {}) });
        byKey.set(key, p);
      }
      const slot = names.indexOf(r.name ?? '');
      if (slot >= 0) profileOf[slot] = p;
    }),
  );
  return { profiles, profileOf };
}
