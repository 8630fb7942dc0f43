// A part of a scenario this agent fires: its own share of it, or a share of a
// lost agent's taken over mid-run. Both are launched alike (AgentRun's
// launchPart) and fired by the load model of the scenario's kind, built here
// from the part: the executor picks the model and its budget, the part says
// how much of the cluster's load is this agent's.
import {
  ArrivalSchedule,
  clusterVusAt,
  isOpenExecutor,
  modelOfExecutor,
  type PartIndexes,
  segmentShare,
} from '@barrage/core';
import { barrage } from '@barrage/proto';
import type { Requester } from '../http/requester.ts';
import { ClosedModel } from '../load/closed-model.ts';
import { OpenModel } from '../load/open-model.ts';
import type { ModelContext, Scheduler } from '../load/scheduler.ts';
import type { PreparedScenario } from './assignment.ts';

const Executors = barrage.v1.Executor;

export interface Part {
  scenario: PreparedScenario;
  /** Its connections (a part taken over has its own). */
  requester: Requester;
  /** Run clock: the scenario's planned start, and when this part begins firing (a takeover's: later). */
  scenarioAt: number;
  fromAt: number;
  /** Closed models: the most VUs at once, and the segment a ramp's VUs are shared by. */
  vus: number;
  segment: { start: number; end: number };
  /** Open models: the arrivals walked, their phase in the cluster's schedule, the in-flight cap, and which of them this part fires. */
  arrivals: number;
  phase: number;
  maxInFlight: number;
  include?: (j: number) => boolean;
  /** Where the part's VUs and iterations sit among the cluster's (core's global-index.ts). */
  indexes: PartIndexes;
}

/** What every model of a run shares: the run's clock and timers, its lease, and where it says it is idle. */
export type PartContext = Omit<ModelContext, 'requester' | 'entries'>;

/** The load model that fires `p`. */
export function modelFor(p: Part, run: PartContext): Scheduler {
  const s = p.scenario;
  const generation = {
    indexes: p.indexes,
    seed: s.seed,
    scenarioIndex: s.scenarioIndex,
    scenarioCount: s.scenarioCount,
    maxSteps: s.maxSteps,
    clock: run.clock,
    tables: s.data,
    countRow: run.countRow,
  };
  const ctx: ModelContext = { ...run, requester: p.requester, entries: s.entries, generation, session: s.session };
  if (isOpenExecutor(s.executor)) {
    return new OpenModel(ctx, {
      schedule: new ArrivalSchedule(s.startTarget, s.stages),
      count: p.arrivals,
      phase: p.phase,
      startAt: p.scenarioAt,
      maxInFlight: p.maxInFlight,
      include: p.include,
      fromAt: p.fromAt,
    });
  }
  const { start, end } = p.segment;
  return new ClosedModel(ctx, {
    vus: p.vus,
    target:
      modelOfExecutor(s.executor)?.ramping === true
        ? (t) => segmentShare(clusterVusAt(s.startTarget, s.stages, t), start, end)
        : undefined,
    iterations: s.executor === Executors.EXECUTOR_SHARED_ITERATIONS ? s.iterations : Infinity,
    iterationsPerVu: s.executor === Executors.EXECUTOR_PER_VU_ITERATIONS ? s.iterationsPerVu : Infinity,
    startAt: p.scenarioAt,
    endAt: p.scenarioAt + s.durationMs,
    thinkTimeMs: s.thinkTimeMs,
  });
}
