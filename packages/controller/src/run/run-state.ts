// A run's state, apart from its logic (Hyperfoil keeps Run.java so): who takes
// part and with what plan, the merged results, the notes the summary will carry,
// and where the run stands (started, aborted, failed, winding down). The pieces
// of run/ read and change it; run.ts orchestrates them.
import type { Clock } from '@barrage/core';
import type { Logger } from 'pino';
import { type IntervalClosed, RunAggregate } from '../merge/run-aggregate.ts';
import type { AgentPlan } from '../plan/assignments.ts';
import type { Scenario } from '../scenario/scenario.ts';
import type { ThresholdResult } from '../scenario/thresholds.ts';
import { sessionOnlyNames } from '../scenario/validate-session.ts';
import type { Participant } from './participant.ts';
import type { RunSpan } from './settling.ts';
import { Waiter } from './waiter.ts';

export class RunState {
  readonly runId: string;
  readonly scenario: Scenario;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly intervalMs: number;
  readonly participants = new Map<string, Participant>();
  readonly plans = new Map<string, AgentPlan>();
  readonly aggregate: RunAggregate;
  /** What a reader of the summary must know about its figures. */
  readonly notes: string[] = [];
  /** The run's one wait: poked whenever something happened. */
  readonly waiter = new Waiter();
  /** Controller clock: the instant every agent started on (0 before the start). */
  startAt = 0;
  aborted: string | undefined;
  /** A second abort: stop waiting for stragglers. */
  hurry = false;
  /** The run cannot start (an agent refused its plan, a bad Ready). */
  failure: Error | undefined;
  /** The abortOnFail threshold that stopped the run, as it stood then. */
  thresholdAbort: ThresholdResult | undefined;
  /** Past the load: no agent is declared lost any more. */
  winding = false;

  constructor(
    o: { runId: string; scenario: Scenario; clock: Clock; logger: Logger; intervalMs: number },
    onClosed: IntervalClosed,
  ) {
    this.runId = o.runId;
    this.scenario = o.scenario;
    this.clock = o.clock;
    this.logger = o.logger;
    this.intervalMs = o.intervalMs;
    this.aggregate = new RunAggregate(
      o.scenario.requests.map((r) => r.name),
      onClosed,
      sessionOnlyNames(o.scenario),
    );
  }

  /** What the plan says about time, for settling.ts. */
  get span(): RunSpan {
    const ends = this.scenario.scenarios.map((s) => s.startTimeMs + s.durationMs);
    return {
      startAt: this.startAt,
      loadMs: Math.max(...ends),
      longestMs: Math.max(...this.scenario.scenarios.map((s, i) => ends[i]! + s.gracefulStopMs)),
      leaseMs: this.scenario.leaseMs,
    };
  }

  /**
   * Waits for `cond`; an `abortable` wait also ends when an agent failed the start or on abort,
   * an `urgent` one on a second abort (the user will not wait for stragglers).
   */
  until(cond: () => boolean, ms: number, kind: 'abortable' | 'urgent'): Promise<void> {
    const done =
      kind === 'abortable'
        ? () => cond() || this.failure !== undefined || this.aborted !== undefined
        : () => cond() || this.hurry;
    return this.waiter.until(done, ms);
  }

  /** Stops the run early; a second abort stops waiting for the agents' final reports. */
  abort(reason: string): void {
    if (this.aborted !== undefined) this.hurry = true;
    this.aborted ??= reason;
    this.waiter.poke();
  }
}
