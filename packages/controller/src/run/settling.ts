// When a run's load is over: the intervals every running agent has reported,
// whether every agent is done (final, or lost and past its chance to return),
// and the latest the main wait may last. Pure: participants and instants in.
import type { RunAggregate } from '../merge/run-aggregate.ts';
import type { Participant } from './participant.ts';

/** An agent's longest redial backoff (5 s) and a second for the handshake. */
const REDIAL_MS = 6_000;
const DEADLINE_SLACK_MS = 10_000;

/** What the run's plan says about time, from its planned start (ms). */
export interface RunSpan {
  startAt: number;
  /** When the last scenario's load ends, and when its graceful stop does. */
  loadMs: number;
  longestMs: number;
  leaseMs: number;
}

/** The newest interval every agent still running has reported (-1 before that); finished agents do not hold it back. */
export function completeInterval(participants: Iterable<Participant>, aggregate: RunAggregate): number {
  let k = Infinity;
  for (const p of participants) {
    if (p.final) continue;
    k = Math.min(k, aggregate.agents.get(p.id)?.lastInterval ?? -1);
  }
  return k === Infinity ? aggregate.newestInterval : k;
}

/** When a lost agent that has not come back is given up: its lease and one more redial after the end of the load. */
export function giveUpOn(p: Participant, span: RunSpan): number {
  return Math.max(span.startAt + span.loadMs, p.lost!.at + span.leaseMs) + REDIAL_MS;
}

/**
 * Every agent sent its final report, or was lost and had its chance to come back: a lost
 * agent that is alive (a cut link, a stall) keeps firing until its lease and redials every
 * few seconds, and its reports are still wanted.
 */
export function allSettled(participants: Iterable<Participant>, now: number, span: RunSpan): boolean {
  for (const p of participants) {
    if (!(p.final || (p.lost !== undefined && !p.session.open && now >= giveUpOn(p, span)))) return false;
  }
  return true;
}

/** The main wait's end: the plan plus slack, later while a lost agent may still come back. */
export function deadline(participants: Iterable<Participant>, span: RunSpan): number {
  let t = span.startAt + span.longestMs + DEADLINE_SLACK_MS;
  for (const p of participants) if (p.lost !== undefined && !p.final) t = Math.max(t, giveUpOn(p, span));
  return t;
}
