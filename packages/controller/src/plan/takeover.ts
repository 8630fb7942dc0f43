// Re-planning a lost agent's share (onAgentLoss: rebalance): its segment, scenario
// by scenario, split over the agents still running that hold that scenario, by
// weight, with the same apportionment as the original plan. Pure: the run decides
// when, and sends what this returns.
import { isOpenExecutor, modelOfExecutor, peakShare, takeoverVuOffset } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import { apportion, segments } from './apportion.ts';

type Assign = barrage.v1.Assign.$Properties;
type TakeoverShare = barrage.v1.TakeoverShare.$Properties;

/** An agent that may take part of the lost share: its weight and its own plan. */
export interface Taker {
  id: string;
  weight: number;
  assign: Assign;
}

export interface TakeoverPlan {
  /** Per taker id, in the order they were first given something: the parts of scenarios it takes. */
  shares: Map<string, TakeoverShare[]>;
  /** Scenarios nobody takes: iteration-bounded ones (what the lost agent completed is unknown), closed ones drawing unique rows, or ones no taker runs. */
  skipped: string[];
}

/** `id` numbers the takeover within the run (1, 2, …): its VUs get global indexes of their own. */
export function planTakeover(lost: Assign, takers: readonly Taker[], id = 1): TakeoverPlan {
  const shares = new Map<string, TakeoverShare[]>();
  const skipped = new Set<string>();
  for (const sc of lost.scenarios ?? []) {
    // A closed model drawing unique rows has no stripe to give a taker: each row is used once, or not at all.
    const uniqueRows = (sc.dataSources ?? []).some((k) => lost.data?.[k]?.mode === 'unique');
    const closed = !isOpenExecutor(sc.executor ?? 0);
    if (modelOfExecutor(sc.executor ?? 0)?.iterationBounded !== false || (closed && uniqueRows)) {
      skipped.add(sc.name!);
      continue;
    }
    const holders = takers.flatMap((t) => {
      const index = (t.assign.scenarios ?? []).findIndex((x) => x.name === sc.name);
      return index < 0 ? [] : [{ t, index }];
    });
    if (holders.length === 0) {
      skipped.add(sc.name!);
      continue;
    }
    const parts = segments(holders.map((h) => ({ id: h.t.id, weight: h.t.weight })));
    const widths = parts.map((x) => x.end - x.start);
    const vus = apportion(sc.vus ?? 0, widths);
    const caps = apportion(sc.maxInFlight ?? 0, widths).map((c) => Math.max(1, c));
    // Fresh VU indexes per taker, counted as the agent will count its VUs (a ramp: its part's peak).
    const lostStart = lost.segmentStart ?? 0;
    const lostWidth = (lost.segmentEnd ?? 1) - lostStart;
    const stages = (sc.stages ?? []).map((s) => ({ durationMs: s.durationMs ?? 0, target: s.target ?? 0 }));
    const added = parts.map((part, k) =>
      modelOfExecutor(sc.executor ?? 0)?.ramping === true
        ? peakShare(sc.startTarget ?? 0, stages, lostStart + lostWidth * part.start, lostStart + lostWidth * part.end)
        : vus[k]!,
    );
    // Open models: a taker's "VUs" are its session slots.
    const open = isOpenExecutor(sc.executor ?? 0);
    const adds = open ? caps : added;
    // The lost agent's users (their perVU rows) move to the takers, as long as their parts fit its block.
    const lostBlock = open ? (sc.maxInFlight ?? 0) : (sc.vus ?? 0);
    let before = 0;
    holders.forEach((h, k) => {
      const vuOffset = takeoverVuOffset(sc.vuSpan ?? 0, id, before);
      const identity = before + adds[k]! <= lostBlock ? { identityOffset: (sc.vuOffset ?? 0) + before } : {};
      before += adds[k]!;
      const list = shares.get(h.t.id) ?? [];
      shares.set(h.t.id, list);
      list.push({
        scenario: h.index,
        vus: vus[k],
        arrivals: sc.iterations ?? 0,
        maxInFlight: caps[k],
        partStart: parts[k]!.start,
        partEnd: parts[k]!.end,
        vuOffset,
        arrivalOffset: sc.iterationOffset ?? 0,
        ...identity,
      });
    });
  }
  return { shares, skipped: [...skipped] };
}
