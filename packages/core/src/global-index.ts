// Global indexes: which VU of the whole cluster a VU is, and which iteration
// (or arrival) of the whole run an iteration is, computed by each agent and
// worker thread on its own, as pure functions of the plan. Generators
// (${vu}, ${iteration}, ${seq}) and data rows are keyed by them, so two agents
// never produce the same value and a run plan gives the same values whatever
// the agent count.
//
// The controller gives each agent's part two offsets: the global index of its
// first VU and of its first iteration or arrival (prefix sums of the earlier
// agents' shares). Within an agent:
//   - VUs: worker k of N starts at floor(V·k/N), as worker-split.ts splits them;
//     ramping-vus workers start after the earlier workers' peak shares;
//   - shared-iterations: the part's n-th iteration taken is offset + n; a worker
//     starts where its VUs' iterations start (floor(I·vusBefore/V));
//   - per-vu-iterations: iteration k of global VU v is v·n + k (n per VU);
//   - constant-vus / ramping-vus (unbounded): iteration k of VU v is pair(v, k),
//     a bijection of pairs onto the integers, so no two (VU, k) share a number
//     even for VUs added later by a takeover;
//   - open models: the agent's j-th arrival is offset + j (workers and takeovers
//     walk the agent's own arrival indexes, so a taken-over arrival keeps the
//     index the lost agent would have given it).
// A takeover of a closed model (only unbounded ones are taken over) gives the
// taken VUs new global VU indexes from the controller, past every planned one,
// so their iterations never reuse a number.
import { peakShare, type VuStage } from './vu-ramp.ts';
import { subSegment, type WorkerSlot } from './worker-split.ts';

export type IndexKind = 'shared' | 'perVu' | 'unbounded' | 'open';

/** How a load model numbers its iterations. */
export function indexKindOf(model: string): IndexKind {
  switch (model) {
    case 'shared-iterations':
      return 'shared';
    case 'per-vu-iterations':
      return 'perVu';
    case 'constant-vus':
    case 'ramping-vus':
      return 'unbounded';
    default:
      return 'open';
  }
}

/** Szudzik's pairing: every (v, k) of naturals to a distinct natural, and every natural is one pair. */
export function pairIndex(v: number, k: number): number {
  return v >= k ? v * v + v + k : k * k + v;
}

export interface PartIndexes {
  kind: IndexKind;
  /** Global index of this part's first VU (0-based). */
  vuOffset: number;
  /** Global index of this part's first iteration (shared) or of the agent's arrival 0 (open). */
  iterationOffset: number;
  /** per-vu-iterations: iterations each VU runs. */
  iterationsPerVu: number;
  /** Unbounded models: the part's VUs and the plan's VU index count (rowIteration's stripes). */
  partVus?: number;
  vuSpan?: number;
  /**
   * Whose identity (perVU data row) the part's first VU or session slot takes; absent: its own
   * (vuOffset). A takeover's VUs are new VUs (fresh vuOffset: no ${vu} or ${iteration} repeats)
   * standing in for the lost agent's users, so they take those users' rows.
   */
  identityOffset?: number;
}

/**
 * The global iteration index. `localVu` is the VU's index within the part,
 * `vuIteration` its own iteration count so far (0-based), `partIteration` the
 * part's count of iterations taken (shared) or the agent's arrival index (open).
 */
export function globalIteration(p: PartIndexes, localVu: number, vuIteration: number, partIteration: number): number {
  switch (p.kind) {
    case 'shared':
    case 'open':
      return p.iterationOffset + partIteration;
    case 'perVu':
      return (p.vuOffset + localVu) * p.iterationsPerVu + vuIteration;
    case 'unbounded':
      return pairIndex(p.vuOffset + localVu, vuIteration);
  }
}

/**
 * The iteration's place in a dense numbering, for data rows: the global
 * iteration, except in unbounded closed models, whose pairing is sparse. There
 * the part's n-th iteration taken is n's round times the plan's VU span, plus
 * the part's first VU, plus n's place in the round: every part owns the same
 * stripe of each round, so parts never meet and rows are used in order
 * (as k6 stripes its segments). A takeover part has no stripe of its own: a
 * model whose rows must each be used once is not taken over.
 */
export function rowIteration(p: PartIndexes, localVu: number, vuIteration: number, partIteration: number): number {
  if (p.kind !== 'unbounded') return globalIteration(p, localVu, vuIteration, partIteration);
  const vus = Math.max(1, p.partVus ?? 1);
  const span = Math.max(vus, p.vuSpan ?? vus);
  return Math.floor(partIteration / vus) * span + p.vuOffset + (partIteration % vus);
}

/** Where worker `w`'s slice of an agent's closed share starts (VUs and shared iterations). */
export function workerOffsets(
  agent: { vuOffset: number; iterationOffset: number; vus: number; iterations: number },
  w: WorkerSlot,
): { vuOffset: number; iterationOffset: number } {
  const vusBefore = Math.floor((agent.vus * w.index) / w.count);
  const iterationsBefore = agent.vus === 0 ? 0 : Math.floor((agent.iterations * vusBefore) / agent.vus);
  return { vuOffset: agent.vuOffset + vusBefore, iterationOffset: agent.iterationOffset + iterationsBefore };
}

/**
 * ramping-vus: the VU indexes an agent with `workers` threads needs, its workers'
 * peak shares added up. A worker's share peaks at its own cluster total (a
 * segment's share is not monotone), so the sum can pass the agent's own peak
 * share: the planner gives each agent a block this wide, or its last worker's
 * VUs would take the next agent's numbers.
 */
export function rampVuBlock(
  startVus: number,
  stages: readonly VuStage[],
  segment: { start: number; end: number },
  workers: number,
): number {
  let n = 0;
  for (let index = 0; index < Math.max(1, workers); index++) {
    const s = subSegment(segment, { index, count: Math.max(1, workers) });
    n += peakShare(startVus, stages, s.start, s.end);
  }
  return n;
}

/** ramping-vus: where worker `w`'s VUs start, after the earlier workers' peak shares of the agent's segment. */
export function rampWorkerVuOffset(
  agentVuOffset: number,
  startVus: number,
  stages: readonly VuStage[],
  segment: { start: number; end: number },
  w: WorkerSlot,
): number {
  let offset = agentVuOffset;
  for (let k = 0; k < w.index; k++) {
    const s = subSegment(segment, { index: k, count: w.count });
    offset += peakShare(startVus, stages, s.start, s.end);
  }
  return offset;
}

/** Global offsets of each agent's part from the agents' shares, in plan order (prefix sums). */
export function offsetsOf(shares: readonly number[]): number[] {
  let acc = 0;
  return shares.map((s) => {
    const at = acc;
    acc += s;
    return at;
  });
}

/**
 * Where takeover `id` (1, 2, … in a run) starts numbering the VUs it adds: each
 * takeover has its own block past the plan's `span` VU indexes, wide enough for
 * a whole lost share however it is re-split, so no VU index (and so no
 * unbounded-model iteration index) is ever used twice.
 */
export function takeoverVuOffset(span: number, id: number, before: number): number {
  return (2 * span + 64) * id + before;
}
