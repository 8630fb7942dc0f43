// The agent's own health, per report interval: how late its event loop ran
// (p99 and max), how much of the time it was busy (event-loop utilisation) and
// the CPU it used (1.0 = one core). A 10 ms timer measures its own lateness
// on the run's clock (perf_hooks' monitorEventLoopDelay loses a stall that
// follows its reset()). An agent whose loop lags, or never rests, fires and
// times its requests late, so the controller flags its latencies.

import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Clock } from '@barrage/core';
import type { Timer, Timers } from '../timers.ts';

const TICK_MS = 10;
/** p99 is taken over the last second of ticks, whatever the interval: 1 % of a second is one tick, not one of ten. */
const P99_TICKS = 1_000 / TICK_MS;
/** CPU and utilisation are rates: over less than this they are not reported. */
const MIN_RATE_WINDOW_MS = 250;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** What only the process itself can tell: CPU time used, and how busy its event loop was. */
export interface ProcessGauges {
  cpuUsage(previous?: NodeJS.CpuUsage): NodeJS.CpuUsage;
  eventLoopUtilization(later?: EventLoopUtilization, earlier?: EventLoopUtilization): EventLoopUtilization;
}

export const processGauges: ProcessGauges = {
  cpuUsage: (previous) => process.cpuUsage(previous),
  eventLoopUtilization: (later, earlier) => performance.eventLoopUtilization(later, earlier),
};

export interface AgentHealthOptions {
  /** Ticks are due and found late on this clock (the run's); rates are per its milliseconds. */
  clock: Clock;
  timers: Timers;
  /** Default: this process's. */
  gauges?: ProcessGauges;
}

export class AgentHealth {
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly gauges: ProcessGauges;
  private delays: number[] = [];
  /** The last P99_TICKS lateness values, across samples. */
  private recent: number[] = [];
  private timer: Timer | undefined;
  private expected = 0;
  private cpu: NodeJS.CpuUsage;
  private at: number;
  private elu: EventLoopUtilization;

  constructor(o: AgentHealthOptions) {
    this.clock = o.clock;
    this.timers = o.timers;
    this.gauges = o.gauges ?? processGauges;
    this.cpu = this.gauges.cpuUsage();
    this.at = this.clock.now();
    this.elu = this.gauges.eventLoopUtilization();
  }

  start(): void {
    this.cpu = this.gauges.cpuUsage();
    this.at = this.clock.now();
    this.elu = this.gauges.eventLoopUtilization();
    this.expected = this.clock.now() + TICK_MS;
    this.timer = this.timers.setInterval(() => {
      const now = this.clock.now();
      const late = Math.max(0, now - this.expected);
      this.delays.push(late);
      this.recent.push(late);
      if (this.recent.length > P99_TICKS) this.recent.shift();
      this.expected = now + TICK_MS;
    }, TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    this.timers.clearInterval(this.timer);
  }

  /** Since the previous call: event-loop delay p99 and max in ms, the loop's busy share, and cores busy. */
  sample(): { eventLoopP99Ms: number; eventLoopMaxMs: number; eventLoopUtilization: number; cpuCores: number } {
    // The tick still due now counts too: a stall in progress shows at once. Never started
    // (a run stopped before its start instant): there is no tick, and no lateness to report.
    const pending = this.timer === undefined ? [] : [Math.max(0, this.clock.now() - this.expected)];
    const max = Math.max(0, ...this.delays, ...pending);
    this.delays = [];
    // Over the last second of ticks, padded with on-time ticks when fewer have run (a short run,
    // short intervals): one stall in a 0.3 s run is 1 % of a second, not its p99.
    const lastSecond = [...this.recent, ...pending].slice(-P99_TICKS);
    const d = [...lastSecond, ...new Array<number>(P99_TICKS - lastSecond.length).fill(0)].sort((a, b) => a - b);
    const p99 = d[Math.ceil(0.99 * d.length) - 1] ?? 0;
    const now = this.clock.now();
    // A rate over a sliver of time says nothing: under a CPU quota a process may run on every
    // core for a few ms. Short intervals (100 ms) carry their time over until the window is long
    // enough; a window still too short reports 0 (the worst interval is kept).
    const window = now - this.at;
    let cores = 0;
    let busy = 0;
    if (window >= MIN_RATE_WINDOW_MS) {
      const used = this.gauges.cpuUsage(this.cpu);
      this.cpu = this.gauges.cpuUsage();
      cores = (used.user + used.system) / 1000 / window;
      this.at = now;
      const elu = this.gauges.eventLoopUtilization();
      busy = this.gauges.eventLoopUtilization(elu, this.elu).utilization;
      this.elu = elu;
    }
    return {
      eventLoopP99Ms: round3(p99),
      eventLoopMaxMs: round3(max),
      eventLoopUtilization: round3(busy),
      cpuCores: round3(cores),
    };
  }
}
