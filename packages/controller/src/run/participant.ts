// One agent as a run knows it: its part of the plan, its session, what it said
// (Ready, Finished, health), and whether it was lost. The run's state per agent;
// the logic that changes it lives in run.ts, report-intake.ts and agent-loss.ts.
import type { barrage } from '@barrage/proto';
import type { AgentSession } from '../cluster/agent-session.ts';
import type { Segment } from '../plan/apportion.ts';

export interface Participant {
  id: string;
  name: string;
  host: string;
  weight: number;
  segment: Segment;
  session: AgentSession;
  ready: boolean;
  clockOffsetMs: number;
  clockRttMs: number;
  startedAt: number;
  final: boolean;
  finished: barrage.v1.Finished | undefined;
  disconnects: number;
  /** Set when the agent went silent past the run's agentTimeout. */
  lost: AgentLoss | undefined;
  /** When it stopped firing early because its lease ran out (controller clock); 0 = never. */
  leaseExpiredAt: number;
  /** The worst interval it reported: event-loop delay p99 and max (ms), and cores busy. */
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  cpuCores: number;
  /** The busiest interval's event-loop utilisation, and how many intervals were at BUSY_UTILIZATION or more. */
  eventLoopUtilization: number;
  busyIntervals: number;
  /** Part of its load stopped mid-run (a worker thread died): what, as the agent said it (bounded). */
  brokenParts: string[];
}

/** When and how an agent was lost, and what the run did about it. */
export interface AgentLoss {
  /** Controller clock: when it was declared lost, and its last contact before that. */
  at: number;
  lastContactAt: number;
  /** Its segment's width: the fraction of the load it carried. */
  share: number;
  policy: 'abort' | 'continue' | 'rebalance';
  /** rebalance: the agents its share went to, from this instant (past its lease; 0 = none). */
  takenBy: string[];
  takenFrom: number;
  /** It came back (re-attached) at this instant; 0: never. */
  returnedAt: number;
}

/** A participant as it joins the run: nothing heard from it yet. */
export function newParticipant(session: AgentSession, segment: Segment): Participant {
  return {
    id: session.id,
    name: session.name,
    host: session.remoteAddress,
    weight: session.hello!.weight,
    segment,
    session,
    ready: false,
    clockOffsetMs: 0,
    clockRttMs: 0,
    startedAt: 0,
    final: false,
    finished: undefined,
    disconnects: 0,
    eventLoopP99Ms: 0,
    eventLoopMaxMs: 0,
    cpuCores: 0,
    eventLoopUtilization: 0,
    busyIntervals: 0,
    brokenParts: [],
    lost: undefined,
    leaseExpiredAt: 0,
  };
}
