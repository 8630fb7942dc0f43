// Weighted choice of the next request for one VU: smooth weighted round-robin,
// so every window of sum(weights) picks matches the weights exactly (50/30/20
// over ten requests is exactly 5/3/2), with no randomness to reconcile.
export class RequestMix {
  private readonly weights: Float64Array;
  private readonly current: Float64Array;
  private readonly total: number;

  constructor(weights: readonly number[]) {
    if (weights.length === 0) throw new Error('a mix needs at least one request');
    this.weights = Float64Array.from(weights);
    this.current = new Float64Array(weights.length);
    this.total = weights.reduce((a, b) => a + b, 0);
  }

  /** Index of the next request. */
  next(): number {
    const n = this.weights.length;
    if (n === 1) return 0;
    let best = 0;
    for (let i = 0; i < n; i++) {
      this.current[i]! += this.weights[i]!;
      if (this.current[i]! > this.current[best]!) best = i;
    }
    this.current[best]! -= this.total;
    return best;
  }
}
