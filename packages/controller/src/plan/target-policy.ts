// What a controller will fire at, and how hard: a scenario is admitted only if
// every host it names is allowed (names resolved here too; each agent checks
// again at connect time) and its load stays under the controller's hard caps.
// Checked when a scenario is accepted, from the command line or the API.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { LOAD_MODELS, TargetAllowlist } from '@barrage/core';
import { ControllerErrors } from '../errors.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { requestUrl } from '../scenario/urls.ts';

export interface TargetPolicy {
  allow: TargetAllowlist;
  /** Hard caps: VUs (closed models, summed), arrivals per second (open models, peak, summed), run length. */
  maxVus?: number;
  maxRate?: number;
  maxDurationMs?: number;
}

export type Resolver = (host: string) => Promise<string[]>;
const systemResolver: Resolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address);
/** A name that does not resolve here is left to the agents (they may see other DNS) but never a hang. */
const RESOLVE_TIMEOUT_MS = 5_000;

/**
 * What `controller start` and `controller serve` share beyond their own flags: TLS, the API's
 * token and rate limit, and the target allowlist and caps.
 */
export interface ControllerGuardOptions {
  /** PEM certificate and key: the agent endpoint and the API are then wss:// and https:// only. */
  tlsCert?: string;
  tlsKey?: string;
  /** API token (default: $BARRAGE_API_TOKEN, else the agent token). */
  apiToken?: string;
  /** API changes allowed per minute per client address. */
  apiRate?: number;
  allowTargets?: readonly string[];
  maxVus?: number;
  maxRate?: number;
  maxDurationMs?: number;
}

export function targetPolicy(
  o: Pick<ControllerGuardOptions, 'allowTargets' | 'maxVus' | 'maxRate' | 'maxDurationMs'>,
): TargetPolicy {
  try {
    return {
      allow: new TargetAllowlist(o.allowTargets ?? []),
      maxVus: o.maxVus,
      maxRate: o.maxRate,
      maxDurationMs: o.maxDurationMs,
    };
  } catch (err) {
    throw new ControllerErrors.BAD_ARGUMENT(`--allow-target: ${(err as Error).message}`);
  }
}

/** Every host the scenario's load, setup and monitors reach, once each. */
export function scenarioHosts(s: Scenario, baseUrl: string | undefined): string[] {
  const urls = [...s.setup, ...s.requests].map((r) => requestUrl(r, baseUrl));
  for (const m of s.monitors) urls.push(m.url ?? (baseUrl ?? '').replace(/\/$/, '') + (m.path ?? ''));
  return [
    ...new Set(
      urls
        .map((u) => {
          try {
            return new URL(u).hostname;
          } catch {
            return '';
          }
        })
        .filter((h) => h !== ''),
    ),
  ];
}

/** Throws a coded error when the scenario may not run under this policy. */
export async function admitScenario(
  s: Scenario,
  baseUrl: string | undefined,
  p: TargetPolicy,
  resolve: Resolver = systemResolver,
): Promise<void> {
  const open = s.scenarios.filter((m) => LOAD_MODELS[m.executor].kind === 'open');
  const vus = s.scenarios.filter((m) => LOAD_MODELS[m.executor].kind === 'closed').reduce((n, m) => n + m.vus, 0);
  const rate = open.reduce((n, m) => n + Math.max(m.startTarget, ...m.stages.map((st) => st.target)), 0);
  const length = Math.max(...s.scenarios.map((m) => m.startTimeMs + m.durationMs));
  if (p.maxVus !== undefined && vus > p.maxVus)
    throw new ControllerErrors.OVER_LIMIT(`${vus} VUs`, `--max-vus ${p.maxVus}`);
  if (p.maxRate !== undefined && rate > p.maxRate)
    throw new ControllerErrors.OVER_LIMIT(`${+rate.toFixed(3)} arrivals/s`, `--max-rate ${p.maxRate}`);
  if (p.maxDurationMs !== undefined && length > p.maxDurationMs)
    throw new ControllerErrors.OVER_LIMIT(`${length / 1000} s of load`, `--max-duration ${p.maxDurationMs / 1000}s`);
  // An override's address is judged on its own (core's checkOverride): hosts, connectTo.
  const c = s.connections;
  for (const r of [...(c?.rules ?? []), ...Object.values(c?.requestRules ?? {}).flat()]) {
    const why = p.allow.checkOverride(r.host, r.address);
    if (why !== undefined) throw new ControllerErrors.TARGET_NOT_ALLOWED(why);
  }
  for (const host of scenarioHosts(s, baseUrl)) {
    const why = p.allow.checkHost(host);
    if (why !== undefined) throw new ControllerErrors.TARGET_NOT_ALLOWED(why);
    if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) continue;
    let addresses: string[] = [];
    try {
      addresses = await Promise.race([
        resolve(host),
        new Promise<string[]>((_r, reject) =>
          setTimeout(() => reject(new Error('timeout')), RESOLVE_TIMEOUT_MS).unref(),
        ),
      ]);
    } catch {
      /* unresolvable here: the agents judge what they resolve */
    }
    for (const a of addresses) {
      const refused = p.allow.checkAddress(host, a);
      if (refused !== undefined) throw new ControllerErrors.TARGET_NOT_ALLOWED(refused);
    }
  }
}
