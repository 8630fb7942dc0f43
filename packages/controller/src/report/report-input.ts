// What every report is made from: the summary (the same the API serves), the
// scenario as run, the target, the monitor series and, for the HTML report's
// charts, the merged intervals.
import type { StoredInterval } from '../merge/interval-figures.ts';
import type { MonitorSample } from '../monitor/monitor-stats.ts';
import type { Summary } from '../results/summary.ts';
import type { Scenario } from '../scenario/scenario.ts';

export interface ReportInput {
  summary: Summary;
  /** The scenario as run; undefined when the stored one does not validate (an error run's may never have). */
  scenario: Scenario | undefined;
  /** The base URL the run used (after --target). */
  target: string | undefined;
  monitorSamples: Readonly<Record<string, readonly MonitorSample[]>>;
  /** The merged intervals and their length, for the HTML report's charts (the Markdown report does not use them). */
  series?: { intervalMs: number; intervals: readonly StoredInterval[] };
}
