// A run's lifecycle as a declared interface. The run tells its listeners, in
// this order: started (the Start went out), then while it goes each interval
// as every running agent has reported it (again when late reports change it,
// and once more final), each monitor sample, live threshold verdicts and a
// progress tick; at the end `ended`, with the summary and its final verdicts. The run service
// registers the store writer and the live event stream where it creates the
// run; `controller start` adds its progress display.
import type { Float64Histogram } from 'hdr-histogram-js';
import type { Logger } from 'pino';
import type { StoredInterval } from '../merge/interval-figures.ts';
import type { RunAggregate } from '../merge/run-aggregate.ts';
import type { MonitorSample } from '../monitor/monitor-stats.ts';
import type { RunResult } from '../results/run-result.ts';
import type { Summary } from '../results/summary.ts';
import type { ThresholdResult } from '../scenario/thresholds.ts';
import type { Participant } from './participant.ts';

export interface RunStarted {
  runId: string;
  scenario: string;
  /** Controller clock: the instant every agent started on. */
  plannedStartAt: number;
  intervalMs: number;
}

export interface RunEnded {
  runId: string;
  /** The summary's status, or `error` when the run could not start or failed outright. */
  status: string;
  error?: string;
  /** Set unless the run ended in error. */
  summary?: Summary;
  result?: RunResult;
}

/** What live views read of a run going on (a progress tick hands it over). */
export interface RunView {
  readonly runId: string;
  readonly startAt: number;
  readonly intervalMs: number;
  readonly aggregate: RunAggregate;
  readonly participants: ReadonlyMap<string, Participant>;
  /** The newest interval every agent still running has reported (-1 before that). */
  readonly completeInterval: number;
}

/** Every method is optional: a listener implements what it needs. */
export interface RunEvents {
  started?(e: RunStarted): void;
  /** An interval's figures, with its histogram while it is open or as it closes (null: figures only). */
  interval?(figures: StoredInterval, histogram: Float64Histogram | null): void;
  /** A monitor's sample number `index` (each is told once, in order). */
  monitorSample?(name: string, sample: MonitorSample, index: number): void;
  /** Live verdicts on the results so far (the final ones come with `ended`, in its summary). */
  thresholds?(results: readonly ThresholdResult[]): void;
  /**
   * Just after each interval boundary while the run goes, even when no interval completed (an
   * agent lost, say): live views redraw, the store notes this controller is alive.
   */
  progress?(run: RunView): void;
  ended?(e: RunEnded): void;
}

/** Several listeners as one, in order; a listener that throws is logged and skipped, never the run. */
export class RunEventFanout implements Required<RunEvents> {
  private readonly listeners: readonly RunEvents[];
  private readonly logger: Logger | undefined;

  constructor(listeners: readonly RunEvents[], logger?: Logger) {
    this.listeners = listeners;
    this.logger = logger;
  }

  started(e: RunStarted): void {
    this.each('started', (l) => l.started?.(e));
  }
  interval(f: StoredInterval, h: Float64Histogram | null): void {
    this.each('interval', (l) => l.interval?.(f, h));
  }
  monitorSample(name: string, s: MonitorSample, index: number): void {
    this.each('monitorSample', (l) => l.monitorSample?.(name, s, index));
  }
  thresholds(results: readonly ThresholdResult[]): void {
    this.each('thresholds', (l) => l.thresholds?.(results));
  }
  progress(run: RunView): void {
    this.each('progress', (l) => l.progress?.(run));
  }
  ended(e: RunEnded): void {
    this.each('ended', (l) => l.ended?.(e));
  }

  private each(event: string, call: (l: RunEvents) => void): void {
    for (const l of this.listeners) {
      try {
        call(l);
      } catch (err) {
        this.logger?.error({ event, err: (err as Error).message }, 'run event listener failed');
      }
    }
  }
}
