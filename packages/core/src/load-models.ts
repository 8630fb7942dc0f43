// The load models, in one table: the scenario name of each, its wire enum,
// and what kind of model it is. Every question of the form "is this an open
// model?" or "is its work counted in iterations?" is answered here, on both
// sides of the wire.
import { barrage } from '@barrage/proto';

/** closed: VUs loop; open: arrivals on a schedule (latency from the intended send). */
export type ModelKind = 'closed' | 'open';

export interface LoadModel {
  readonly name: ModelName;
  readonly executor: barrage.v1.Executor;
  readonly kind: ModelKind;
  /** Its work is a fixed number of iterations: what a lost agent completed is unknown, so it is never taken over. */
  readonly iterationBounded: boolean;
  /** VUs follow stages (ramping-vus): a share is a sub-segment, exact at every instant. */
  readonly ramping: boolean;
}

export type ModelName =
  | 'constant-vus'
  | 'shared-iterations'
  | 'per-vu-iterations'
  | 'ramping-vus'
  | 'constant-arrival-rate'
  | 'ramping-arrival-rate';

const E = barrage.v1.Executor;

export const LOAD_MODELS: Readonly<Record<ModelName, LoadModel>> = Object.freeze({
  'constant-vus': {
    name: 'constant-vus',
    executor: E.EXECUTOR_CONSTANT_VUS,
    kind: 'closed',
    iterationBounded: false,
    ramping: false,
  },
  'shared-iterations': {
    name: 'shared-iterations',
    executor: E.EXECUTOR_SHARED_ITERATIONS,
    kind: 'closed',
    iterationBounded: true,
    ramping: false,
  },
  'per-vu-iterations': {
    name: 'per-vu-iterations',
    executor: E.EXECUTOR_PER_VU_ITERATIONS,
    kind: 'closed',
    iterationBounded: true,
    ramping: false,
  },
  'ramping-vus': {
    name: 'ramping-vus',
    executor: E.EXECUTOR_RAMPING_VUS,
    kind: 'closed',
    iterationBounded: false,
    ramping: true,
  },
  'constant-arrival-rate': {
    name: 'constant-arrival-rate',
    executor: E.EXECUTOR_CONSTANT_ARRIVAL_RATE,
    kind: 'open',
    iterationBounded: false,
    ramping: false,
  },
  'ramping-arrival-rate': {
    name: 'ramping-arrival-rate',
    executor: E.EXECUTOR_RAMPING_ARRIVAL_RATE,
    kind: 'open',
    iterationBounded: false,
    ramping: false,
  },
});

const BY_EXECUTOR = new Map<number, LoadModel>(Object.values(LOAD_MODELS).map((m) => [m.executor, m]));

/** The model a wire enum names; undefined for an unknown or unspecified one. */
export function modelOfExecutor(executor: number): LoadModel | undefined {
  return BY_EXECUTOR.get(executor);
}

/** The model a scenario names. */
export function modelNamed(name: ModelName): LoadModel {
  return LOAD_MODELS[name];
}

/** Whether the wire enum names an open model (arrivals on a schedule). */
export const isOpenExecutor = (executor: number): boolean => modelOfExecutor(executor)?.kind === 'open';
