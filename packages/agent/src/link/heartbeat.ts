// The agent's proof of life: every second, a Status on the open link saying
// what this agent is doing (its run's state, requests in flight, VUs, the
// response rate, CPU and event-loop p99). The controller judges the agent's
// liveness on it; the run's own health figures travel in its reports.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Clock } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import type { RunHandle } from '../run/run-handle.ts';
import { systemTimers, type Timer, type Timers } from '../timers.ts';

export const STATUS_MS = 1_000;

export interface HeartbeatOptions {
  /** The agent's clock: rates are per its seconds. */
  clock: Clock;
  timers?: Timers;
  link: { readonly open: boolean };
  /** The run the agent holds now, if any. */
  run: () => RunHandle | undefined;
  send: (status: barrage.v1.Status.$Properties) => void;
}

export class Heartbeat {
  private readonly o: HeartbeatOptions;
  private readonly timers: Timers;
  private timer: Timer | undefined;
  // The process's own gauges (perf_hooks, CPU time): only the process can tell them, no clock stands in.
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });
  private last: { at: number; cpu: NodeJS.CpuUsage; completed: number; run: RunHandle | undefined };

  constructor(o: HeartbeatOptions) {
    this.o = o;
    this.timers = o.timers ?? systemTimers;
    this.last = { at: o.clock.now(), cpu: process.cpuUsage(), completed: 0, run: undefined };
  }

  start(): void {
    this.loopDelay.enable();
    this.timer = this.timers.setInterval(() => this.beat(), STATUS_MS);
  }

  stop(): void {
    this.timers.clearInterval(this.timer);
    this.loopDelay.disable();
  }

  private beat(): void {
    const now = this.o.clock.now();
    const cpu = process.cpuUsage(this.last.cpu);
    const run = this.o.run();
    const completed = run?.completed ?? 0;
    // A new run's count starts from zero, not from the last run's total.
    const since = this.last.run === run ? this.last.completed : 0;
    const seconds = (now - this.last.at) / 1000;
    const s = run?.status;
    if (this.o.link.open) {
      this.o.send({
        runId: run?.runId ?? '',
        state: s?.state ?? 'idle',
        inFlight: s?.inFlight ?? 0,
        activeVus: s?.activeVus ?? 0,
        rps: seconds > 0 ? +((completed - since) / seconds).toFixed(1) : 0,
        cpuCores: seconds > 0 ? +((cpu.user + cpu.system) / 1e6 / seconds).toFixed(3) : 0,
        eventLoopP99Ms: +(this.loopDelay.percentile(99) / 1e6).toFixed(3),
      });
    }
    this.loopDelay.reset();
    this.last = { at: now, cpu: process.cpuUsage(), completed, run };
  }
}
