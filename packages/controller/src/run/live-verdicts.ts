// Thresholds judged while the run goes, on the merged results so far (rps over
// the time since the start): what live views show on each progress tick, and
// the abortOnFail ones that stop the run when they fail past their delay. The
// summary judges them all again on the complete data (one judge, merge/judge.ts).
import { formatDuration, formatThresholdValue } from '@barrage/core';
import { firstLiveFailure, judge } from '../merge/judge.ts';
import type { MonitorStats } from '../monitor/monitor-stats.ts';
import type { Threshold, ThresholdResult } from '../scenario/thresholds.ts';
import type { RunState } from './run-state.ts';

export class LiveVerdicts {
  private readonly state: RunState;
  private readonly monitors: () => Readonly<Record<string, MonitorStats>> | undefined;

  constructor(state: RunState, monitors: () => Readonly<Record<string, MonitorStats>> | undefined) {
    this.state = state;
    this.monitors = monitors;
  }

  judge(ts: readonly Threshold[]): ThresholdResult[] {
    const windowMs = Math.max(0, this.state.clock.now() - this.state.startAt);
    return judge(ts, { aggregate: this.state.aggregate, windowMs, monitors: this.monitors() });
  }

  /** Every threshold's verdict so far (undefined without thresholds), after the abortOnFail check. */
  tick(): ThresholdResult[] | undefined {
    const all = this.state.scenario.thresholds;
    this.abortOnFail(all.filter((t) => t.abortOnFail));
    return all.length > 0 ? this.judge(all) : undefined;
  }

  /** The first abortOnFail threshold that fails (past its delay, with a value) stops the run, which ends `failed`. */
  private abortOnFail(live: readonly Threshold[]): void {
    const s = this.state;
    if (s.aborted !== undefined) return;
    const elapsed = s.clock.now() - s.startAt;
    const failed = firstLiveFailure(live, elapsed, (due) => this.judge(due));
    if (failed === undefined) return;
    s.thresholdAbort = failed;
    s.notes.push(
      `threshold ${failed.expr} (${failed.scope}) failed at ${formatDuration(elapsed)} with ${formatThresholdValue(failed.expr, failed.value)}: run stopped (abortOnFail)`,
    );
    s.logger.warn({ run: s.runId, threshold: failed.expr, value: failed.value }, 'threshold failed: aborting');
    s.abort(`threshold ${failed.expr} failed`);
  }
}
