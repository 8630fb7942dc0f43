// Everything known about one request name (or all of them) over any span of
// time: counters and latency histograms, added exactly from wire RequestStats.
import { addWireHistogram, type barrage, newTotalHistogram, WireCounterTotals, wireErrorTotal } from '@barrage/proto';
import type { Float64Histogram } from 'hdr-histogram-js';

export type ErrorCounts = { timeout: number; refused: number; reset: number; other: number; tls: number };

type WireStats = barrage.v1.RequestStats.$Properties;

/** Responses in a wire RequestStats (one per latency sample, one per status count). */
export function responsesOf(s: WireStats): number {
  return (s.status ?? []).reduce((n, sc) => n + sc.count!, 0);
}

/** Network errors in a wire RequestStats. */
export function errorsOf(s: WireStats): number {
  return wireErrorTotal(s.errors);
}

/** Everything known about one request name (or all of them), over any span of time. */
export class RequestTotals extends WireCounterTotals {
  protected readonly latencyHistogram: Float64Histogram = newTotalHistogram();
  protected serviceTimeHistogram: Float64Histogram | null = null;
  /** Retried attempts' service times (per name only; null until one arrived). */
  attemptServiceTime: Float64Histogram | null = null;

  get latency(): Float64Histogram {
    return this.latencyHistogram;
  }

  /** Service time (only open models send one); null until some arrived. */
  get serviceTime(): Float64Histogram | null {
    return this.serviceTimeHistogram;
  }

  /** Attempts: responses and requests that got none. */
  get requests(): number {
    const e = this.errors;
    return this.responses + e.timeout + e.refused + e.reset + e.other + e.tls;
  }

  /** Answers with a status (one latency sample each, or a retried attempt's): what throughput counts. */
  get responses(): number {
    return this.latency.totalCount + this.retriedAnswers;
  }

  add(s: WireStats): void {
    addWireHistogram(this.latencyHistogram, s.latency);
    if (s.serviceTime) addWireHistogram(this.serviceTimeTarget(), s.serviceTime);
    if (s.attemptServiceTime) addWireHistogram((this.attemptServiceTime ??= newTotalHistogram()), s.attemptServiceTime);
    this.addCounters(s);
  }

  /** The service-time histogram to add into, created on first use. */
  serviceTimeTarget(): Float64Histogram {
    return (this.serviceTimeHistogram ??= newTotalHistogram());
  }
}

/**
 * The run's totals: counters added as reports come, histograms summed from the names' only
 * when read (a third histogram add per report saved; a read costs one pass per name). The
 * Float64Histogram handed out is refreshed on each read of `latency`/`serviceTime`, not live.
 */
export class RunTotals extends RequestTotals {
  private readonly parts: ReadonlyMap<string, RequestTotals>;
  private stale = false;

  constructor(parts: ReadonlyMap<string, RequestTotals>) {
    super();
    this.parts = parts;
  }

  /** Counters now; the histograms of `s` are already in its name's totals. */
  override add(s: WireStats): void {
    this.addCounters(s);
    this.stale = true;
  }

  override get latency(): Float64Histogram {
    this.refresh();
    return this.latencyHistogram;
  }

  override get serviceTime(): Float64Histogram | null {
    this.refresh();
    return this.serviceTimeHistogram;
  }

  private refresh(): void {
    if (!this.stale) return;
    this.stale = false;
    // HdrHistogram add of same-layout histograms: bucket by bucket, min/max merged, exact.
    this.latencyHistogram.reset();
    this.serviceTimeHistogram?.reset();
    let service = false;
    for (const part of this.parts.values()) {
      this.latencyHistogram.add(part.latency);
      const st = part.serviceTime;
      if (st !== null) {
        this.serviceTimeTarget().add(st);
        service = true;
      }
    }
    if (!service) this.serviceTimeHistogram = null;
  }
}
