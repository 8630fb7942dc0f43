// The wire form of a scenario's connection settings (scenario/connections.ts):
// the TLS settings every agent gets in its Assign (PEM text and secrets
// revealed here, only into the plan), the override rules, and what each request
// spec points at. Pure.
import type { barrage } from '@barrage/proto';
import type { ConnectionsDef, ConnectRuleDef } from '../scenario/scenario.ts';

const rules = (r: readonly ConnectRuleDef[]): barrage.v1.ConnectRule.$Properties[] =>
  r.map((x) => ({ host: x.host, port: x.port, address: x.address, toPort: x.toPort }));

/** Assign.tls and Assign.connect_to. */
export function connectionAssign(
  c: ConnectionsDef | undefined,
): Pick<barrage.v1.Assign.$Properties, 'tls' | 'connectTo'> {
  if (c === undefined) return { tls: [], connectTo: [] };
  return {
    tls: c.tls.map((t) => ({
      ca: t.ca === undefined ? new Uint8Array(0) : Buffer.from(t.ca),
      cert: t.cert === undefined ? new Uint8Array(0) : Buffer.from(t.cert),
      key: t.key === undefined ? new Uint8Array(0) : Buffer.from(t.key.reveal()),
      passphrase: t.passphrase?.reveal() ?? '',
      serverName: t.serverName ?? '',
      insecureSkipVerify: t.insecureSkipVerify,
    })),
    connectTo: rules(c.rules),
  };
}

/** RequestSpec.tls and RequestSpec.connect_to of the request named `name`. */
export function requestConnection(
  c: ConnectionsDef | undefined,
  name: string,
): Pick<barrage.v1.RequestSpec.$Properties, 'tls' | 'connectTo'> {
  const own = c?.requestRules[name];
  return { tls: c?.requestTls[name] ?? 0, connectTo: own === undefined ? [] : rules(own) };
}
