// A run's targets under source addresses (agent --source-ips): every request
// leaves from one of them, so a target must be reachable in their family. An IP
// literal of the other family is refused at Assign, by name; a host name is
// resolved in the addresses' family only (no answer there: the connection fails
// as unresolvable rather than with an opaque bind error).
import { isIP, type LookupFunction } from 'node:net';
import { AgentErrors } from '../errors.ts';
import type { PreparedScenario } from './assignment.ts';

/** The family (4 or 6) of the agent's source addresses; 0: none. */
export const familyOf = (sources: readonly string[] | undefined): number =>
  sources === undefined || sources.length === 0 ? 0 : isIP(sources[0]!);

/** Throws BAD_ASSIGN for a literal target address not of `family`. */
export function checkSourceFamily(s: PreparedScenario, family: number): void {
  if (family === 0) return;
  for (const e of s.entries)
    for (const r of e.steps) {
      const host = new URL(r.origin).hostname.replace(/^\[|\]$/g, '');
      const f = isIP(host);
      if (f !== 0 && f !== family)
        throw new AgentErrors.BAD_ASSIGN(
          `target ${host} is IPv${f}, this agent's --source-ips are IPv${family}: it cannot be reached from them`,
        );
    }
}

/** `lookup`, asked for addresses of `family` only. */
export function familyLookup(lookup: LookupFunction, family: number): LookupFunction {
  if (family === 0) return lookup;
  return ((host: string, options: object, cb: never) => lookup(host, { ...options, family }, cb)) as LookupFunction;
}
