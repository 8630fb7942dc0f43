// NTP-style clock synchronisation against the controller. Pure arithmetic
// plus a small driver; the round with the lowest RTT gives the offset, since
// its one-way delays are the least able to be asymmetric.
export interface ClockRound {
  t0: number; // agent send (agent clock)
  t1: number; // controller receive (controller clock)
  t2: number; // controller send (controller clock)
  t3: number; // agent receive (agent clock)
}

export interface ClockEstimate {
  offsetMs: number; // controller clock - agent clock
  rttMs: number;
}

export function estimateRound(r: ClockRound): ClockEstimate {
  return {
    offsetMs: ((r.t1 - r.t0) + (r.t2 - r.t3)) / 2,
    rttMs: (r.t3 - r.t0) - (r.t2 - r.t1),
  };
}

/** The estimate from the round with the smallest RTT; throws on no rounds. */
export function bestEstimate(rounds: readonly ClockRound[]): ClockEstimate {
  let best: ClockEstimate | undefined;
  for (const r of rounds) {
    const e = estimateRound(r);
    if (best === undefined || e.rttMs < best.rttMs) best = e;
  }
  if (best === undefined) throw new Error('no clock rounds');
  return best;
}
