// The agent's own health, per report interval: how late its event loop ran
// (p99 and max), how much of the time it was busy (event-loop utilisation) and
// the CPU it used (1.0 = one core). A 10 ms timer measures its own lateness
// (perf_hooks' monitorEventLoopDelay loses a stall that follows its reset()).
// An agent whose loop lags, or never rests, fires and times its requests late,
// so the controller flags its latencies.
const TICK_MS = 10;
/** CPU and utilisation are rates: over less than this they are not reported. */
const MIN_RATE_WINDOW_MS = 250;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export class AgentHealth {
  private delays: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private expected = 0;
  private cpu = process.cpuUsage();
  private at = performance.now();
  private elu = performance.eventLoopUtilization();

  start(): void {
    this.cpu = process.cpuUsage();
    this.at = performance.now();
    this.elu = performance.eventLoopUtilization();
    this.expected = performance.now() + TICK_MS;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.delays.push(Math.max(0, now - this.expected));
      this.expected = now + TICK_MS;
    }, TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Since the previous call: event-loop delay p99 and max in ms, the loop's busy share, and cores busy. */
  sample(): { eventLoopP99Ms: number; eventLoopMaxMs: number; eventLoopUtilization: number; cpuCores: number } {
    // The tick still due now counts too: a stall in progress shows at once.
    const d = [...this.delays, Math.max(0, performance.now() - this.expected)].sort((a, b) => a - b);
    this.delays = [];
    const p99 = d[Math.min(d.length - 1, Math.ceil(0.99 * d.length) - 1)] ?? 0;
    const max = d[d.length - 1] ?? 0;
    const now = performance.now();
    const used = process.cpuUsage(this.cpu);
    this.cpu = process.cpuUsage();
    // A rate over a sliver of time (the final, partial interval) says nothing: under a CPU quota
    // a process may run on every core for a few ms. Such windows report 0 (the worst interval is kept).
    const window = now - this.at;
    const cores = window >= MIN_RATE_WINDOW_MS ? (used.user + used.system) / 1000 / window : 0;
    this.at = now;
    const elu = performance.eventLoopUtilization();
    const busy = window >= MIN_RATE_WINDOW_MS ? performance.eventLoopUtilization(elu, this.elu).utilization : 0;
    this.elu = elu;
    return { eventLoopP99Ms: round3(p99), eventLoopMaxMs: round3(max), eventLoopUtilization: round3(busy), cpuCores: round3(cores) };
  }
}
