// DNS resolution for the agent's connections that refuses addresses the
// target allowlists do not allow, so a permitted name that resolves somewhere
// forbidden is never connected to. The refusal carries a code the executor
// counts as "never sent" (dropped), and is logged once per host.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { TargetAllowlist } from '@barrage/core';

export const TARGET_NOT_ALLOWED = 'EBARRAGE_TARGET_NOT_ALLOWED';

export function guardedLookup(
  lists: readonly TargetAllowlist[],
  onRefused: (host: string, why: string) => void,
): LookupFunction {
  return ((
    hostname: string,
    options: object,
    callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) {
        callback(err, '');
        return;
      }
      for (const a of addresses) {
        for (const list of lists) {
          const why = list.checkAddress(hostname, a.address);
          if (why !== undefined) {
            onRefused(hostname, why);
            callback(Object.assign(new Error(`target not allowed: ${why}`), { code: TARGET_NOT_ALLOWED }), '');
            return;
          }
        }
      }
      if ((options as { all?: boolean }).all === true) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  }) as LookupFunction;
}
