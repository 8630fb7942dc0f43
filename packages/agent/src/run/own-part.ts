// This agent's own part of each scenario of its Assign (in a worker thread, the
// worker's slice of it): how many iterations it runs at once, which sizes its
// connections, and the Part launched at the start instant. Pure; takeover.ts
// is the counterpart for a share of a lost agent's.
import {
  indexKindOf,
  isOpenExecutor,
  modelOfExecutor,
  ownsArrival,
  peakShare,
  rampWorkerVuOffset,
  type WorkerSlot,
} from '@barrage/core';
import type { Requester } from '../http/requester.ts';
import type { PreparedScenario } from './assignment.ts';
import type { Part } from './part.ts';

export interface OwnSegment {
  /** The agent's segment (an open model's phase) and this process's or worker's part of it (ramps). */
  segment: { start: number; end: number };
  vuSegment: { start: number; end: number };
  worker: WorkerSlot | undefined;
}

/** The most iterations a scenario runs at once on this agent. */
export function concurrency(s: PreparedScenario, own: OwnSegment): number {
  if (modelOfExecutor(s.executor)?.ramping === true)
    return peakShare(s.startTarget, s.stages, own.vuSegment.start, own.vuSegment.end);
  if (isOpenExecutor(s.executor)) return s.maxInFlight;
  return s.vus;
}

/** This agent's (or worker's) own share of scenario `s`, fired through `requester` from the run's `startAt`. */
export function ownPart(s: PreparedScenario, requester: Requester, startAt: number, own: OwnSegment): Part {
  const scenarioAt = startAt + s.startOffsetMs;
  const seg = own.vuSegment;
  const w = own.worker;
  const model = modelOfExecutor(s.executor);
  // A worker's offsets were set when its slice was cut (worker-slice.ts); a ramp's depend on the segment.
  const vuOffset =
    model?.ramping === true && w !== undefined
      ? rampWorkerVuOffset(s.vuOffset, s.startTarget, s.stages, own.segment, w)
      : s.vuOffset;
  return {
    scenario: s,
    requester,
    scenarioAt,
    fromAt: scenarioAt,
    vus: modelOfExecutor(s.executor)?.ramping === true ? peakShare(s.startTarget, s.stages, seg.start, seg.end) : s.vus,
    segment: seg,
    arrivals: s.iterations,
    phase: own.segment.start,
    maxInFlight: s.maxInFlight,
    include: w === undefined ? undefined : (j) => ownsArrival(j, w),
    indexes: {
      kind: indexKindOf(model?.name ?? ''),
      vuOffset,
      iterationOffset: s.iterationOffset,
      iterationsPerVu: s.iterationsPerVu,
      partVus: isOpenExecutor(s.executor)
        ? (s.identitySlots ?? s.maxInFlight)
        : modelOfExecutor(s.executor)?.ramping === true
          ? peakShare(s.startTarget, s.stages, seg.start, seg.end)
          : s.vus,
      vuSpan: s.vuSpan,
    },
  };
}
