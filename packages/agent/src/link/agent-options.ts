// What an agent is started with, and what of it is refused before anything
// dials: a worker count out of range, an injected clock worker threads cannot
// share, a controller URL that is not ws:// or wss://, a CA for a plain link,
// an allowlist that does not parse, a source address the host does not have.
// Each refusal names its flag.
import { type Clock, MAX_WORKERS, offsetClock, systemClock, TargetAllowlist, type TrustOptions } from '@barrage/core';
import type { Logger } from 'pino';
import { AgentErrors } from '../errors.ts';
import { controllerUrl } from './controller-url.ts';
import { resolveSourceIps } from './source-addresses.ts';

export interface AgentOptions {
  controller: string; // ws://host:port (the /agents path is added when missing)
  token: string;
  /** wss:// only: the CAs that may sign the controller's certificate (--ca), instead of Node's default CAs. */
  trust?: TrustOptions;
  name?: string;
  weight?: number;
  /** Exit after one run instead of waiting for the next. */
  once?: boolean;
  /** Worker threads that fire the load (--workers); 1 or absent: this thread fires it. */
  workers?: number;
  clock?: Clock;
  /** Fault injection: the agent runs on the system clock shifted by this much (workers too). Ignored when `clock` is given. */
  clockSkewMs?: number;
  logger: Logger;
  clockRounds?: number;
  /** This agent's own target allowlist, on top of the controller's. */
  allowTargets?: string[];
  /** --source-ips: addresses to bind connections to, round-robin over VUs (a list, an IPv4 CIDR or an interface). */
  sourceIps?: string;
}

/** The options an agent runs on, checked and resolved. */
export interface AgentSettings {
  clock: Clock;
  workers: number;
  /** The controller's agent endpoint. */
  url: string;
  allowTargets: TargetAllowlist | undefined;
  /** The source addresses, each on this host; absent: the host's default. */
  sourceIps?: string[];
}

/** Throws BAD_ARGUMENT for the first option the agent cannot run with. */
export function settleOptions(o: AgentOptions): AgentSettings {
  const clock = o.clock ?? (o.clockSkewMs ? offsetClock(systemClock, o.clockSkewMs) : systemClock);
  const workers = o.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS)
    throw new AgentErrors.BAD_ARGUMENT(`--workers must be a whole number from 1 to ${MAX_WORKERS}, got ${workers}`);
  // Workers read the clock themselves: an injected clock other than the skewed system clock cannot be shared.
  if (workers > 1 && o.clock !== undefined)
    throw new AgentErrors.BAD_ARGUMENT(
      'worker threads run on the system clock (with clockSkewMs), not an injected clock',
    );
  const url = controllerUrl(o.controller);
  // A CA given for a plain link would read as "this is secured" while nothing is.
  if (o.trust !== undefined && url.protocol !== 'wss:')
    throw new AgentErrors.BAD_ARGUMENT('--ca needs a wss:// controller URL');
  let allowTargets: TargetAllowlist | undefined;
  try {
    allowTargets = o.allowTargets && o.allowTargets.length > 0 ? new TargetAllowlist(o.allowTargets) : undefined;
  } catch (err) {
    throw new AgentErrors.BAD_ARGUMENT(`--allow-target: ${(err as Error).message}`);
  }
  const sourceIps = o.sourceIps === undefined || o.sourceIps === '' ? undefined : resolveSourceIps(o.sourceIps);
  // Worker threads would each deal the addresses over their own VUs: not yet split exactly.
  if (sourceIps !== undefined && workers > 1)
    throw new AgentErrors.BAD_ARGUMENT('--source-ips runs on one thread for now: leave out --workers');
  return { clock, workers, url: url.toString(), allowTargets, ...(sourceIps === undefined ? {} : { sourceIps }) };
}
