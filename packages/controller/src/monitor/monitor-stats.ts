// A monitor's time series and what thresholds read of it: first, last, min,
// max, avg, growth and rate; and why its polls failed, counted by reason in a
// bounded tally (a target that fails the same way 400 times is one line). Pure.
export interface MonitorSample {
  /** ms since the run's start instant. */
  t: number;
  value: number;
}

export interface MonitorStats {
  first: number;
  last: number;
  min: number;
  max: number;
  avg: number;
  growth: number;
  /** growth per second between the first and last sample (a counter of CPU seconds: cores busy). */
  rate: number;
  /** Samples it had (the preflight poll is not one). */
  samples: number;
  /** Failed polls (the older name of failedPolls, kept for readers of earlier summaries). */
  errors: number;
  /** Polls that gave no sample, the preflight's included. */
  failedPolls: number;
  /** Why they failed: reason -> count ("HTTP 404", "metric x missing", "timeout after 2000 ms"). */
  failures: Record<string, number>;
}

/** At most this many distinct reasons are kept; later new ones are counted under OTHER_REASONS. */
export const MAX_REASONS = 10;
export const OTHER_REASONS = 'other reasons';

/** Failed polls by reason, at most MAX_REASONS keys. */
export class FailureTally {
  private readonly byReason = new Map<string, number>();
  total = 0;

  add(reason: string): void {
    this.total++;
    const key =
      this.byReason.has(reason) || this.byReason.size < MAX_REASONS - 1 || reason === OTHER_REASONS
        ? reason
        : OTHER_REASONS;
    this.byReason.set(key, (this.byReason.get(key) ?? 0) + 1);
  }

  record(): Record<string, number> {
    return Object.fromEntries(this.byReason);
  }
}

/** first, last, min, max, avg, growth (last - first) and rate of a series; NaN where there are no samples. */
export function monitorStats(
  samples: readonly MonitorSample[],
  failures: Readonly<Record<string, number>> = {},
): MonitorStats {
  const failedPolls = Object.values(failures).reduce((a, b) => a + b, 0);
  const polls = { errors: failedPolls, failedPolls, failures: { ...failures } };
  if (samples.length === 0)
    return { first: NaN, last: NaN, min: NaN, max: NaN, avg: NaN, growth: NaN, rate: NaN, samples: 0, ...polls };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const s of samples) {
    min = Math.min(min, s.value);
    max = Math.max(max, s.value);
    sum += s.value;
  }
  const first = samples[0]!.value;
  const last = samples[samples.length - 1]!.value;
  const span = (samples[samples.length - 1]!.t - samples[0]!.t) / 1000;
  return {
    first,
    last,
    min,
    max,
    avg: sum / samples.length,
    growth: last - first,
    rate: span > 0 ? (last - first) / span : NaN,
    samples: samples.length,
    ...polls,
  };
}
