// How long a run's intervals are: short enough that a short run has a
// series to draw and judge (a 0.3 s burst in one 1 s interval is one point,
// no line), long enough that an hour's soak does not become 36,000 rows.
// Every consumer (agents' reports, merge, store, API, charts) reads the
// length from the run; this is the one place it is chosen. Pure.
import { LOAD_MODELS } from '@barrage/core';
import type { Scenario } from '../scenario/scenario.ts';

export const SHORT_INTERVAL_MS = 100;
export const DEFAULT_INTERVAL_MS = 1_000;
/** Load planned to last at most this long gets short intervals. */
export const SHORT_RUN_MS = 10_000;
/** Iteration-bounded load of at most this many iterations in all is a burst: short intervals too. */
export const BURST_ITERATIONS = 1_000;

/** The scenario's own `interval`, else 100 ms for a short run or a burst, else 1 s. */
export function intervalLengthMs(s: Pick<Scenario, 'scenarios' | 'intervalMs'>): number {
  if (s.intervalMs !== undefined) return s.intervalMs;
  if (s.scenarios.length === 0) return DEFAULT_INTERVAL_MS;
  const plannedEnd = Math.max(...s.scenarios.map((m) => m.startTimeMs + m.durationMs));
  if (plannedEnd <= SHORT_RUN_MS) return SHORT_INTERVAL_MS;
  const bursts = s.scenarios.every((m) => LOAD_MODELS[m.executor].iterationBounded);
  const iterations = s.scenarios.reduce(
    (n, m) => n + (m.executor === 'per-vu-iterations' ? m.iterations * m.vus : m.iterations),
    0,
  );
  return bursts && iterations <= BURST_ITERATIONS ? SHORT_INTERVAL_MS : DEFAULT_INTERVAL_MS;
}
