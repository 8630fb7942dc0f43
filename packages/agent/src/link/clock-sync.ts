// NTP-style clock synchronisation against the controller. Pure arithmetic
// plus a small driver (ClockSync: ping, collect rounds, estimate); the round
// with the lowest RTT gives the offset, since its one-way delays are the least
// able to be asymmetric, and its error is at most half that RTT.
import type { Clock } from '@barrage/core';

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
    offsetMs: (r.t1 - r.t0 + (r.t2 - r.t3)) / 2,
    rttMs: r.t3 - r.t0 - (r.t2 - r.t1),
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

export interface ClockSyncOptions {
  /** The agent's own clock. */
  clock: Clock;
  /** Rounds per synchronisation. */
  rounds: number;
  /** Sends a ClockPing. */
  ping: (p: { id: number; t0: number }) => void;
}

/** One agent's synchronisation with its controller: restarted on every Welcome. */
export class ClockSync {
  private readonly o: ClockSyncOptions;
  private rounds: ClockRound[] = [];
  private pingId = 0;
  /** The last estimate (0 until the first synchronisation completes). */
  offsetMs = 0;
  rttMs = 0;

  constructor(o: ClockSyncOptions) {
    this.o = o;
  }

  /** Forgets earlier rounds and sends the first ping. */
  restart(): void {
    this.rounds = [];
    this.ping();
  }

  /** Enough rounds are in: the estimate stands. */
  get synced(): boolean {
    return this.rounds.length >= this.o.rounds;
  }

  /** A ClockPong: pings again until enough rounds are in, then returns the estimate (and keeps it). */
  pong(p: { t0: number; t1: number; t2: number }): ClockEstimate | undefined {
    this.rounds.push({ t0: p.t0, t1: p.t1, t2: p.t2, t3: this.o.clock.now() });
    if (!this.synced) {
      this.ping();
      return undefined;
    }
    const e = bestEstimate(this.rounds);
    this.offsetMs = e.offsetMs;
    this.rttMs = e.rttMs;
    return e;
  }

  private ping(): void {
    this.o.ping({ id: ++this.pingId, t0: this.o.clock.now() });
  }
}
