// The run's lease: load is fired only while the controller is heard from. It
// is asked before every arrival and iteration (and between them by the
// agent's watch), not only by a timer, so a process that was frozen past its
// lease fires nothing of its backlog when it wakes: a lost agent's share may
// be running elsewhere by then. Once it has run out it stays out.
import type { Clock } from '@barrage/core';
import type { Timers } from '../timers.ts';

export interface LeaseOptions {
  leaseMs: number;
  /** Milliseconds since the last contact with the controller (frame or ping). */
  contactAgeMs: () => number;
  /** The run's clock: when the lease ran out is reported on it. */
  clock: Clock;
  timers: Timers;
  /** Called once, when the lease runs out; `stop` follows on the next turn. */
  onExpired: (silentMs: number) => void;
  stop: () => void;
}

export class Lease {
  private readonly o: LeaseOptions;
  /** When the lease ran out and firing stopped for good (run clock); 0 = never. */
  expiredAt = 0;

  constructor(o: LeaseOptions) {
    this.o = o;
  }

  /** False for good once the lease has run out (no contact with the controller for leaseMs). */
  readonly mayFire = (): boolean => {
    if (this.expiredAt > 0) return false;
    const age = this.o.contactAgeMs();
    if (age <= this.o.leaseMs) return true;
    this.expiredAt = this.o.clock.now();
    this.o.onExpired(age);
    this.o.timers.setImmediate(() => this.o.stop());
    return false;
  };
}
