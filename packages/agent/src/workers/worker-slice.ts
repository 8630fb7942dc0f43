// How one agent's share of a run is divided among its worker threads
// (`agent --workers N`). Pure. Every split is exact: the workers' parts sum to
// the agent's share, so the controller's plan is fired as if by one process.
//   - VUs, connections and in-flight caps: the cumulative rule
//     floor(T·(k+1)/N) − floor(T·k/N), so parts differ by at most one;
//   - shared iterations follow the VUs that run them (a worker without VUs has none);
//   - ramping-vus: worker k takes the k-th Nth of the agent's segment, and
//     segmentShare() keeps the sum exact at every instant, as across agents;
//   - open models: worker k fires the agent's arrivals j with j mod N = k, so
//     the agent's own evenly spread schedule is kept whole.

//   - global indexes: a worker's VUs and shared iterations start where the
//     earlier workers' end (core's workerOffsets; ramps: own-part.ts); an open
//     model's session slots (its users) likewise, by the cumulative rule.

import { arrivalsOf, evenShare, modelOfExecutor, type WorkerSlot, workerOffsets } from '@barrage/core';
import type { PreparedScenario } from '../run/assignment.ts';

/** The scenario as this worker runs it: its VUs, iterations, in-flight cap and connections. */
export function sliceScenario(s: PreparedScenario, w: WorkerSlot, open: boolean): PreparedScenario {
  const { index, count } = w;
  const vus = evenShare(s.vus, index, count);
  // The first k workers' VUs: floor(V·k/N); their iterations follow them exactly.
  const vusBefore = Math.floor((s.vus * index) / count);
  const iterations = open
    ? s.iterations
    : s.vus === 0
      ? 0
      : Math.floor((s.iterations * (vusBefore + vus)) / s.vus) - Math.floor((s.iterations * vusBefore) / s.vus);
  const fires = open ? arrivalsOf(s.iterations, w) > 0 : true;
  const offsets = open || modelOfExecutor(s.executor)?.ramping === true ? s : workerOffsets(s, w);
  return {
    ...s,
    // An open model's session slots are users too: worker k's are the k-th Nth of the agent's.
    vuOffset: open ? s.vuOffset + Math.floor((s.maxInFlight * index) / count) : offsets.vuOffset,
    ...(open ? { identitySlots: evenShare(s.maxInFlight, index, count) } : {}),
    iterationOffset: offsets.iterationOffset,
    vus,
    iterations,
    // An open model's count stays the agent's: the worker walks the agent's arrivals and fires its own.
    maxInFlight: open ? (fires ? Math.max(1, evenShare(s.maxInFlight, index, count)) : 0) : s.maxInFlight,
    connections: s.connections > 0 ? Math.max(1, evenShare(s.connections, index, count)) : 0,
  };
}
