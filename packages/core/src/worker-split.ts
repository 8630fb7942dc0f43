// How one agent's share is divided among its worker threads (`agent --workers N`),
// as pure maths. Every split is exact: the workers' parts sum to the agent's
// share, so the controller's plan is fired as if by one process.
//   - counts (VUs, connections, in-flight caps): the cumulative rule
//     floor(T·(k+1)/N) − floor(T·k/N), so parts differ by at most one;
//   - ramps: worker k takes the k-th Nth of the agent's segment;
//   - open models: worker k fires the agent's arrivals j with j mod N = k.
export interface WorkerSlot {
  index: number;
  count: number;
}

/** Worker `index`'s part of `total` split among `count` workers. */
export const evenShare = (total: number, index: number, count: number): number =>
  Math.floor((total * (index + 1)) / count) - Math.floor((total * index) / count);

/** The arrivals of an open model (by the agent's arrival index) that this worker fires. */
export const ownsArrival = (j: number, w: WorkerSlot): boolean => j % w.count === w.index;

/** How many of the agent's `arrivals` this worker fires. */
export const arrivalsOf = (arrivals: number, w: WorkerSlot): number =>
  arrivals > w.index ? Math.floor((arrivals - w.index - 1) / w.count) + 1 : 0;

/** This worker's part of the agent's segment [start, end) (for ramps, which split by segment). */
export function subSegment(seg: { start: number; end: number }, w: WorkerSlot): { start: number; end: number } {
  const width = seg.end - seg.start;
  return {
    start: seg.start + (width * w.index) / w.count,
    end: w.index === w.count - 1 ? seg.end : seg.start + (width * (w.index + 1)) / w.count,
  };
}
