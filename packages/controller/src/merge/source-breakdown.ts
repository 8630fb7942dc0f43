// Requests by source address (agent --source-ips): an agent declares its
// addresses in its Hello, reports what each sent (Report.by_source), and the
// summary shows them per agent, beside the target's per-IP limits. Checked as
// untrusted bytes: a bounded list of IP addresses, reports naming only those,
// each once, with status counts that add up.
import { isIP } from 'node:net';
import type { barrage } from '@barrage/proto';
import { ControllerErrors } from '../errors.ts';

/** At most this many source addresses per agent (the agent's own bound). */
export const MAX_SOURCE_IPS = 1024;
const MAX_PER_INTERVAL = 1_000_000_000;

/** One address's totals: requests (attempts) sent, statuses answered, errors without a status. */
export interface AddressTotals {
  requests: number;
  errors: number;
  status: Map<number, number>;
}

/** Throws HELLO_INVALID for a source list no agent would send. */
export function validateSourceIps(list: readonly string[]): void {
  const bad = (why: string) => new ControllerErrors.HELLO_INVALID(why);
  if (list.length > MAX_SOURCE_IPS) throw bad(`${list.length} source addresses (at most ${MAX_SOURCE_IPS})`);
  if (new Set(list).size !== list.length) throw bad('a source address twice');
  for (const a of list) if (a.length > 45 || isIP(a) === 0) throw bad('a source address is no IP address');
}

/** Throws REPORT_INVALID for per-address counts of an address the agent did not declare, or that do not add up. */
export function validateBySource(r: barrage.v1.Report, declared: readonly string[]): void {
  const counts = r.bySource ?? [];
  if (counts.length === 0) return;
  const bad = (why: string) => new ControllerErrors.REPORT_INVALID(why);
  const known = new Set(declared);
  const seen = new Set<string>();
  for (const c of counts) {
    const a = c.address ?? '';
    if (!known.has(a)) throw bad(`requests of undeclared source address ${JSON.stringify(a.slice(0, 60))}`);
    if (seen.has(a)) throw bad(`source address ${a} twice in one report`);
    seen.add(a);
    const requests = c.requests ?? 0;
    if (requests > MAX_PER_INTERVAL) throw bad(`source address ${a}: ${requests} requests in one interval`);
    const statuses = c.status ?? [];
    if (statuses.length > 100) throw bad(`source address ${a}: ${statuses.length} status codes`);
    let answered = 0;
    for (const s of statuses) {
      if ((s.status ?? 0) < 100 || (s.status ?? 0) > 999) throw bad(`source address ${a}: status ${s.status}`);
      answered += s.count ?? 0;
    }
    if (answered + (c.errors ?? 0) !== requests) throw bad(`source address ${a}: statuses and errors do not add up`);
  }
}

/** Adds a report's per-address counts to an agent's. */
export function addBySource(into: Map<string, AddressTotals>, r: barrage.v1.Report.$Properties): void {
  for (const c of r.bySource ?? []) {
    const a = c.address ?? '';
    let t = into.get(a);
    if (t === undefined) into.set(a, (t = { requests: 0, errors: 0, status: new Map() }));
    t.requests += c.requests ?? 0;
    t.errors += c.errors ?? 0;
    for (const s of c.status ?? []) t.status.set(s.status ?? 0, (t.status.get(s.status ?? 0) ?? 0) + (s.count ?? 0));
  }
}

/** The summary's form: { "10.9.0.1": { requests, errors, status: { "200": 30 } } }, in the agent's order. */
export function bySourceJson(
  totals: ReadonlyMap<string, AddressTotals>,
  declared: readonly string[],
): Record<string, { requests: number; errors: number; status: Record<string, number> }> {
  const out: Record<string, { requests: number; errors: number; status: Record<string, number> }> = {};
  for (const a of declared) {
    const t = totals.get(a);
    out[a] = {
      requests: t?.requests ?? 0,
      errors: t?.errors ?? 0,
      status: Object.fromEntries([...(t?.status ?? [])].sort((x, y) => x[0] - y[0]).map(([s, n]) => [String(s), n])),
    };
  }
  return out;
}
