// What a finished run amounts to: its status and the notes that explain any
// figure a reader should not take at face value. Pure.
import type { RunAggregate } from '../merge/run-aggregate.ts';
import type { MonitorSample, MonitorStats } from '../monitor/monitor-stats.ts';
import type { Participant } from '../run/participant.ts';
import type { ThresholdResult } from '../scenario/thresholds.ts';
import { agentLoadNote } from './agent-load-note.ts';

export type { AgentLoss, Participant } from '../run/participant.ts';

export type RunStatus = 'passed' | 'failed' | 'aborted' | 'degraded' | 'interrupted';

export interface RunResult {
  runId: string;
  status: RunStatus;
  plannedStartAt: number;
  endedAt: number;
  participants: Participant[];
  aggregate: RunAggregate;
  /** Answered non-429 requests sent before the first 429 arrived, per name and '' for all. */
  firstRateLimitedAfter: Map<string, number>;
  rejectedReports: number;
  notes: string[];
  /** The run was stopped because a threshold with abortOnFail failed. */
  abortedByThreshold: boolean;
  /** The threshold that stopped the run, as it stood then. */
  thresholdAbort: ThresholdResult | undefined;
  monitors: Record<string, MonitorStats>;
  monitorSamples: Record<string, MonitorSample[]>;
  /** Requests sent per monitor URL (origin + path), the preflight's included. */
  monitorRequests: Record<string, number>;
}

export interface ResultInput {
  runId: string;
  aborted: boolean;
  plannedStartAt: number;
  endedAt: number;
  participants: Participant[];
  aggregate: RunAggregate;
  /** Only Finished answers to this Stop count against the final first-429 instants. */
  closingStopId: number;
  rejectedReports: number;
  notes: string[];
  abortedByThreshold?: boolean;
  thresholdAbort?: ThresholdResult;
  monitors?: Record<string, MonitorStats>;
  monitorSamples?: Record<string, MonitorSample[]>;
  monitorRequests?: Record<string, number>;
}

/** An agent that started this much after the common instant is called out. */
const LATE_START_MS = 1_000;
export function assembleResult(i: ResultInput): RunResult {
  i.aggregate.closeAll();
  const notes = [...i.notes];
  const lost = i.participants.filter((p) => !p.final);
  for (const p of lost)
    notes.push(`agent ${p.name} (${p.host}) sent no final report: its share after its last report is missing`);
  const firstAfter = new Map<string, number>();
  if (i.participants.every((p) => p.finished?.stopId === i.closingStopId)) {
    for (const p of i.participants) {
      for (const c of p.finished!.completedBeforeFirstRateLimited)
        firstAfter.set(c.name ?? '', (firstAfter.get(c.name ?? '') ?? 0) + (c.count ?? 0));
      if (p.finished!.completionLogTruncated)
        notes.push(`agent ${p.name}: completion log full, firstRateLimitedAfter is a lower bound`);
    }
  } else if (i.aggregate.total.firstRateLimitedAt > 0) {
    notes.push('firstRateLimitedAfter unknown: not every agent answered the closing Stop');
  }
  for (const p of i.participants) {
    if (p.startedAt - i.plannedStartAt > LATE_START_MS) {
      notes.push(
        `agent ${p.name} started ${((p.startedAt - i.plannedStartAt) / 1000).toFixed(1)} s late: closed models lost its share of the first seconds; open models fired its overdue arrivals at once (their latency counts from when they were due) or dropped them`,
      );
    }
  }
  for (const p of i.participants) {
    const note = agentLoadNote(p);
    if (note !== undefined) notes.push(note);
  }
  for (const p of i.participants) for (const why of p.brokenParts) notes.push(`agent ${p.name}: ${why}`);
  if (i.rejectedReports > 0)
    notes.push(`${i.rejectedReports} report(s) rejected as invalid; their figures are missing`);
  if (i.aggregate.lateLatencies > 0)
    notes.push(
      `${i.aggregate.lateLatencies} latency sample(s) arrived after their interval closed: in the totals, not in that interval's percentiles`,
    );
  // Load that was never fired: an agent stopped by its lease, or the gap between a lost agent's
  // stop and the takeover of its share. Its reports may all be in, the load is still short.
  const short = i.participants.filter((p) => p.final && (p.leaseExpiredAt > 0 || p.lost?.policy === 'rebalance'));
  for (const p of i.participants.filter((x) => x.leaseExpiredAt > 0)) {
    notes.push(
      `agent ${p.name} stopped firing at +${((p.leaseExpiredAt - i.plannedStartAt) / 1000).toFixed(1)} s: its lease ran out without contact with the controller; its share after that was not fired`,
    );
  }
  const status: RunStatus = i.aborted
    ? 'aborted'
    : lost.length > 0 ||
        short.length > 0 ||
        i.rejectedReports > 0 ||
        i.participants.some((p) => p.brokenParts.length > 0)
      ? 'degraded'
      : 'passed';
  return {
    runId: i.runId,
    status,
    plannedStartAt: i.plannedStartAt,
    endedAt: i.endedAt,
    participants: i.participants,
    aggregate: i.aggregate,
    firstRateLimitedAfter: firstAfter,
    rejectedReports: i.rejectedReports,
    notes,
    abortedByThreshold: i.abortedByThreshold ?? false,
    thresholdAbort: i.thresholdAbort,
    monitors: i.monitors ?? {},
    monitorSamples: i.monitorSamples ?? {},
    monitorRequests: i.monitorRequests ?? {},
  };
}
