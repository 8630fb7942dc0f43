// A monitor's time series and what thresholds read of it: first, last, min,
// max, avg, growth and rate. Pure.
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
  samples: number;
  errors: number;
}

/** first, last, min, max, avg, growth (last - first) and rate of a series; NaN where there are no samples. */
export function monitorStats(samples: readonly MonitorSample[], errors = 0): MonitorStats {
  if (samples.length === 0)
    return { first: NaN, last: NaN, min: NaN, max: NaN, avg: NaN, growth: NaN, rate: NaN, samples: 0, errors };
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
    errors,
  };
}
