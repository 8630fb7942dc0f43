// Rebalance, the agent's side: what a Takeover asks this agent to fire of a
// lost agent's segment. Pure: the message is checked against the run's
// scenarios and turned into one share per scenario it may take over. Iteration-
// bounded scenarios are never taken over (what the lost agent completed is
// unknown); AgentRun launches the rest like its own parts.

import { indexKindOf, isOpenExecutor, modelOfExecutor, type PartIndexes, peakShare } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import { AgentErrors } from '../errors.ts';
import type { PreparedScenario } from './assignment.ts';

/** Golden-ratio step: frac((j+1)·PHI) spreads arrival indices evenly over [0,1) for a takeover split. */
const PHI = (Math.sqrt(5) - 1) / 2;
const inPart = (j: number, from: number, to: number) => {
  const u = ((j + 1) * PHI) % 1;
  return u >= from && u < to;
};

export interface TakenShare {
  /** The scenario, by index. */
  index: number;
  /** The lost agent's sub-segment this share covers (a ramp's VUs follow it). */
  segment: { start: number; end: number };
  /** Closed models: the VUs to add. */
  vus: number;
  /** Open models: the lost agent's arrivals, their phase, this share's in-flight cap and which of them it fires. */
  arrivals: number;
  phase: number;
  maxInFlight: number;
  include: (j: number) => boolean;
  /** VUs or in-flight slots this share adds to the run (bounded per run). */
  adds: number;
  /** Taken VUs get fresh global indexes from the controller; taken arrivals keep the lost agent's. */
  indexes: PartIndexes;
}

export const badTakeover = (t: barrage.v1.Takeover.$Properties, why: string) =>
  new AgentErrors.BAD_ASSIGN(`takeover ${t.id}: ${why}`);

/** Throws BAD_ASSIGN when `t` names a bad segment, instant, part or scenario. */
export function checkTakeover(t: barrage.v1.Takeover.$Properties, scenarios: readonly PreparedScenario[]): void {
  const bad = (why: string) => badTakeover(t, why);
  const lostStart = t.lostStart ?? 0;
  const lostEnd = t.lostEnd ?? 0;
  const shares = t.shares ?? [];
  if (!(lostStart >= 0 && lostStart < lostEnd && lostEnd <= 1)) throw bad(`segment [${lostStart}, ${lostEnd})`);
  if (!Number.isFinite(t.fromAt ?? NaN)) throw bad(`from_at ${t.fromAt}`);
  if (shares.length > scenarios.length || new Set(shares.map((x) => x.scenario)).size !== shares.length)
    throw bad('one share per scenario');
  for (const x of shares) {
    if (scenarios[x.scenario ?? -1] === undefined) throw bad(`no scenario ${x.scenario}`);
    if (!((x.partStart ?? 0) >= 0 && (x.partStart ?? 0) < (x.partEnd ?? 0) && (x.partEnd ?? 0) <= 1))
      throw bad(`part [${x.partStart}, ${x.partEnd})`);
  }
}

/** The shares of a checked Takeover that fire anything, in message order. */
export function takenShares(t: barrage.v1.Takeover.$Properties, scenarios: readonly PreparedScenario[]): TakenShare[] {
  const lostStart = t.lostStart!;
  const lostEnd = t.lostEnd!;
  const out: TakenShare[] = [];
  for (const share of t.shares ?? []) {
    const index = share.scenario!;
    const s = scenarios[index]!;
    if (modelOfExecutor(s.executor)?.iterationBounded !== false) continue;
    const partStart = share.partStart!;
    const partEnd = share.partEnd!;
    const segment = {
      start: lostStart + (lostEnd - lostStart) * partStart,
      end: lostStart + (lostEnd - lostStart) * partEnd,
    };
    const open = isOpenExecutor(s.executor);
    const ramp = modelOfExecutor(s.executor)?.ramping === true;
    const vus = ramp ? peakShare(s.startTarget, s.stages, segment.start, segment.end) : (share.vus ?? 0);
    const arrivals = Math.min(share.arrivals ?? 0, s.totalArrivals);
    const maxInFlight = Math.max(1, share.maxInFlight ?? 0);
    if (open ? arrivals === 0 : vus === 0) continue;
    out.push({
      index,
      segment,
      vus,
      arrivals,
      phase: lostStart,
      maxInFlight,
      include: (j) => inPart(j, partStart, partEnd),
      adds: open ? maxInFlight : vus,
      indexes: {
        kind: indexKindOf(modelOfExecutor(s.executor)?.name ?? ''),
        vuOffset: share.vuOffset ?? 0,
        iterationOffset: share.arrivalOffset ?? 0,
        iterationsPerVu: 0,
        ...(share.identityOffset == null ? {} : { identityOffset: share.identityOffset }),
      },
    });
  }
  return out;
}
