// Turns a going run into its events: each interval once every running agent
// has reported it (with its open histogram), again as it closes (with the final
// one) and once more at the end (final counters); each monitor sample once; a
// progress tick per interval. Knows what it has told, so nothing is told twice
// that did not change.
import type { Float64Histogram } from 'hdr-histogram-js';
import { agentLabels, intervalFigures } from '../merge/interval-figures.ts';
import type { IntervalDetail } from '../merge/run-aggregate.ts';
import type { MonitorSample } from '../monitor/monitor-stats.ts';
import type { ThresholdResult } from '../scenario/thresholds.ts';
import type { RunEvents, RunView } from './events.ts';

export class RunPublisher {
  private readonly events: Required<RunEvents>;
  private readonly view: RunView;
  /** The newest interval told while the run went. */
  private told = -1;
  /** Per monitor: samples told so far. */
  private readonly samplesTold = new Map<string, number>();
  private names: Map<string, string> | undefined;

  constructor(events: Required<RunEvents>, view: RunView) {
    this.events = events;
    this.view = view;
  }

  /** An interval closing, with its final histogram. */
  closed(p: IntervalDetail, h: Float64Histogram): void {
    this.events.interval(intervalFigures(p, h, this.labels()), h);
  }

  /** A progress tick: the intervals completed since the last, new monitor samples, live verdicts, then the tick. */
  tick(
    samples: Readonly<Record<string, readonly MonitorSample[]>>,
    live: readonly ThresholdResult[] | undefined,
  ): void {
    const complete = this.view.completeInterval;
    for (let k = this.told + 1; k <= complete; k++) {
      const p = this.view.aggregate.intervals.get(k);
      if (p !== undefined) this.events.interval(intervalFigures(p, p.latency, this.labels()), p.latency);
    }
    this.told = Math.max(this.told, complete);
    this.monitors(samples);
    if (live !== undefined) this.events.thresholds(live);
    this.events.progress(this.view);
  }

  /** The monitor samples not told yet. */
  monitors(samples: Readonly<Record<string, readonly MonitorSample[]>>): void {
    for (const [name, list] of Object.entries(samples)) {
      const from = this.samplesTold.get(name) ?? 0;
      for (let i = from; i < list.length; i++) this.events.monitorSample(name, list[i]!, i);
      this.samplesTold.set(name, Math.max(from, list.length));
    }
  }

  /** At the end: every interval's final counters (late reports may have changed one closed earlier). */
  final(series: readonly IntervalDetail[]): void {
    for (const p of series) this.events.interval(intervalFigures(p, null, this.labels()), null);
  }

  private labels(): Map<string, string> {
    return (this.names ??= agentLabels(this.view.participants.values()));
  }
}
