// Where a run may send load: every request's host is checked against the
// controller's allowlist (from the Assign) and the agent's own before anything
// is fired, and their addresses again at each connect (the guarded lookup).
// checkAssign() makes every check an AgentRun makes of its Assign without
// building the run, for the multi-worker agent's main thread.
import type { LookupFunction } from 'node:net';
import { DEFAULT_AGENT_TIMEOUT_MS, DEFAULT_LEASE_MS, TargetAllowlist } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import { AgentErrors } from '../errors.ts';
import { guardedLookup } from '../http/guarded-lookup.ts';
import { type PreparedScenario, prepareAssignment } from './assignment.ts';
import { prepareConnections } from './connection-plan.ts';
import type { ReceivedTable } from './data-inbox.ts';

/** The allowlists of a run (the controller's, then the agent's own); throws when a request's host is outside one. */
export function checkTargets(
  assign: barrage.v1.Assign.$Properties,
  scenarios: readonly PreparedScenario[],
  own: TargetAllowlist | undefined,
): TargetAllowlist[] {
  let fromController: TargetAllowlist;
  try {
    fromController = new TargetAllowlist(assign.allowTargets ?? []);
  } catch (err) {
    throw new AgentErrors.BAD_ASSIGN((err as Error).message);
  }
  const lists = [fromController, ...(own ? [own] : [])];
  const hosts = new Set(
    scenarios.flatMap((s) => s.entries.flatMap((e) => e.steps.map((r) => new URL(r.origin).hostname))),
  );
  for (const host of hosts) {
    for (const list of lists) {
      const why = list.checkHost(host);
      if (why !== undefined) throw new AgentErrors.TARGET_NOT_ALLOWED(why);
    }
  }
  return lists;
}

/**
 * The run's name resolution for new connections: checked against the same lists;
 * a refused host is reported once through `onRefused`.
 */
export function targetLookup(
  lists: TargetAllowlist[],
  onRefused: ((host: string, why: string) => void) | undefined,
): LookupFunction {
  const refused = new Set<string>();
  return guardedLookup(lists, (host, why) => {
    if (refused.has(host)) return;
    refused.add(host);
    onRefused?.(host, why);
  });
}

/**
 * Whether a redirect may lead to `host`: the same lists, checked before the hop is sent
 * (its addresses are checked again by the lookup). A refused host is reported once.
 */
export function redirectGuard(
  lists: TargetAllowlist[],
  onRefused: ((host: string, why: string) => void) | undefined,
): (host: string) => string | undefined {
  const refused = new Set<string>();
  return (host) => {
    for (const list of lists) {
      const why = list.checkHost(host);
      if (why === undefined) continue;
      if (!refused.has(host)) {
        refused.add(host);
        onRefused?.(host, `a redirect was not followed: ${why}`);
      }
      return why;
    }
    return undefined;
  };
}

/**
 * Every check an AgentRun makes of its Assign, without building the run: for a caller that
 * hands the plan on (the multi-worker agent's main thread). Returns the run's liveness settings.
 */
export function checkAssign(
  assign: barrage.v1.Assign.$Properties,
  own?: TargetAllowlist,
  data?: ReadonlyMap<string, ReceivedTable>,
): { runId: string; agentTimeoutMs: number; leaseMs: number } {
  const names: string[] = [];
  const lists = checkTargets(assign, prepareAssignment(assign, names, data, true), own);
  prepareConnections(assign, names, lists);
  return {
    runId: assign.runId!,
    agentTimeoutMs: assign.agentTimeoutMs || DEFAULT_AGENT_TIMEOUT_MS,
    leaseMs: assign.leaseMs || DEFAULT_LEASE_MS,
  };
}
