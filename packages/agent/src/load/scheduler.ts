// What the load models share. A model decides *when* each iteration starts;
// the Requester decides *how* a request is sent. Each model runs one part of
// one scenario on this agent (its own share, or a share taken over from a lost
// agent) and calls onIdle once it will start nothing more and nothing it
// started is still running. The closed kind lives in closed-model.ts, the open
// kind in open-model.ts.
import type { Clock } from '@barrage/core';
import type { Requester } from '../http/requester.ts';
import type { Timers } from '../timers.ts';
import type { PreparedEntry } from './iteration.ts';
import type { GenerationPlan } from './iteration-scope.ts';
import type { PreparedSession } from './session.ts';

export interface Scheduler {
  /** Begins firing now. */
  start(): void;
  /** Stops starting new iterations; running ones finish and are recorded. */
  stop(): void;
  /** VUs running (closed models) or iterations in flight (open models). */
  readonly activeVus: number;
}

/** What a model fires with, and the one time base it plans on. */
export interface ModelContext {
  /**
   * The run's clock (controller time, ms). Every instant a model is given, plans,
   * reads or hands to the Requester is on it, so an intended send and the
   * moment it was measured from can never be on two clocks.
   */
  clock: Clock;
  timers: Timers;
  requester: Requester;
  entries: readonly PreparedEntry[];
  /** How this part numbers its iterations (global indexes) for generated values. */
  generation?: GenerationPlan;
  /** The model's per-VU session (session.ts), if it has one. */
  session?: PreparedSession;
  /** Asked before each iteration or arrival: false stops the model for good (the agent's lease ran out). */
  mayFire?: () => boolean;
  /** Called once, when the model will start nothing more and nothing it started is still running. */
  onIdle: () => void;
  /** Hears each data row taken, by source (the report's data_rows). */
  countRow?: (source: string) => void;
}
