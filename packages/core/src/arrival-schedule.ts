// Open-model fire times: a pure function of the scenario's start and an
// arrival's index, so nothing drifts the way chained timers do.
//
// The arrival rate is piecewise linear over stages (a constant rate is one
// stage). A(t) counts the arrivals due by t; the cluster's N = floor(A(end))
// arrivals sit at positions u = 0, 1, ..., N-1 and fire at A⁻¹(u). The planner
// gives agent k n_k of them (the n_k sum to N); the agent fires its j-th at
// position u = (j + phase)·N/n_k, phase being its segment start. Each agent's
// own arrivals are evenly spread; merged, the cluster is never more than one
// arrival per agent ahead of or behind its schedule, and K agents with equal
// counts interleave into exactly the cluster's schedule (agent k fires u = j·K + k).
export interface RateStage {
  durationMs: number;
  /** Arrivals per second reached at the end of the stage (linear from the previous rate). */
  target: number;
}

/** Slack when flooring A(end), so 500/300 per s over 300 s gives 500, not 499.999…: far below one arrival. */
const EPS = 1e-6;

export class ArrivalSchedule {
  private readonly starts: number[] = []; // stage start, ms
  private readonly before: number[] = []; // A at stage start
  private readonly r0: number[] = []; // rate at stage start, per ms
  private readonly r1: number[] = []; // rate at stage end, per ms
  private readonly d: number[] = [];
  readonly durationMs: number;
  /** The cluster's arrivals: floor(A(end)). */
  readonly total: number;

  constructor(startRate: number, stages: readonly RateStage[]) {
    if (!(startRate >= 0) || !Number.isFinite(startRate)) throw new RangeError(`start rate ${startRate}`);
    let t = 0;
    let a = 0;
    let rate = startRate / 1000;
    for (const s of stages) {
      if (!(s.durationMs >= 0) || !Number.isFinite(s.durationMs) || !(s.target >= 0) || !Number.isFinite(s.target)) {
        throw new RangeError(`stage ${JSON.stringify(s)}`);
      }
      const end = s.target / 1000;
      this.starts.push(t);
      this.before.push(a);
      this.r0.push(rate);
      this.r1.push(end);
      this.d.push(s.durationMs);
      a += ((rate + end) / 2) * s.durationMs;
      t += s.durationMs;
      rate = end;
    }
    this.durationMs = t;
    this.total = Math.floor(a + EPS);
    if (!Number.isSafeInteger(this.total)) throw new RangeError('too many arrivals');
  }

  /** A(t): arrivals due by `tMs` after the scenario's start (fractional). */
  cumulative(tMs: number): number {
    const i = this.stageAt(tMs);
    if (i < 0) return 0;
    const x = Math.min(tMs - this.starts[i]!, this.d[i]!);
    const slope = this.d[i]! > 0 ? (this.r1[i]! - this.r0[i]!) / this.d[i]! : 0;
    return this.before[i]! + this.r0[i]! * x + (slope / 2) * x * x;
  }

  /** A⁻¹(u): when position `u` (0 <= u < total) is due, ms after the scenario's start. */
  timeOf(u: number): number {
    if (this.d.length === 0) return 0;
    // The first stage whose end lies beyond u: stages at rate 0 are skipped.
    let lo = 0;
    let hi = this.d.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.before[mid]! + ((this.r0[mid]! + this.r1[mid]!) / 2) * this.d[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    const i = lo;
    const delta = Math.max(0, u) - this.before[i]!;
    const b = this.r0[i]!;
    const a = this.d[i]! > 0 ? (this.r1[i]! - this.r0[i]!) / (2 * this.d[i]!) : 0;
    // b·x + a·x² = delta, in the form that stays exact as a → 0.
    const x = delta <= 0 ? 0 : (2 * delta) / (b + Math.sqrt(Math.max(0, b * b + 4 * a * delta)));
    return this.starts[i]! + Math.min(Math.max(0, x), this.d[i]!);
  }

  /** When agent's j-th of its `count` arrivals fires (ms after the scenario's start). */
  agentTime(j: number, count: number, phase: number): number {
    return this.timeOf(((j + phase) * this.total) / count);
  }

  private stageAt(tMs: number): number {
    if (this.d.length === 0 || tMs <= 0) return -1;
    let i = 0;
    while (i < this.d.length - 1 && tMs >= this.starts[i + 1]!) i++;
    return i;
  }
}
