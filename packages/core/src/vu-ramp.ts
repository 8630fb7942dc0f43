// ramping-vus: how many VUs the cluster wants at each instant, and this
// agent's part of them. Pure. The cluster target moves linearly between stage
// targets (rounded to whole VUs); an agent with segment [a,b) runs
// floor(T·b) − floor(T·a) of T, so at every instant the agents' VUs sum to T
// exactly (the sum telescopes to floor(T·1) − floor(T·0)).
export interface VuStage {
  durationMs: number;
  target: number;
}

/** Whole VUs the cluster runs `tMs` after the scenario's start. */
export function clusterVusAt(startVus: number, stages: readonly VuStage[], tMs: number): number {
  let from = startVus;
  let t = tMs;
  for (const s of stages) {
    if (t < s.durationMs) return Math.round(from + ((s.target - from) * t) / s.durationMs);
    t -= s.durationMs;
    from = s.target;
  }
  return Math.round(from);
}

/** Slack so that T·b landing a hair under an integer does not lose a VU; both neighbours use the same value. */
const EPS = 1e-9;

/** This agent's part of `total` for segment [start, end). */
export function segmentShare(total: number, start: number, end: number): number {
  return Math.floor(total * end + EPS) - Math.floor(total * start + EPS);
}

/** The most VUs this agent ever runs over the ramp (its pool is sized for it). */
export function peakShare(startVus: number, stages: readonly VuStage[], start: number, end: number): number {
  const peak = Math.max(startVus, ...stages.map((s) => s.target));
  let most = 0;
  // The share is not monotone in T, so look at every total the ramp passes through.
  for (let t = 0; t <= peak; t++) most = Math.max(most, segmentShare(t, start, end));
  return most;
}

export function rampDurationMs(stages: readonly VuStage[]): number {
  return stages.reduce((s, x) => s + x.durationMs, 0);
}
