// Watches the controller link and the run between messages. A link on which
// the controller has been silent past the agent timeout is dropped (a cut
// cable leaves TCP open for minutes) so the agent redials; not on a tick that
// itself came late (this process stalled: frames may be waiting unread). The
// run's lease is asked on every tick too: a model with nothing due does not
// ask, and a run past its lease must stop at once.

import { type Clock, DEFAULT_AGENT_TIMEOUT_MS } from '@barrage/core';
import type { Logger } from 'pino';
import type { RunHandle } from '../run/run-handle.ts';
import { systemTimers, type Timer, type Timers } from '../timers.ts';

export const WATCH_MS = 100;
/** A watch tick this much later than due means the process stalled. */
export const LATE_TICK_MS = 1_000;

export interface LinkWatchOptions {
  /** The agent's clock: contact instants are on it. */
  clock: Clock;
  timers?: Timers;
  link: { readonly open: boolean; terminate(): void };
  /** The run the agent holds now, if any. */
  run: () => RunHandle | undefined;
  /** Each contact instant (worker threads keep a shared copy of it). */
  onContact?: (at: number) => void;
  logger: Logger;
}

export class LinkWatch {
  private readonly o: LinkWatchOptions;
  private readonly timers: Timers;
  private timer: Timer | undefined;
  /** Agent clock: the last frame or ping from the controller. */
  private contactAt = 0;
  /** Agent clock: when the current link opened (its silence is counted from then at the earliest). */
  private openedAt = 0;
  private lastTick = 0;

  constructor(o: LinkWatchOptions) {
    this.o = o;
    this.timers = o.timers ?? systemTimers;
  }

  /** The controller was heard from: a frame or a ping. */
  heard(): void {
    const at = this.o.clock.now();
    this.contactAt = at;
    this.o.onContact?.(at);
  }

  /** A link opened. Not contact yet: the lease is renewed by what the controller says, from Welcome on. */
  opened(): void {
    this.openedAt = this.o.clock.now();
  }

  /** Milliseconds since the controller was last heard from (the run's lease is judged on it). */
  get contactAgeMs(): number {
    return this.o.clock.now() - this.contactAt;
  }

  start(): void {
    this.lastTick = this.o.clock.now();
    this.timer = this.timers.setInterval(() => this.tick(), WATCH_MS);
  }

  stop(): void {
    this.timers.clearInterval(this.timer);
  }

  private tick(): void {
    const now = this.o.clock.now();
    const late = now - this.lastTick > WATCH_MS + LATE_TICK_MS;
    this.lastTick = now;
    const run = this.o.run();
    const silent = now - Math.max(this.contactAt, this.openedAt);
    if (!late && this.o.link.open && silent > (run?.agentTimeoutMs ?? DEFAULT_AGENT_TIMEOUT_MS)) {
      this.o.logger.warn({ silentMs: Math.round(silent) }, 'controller silent: dropping the link');
      this.o.link.terminate();
    }
    if (run !== undefined && (run.state === 'waiting' || run.state === 'running')) run.mayFire();
  }
}
