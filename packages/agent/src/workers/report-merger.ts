// Merges the interval reports of an agent's worker threads into one report per
// interval, so the controller sees one agent whatever its worker count. Pure:
// reports in, merged intervals out, in order. Interval k goes out once every
// worker has reported k or later (or ended before k); the merge is exact
// (histograms added bucket by bucket, counts summed), and the last worker's
// final report makes the merged one final. A worker that dies is written off
// where it stopped: what it reported is kept, the others are not held up.
import {
  addWireHistogram,
  type barrage,
  encodeHistogram,
  newIntervalHistogram,
  WireCounterTotals,
} from '@barrage/proto';
import type { Int32Histogram } from 'hdr-histogram-js';
import type { ReportStatus } from '../measure/reporter.ts';

type Stats = barrage.v1.RequestStats.$Properties;

export interface MergedInterval {
  interval: number;
  stats: Stats[];
  final: boolean;
  status: Required<ReportStatus>;
}

class NameTotals extends WireCounterTotals {
  readonly latency: Int32Histogram = newIntervalHistogram();
  readonly serviceTime: Int32Histogram = newIntervalHistogram();
  serviceTimeUsed = false;
  /** Retried attempts' service times (created on the first). */
  attemptServiceTime: Int32Histogram | null = null;

  add(s: Stats): void {
    addWireHistogram(this.latency, s.latency);
    if (s.serviceTime != null) {
      addWireHistogram(this.serviceTime, s.serviceTime);
      this.serviceTimeUsed = true;
    }
    if (s.attemptServiceTime != null)
      addWireHistogram((this.attemptServiceTime ??= newIntervalHistogram()), s.attemptServiceTime);
    // Counts summed; first_redirect is one per name for the agent, as from a
    // single-threaded one: the first worker's to arrive.
    this.addCounters(s);
  }

  wire(name: string): Stats {
    return {
      name,
      latency: encodeHistogram(this.latency),
      serviceTime: this.serviceTimeUsed ? encodeHistogram(this.serviceTime) : null,
      status: [...this.status].map(([status, count]) => ({ status, count })),
      errors: {
        timeout: this.errors.timeout,
        refused: this.errors.refused,
        reset: this.errors.reset,
        other: this.errors.other,
        tls: [...this.tlsReasons].map(([name, count]) => ({ name, count })),
      },
      ok: this.ok,
      rateLimited: this.rateLimited,
      failed: this.failed,
      retryAfterPresent: this.retryAfterPresent,
      dropped: this.dropped,
      bytesReceived: this.bytesReceived,
      bytesSent: this.bytesSent,
      firstRateLimitedAt: this.firstRateLimitedAt,
      checks: [...this.checks].map(([name, { passes, fails }]) => ({ name, passes, fails })),
      redirects: this.redirects,
      firstRedirect: this.firstRedirect,
      sessionRetries: this.sessionRetries,
      answeredH1: this.answeredH1,
      answeredH2: this.answeredH2,
      retries: this.retries,
      retriedAnswers: this.retriedAnswers,
      retriedRateLimited: this.retriedRateLimited,
      giveUps: this.giveUps,
      retriesBeforeRetryAfter: this.retriesBeforeRetryAfter,
      retryAfterBuckets: this.retries > 0 ? [...this.retryAfterBuckets] : [],
      attemptServiceTime: this.attemptServiceTime === null ? null : encodeHistogram(this.attemptServiceTime),
    };
  }
}

class IntervalTotals {
  readonly names = new Map<string, NameTotals>();
  eventLoopP99Ms = 0;
  eventLoopMaxMs = 0;
  eventLoopUtilization = 0;
  cpuCores = 0;
  /** Rows taken per data source: the workers' counts add up. */
  readonly dataRows = new Map<string, number>();
  /** Connections the workers opened: they add up. */
  connectionsOpened = 0;
}

interface WorkerState {
  /** The last interval it reported; -1: none yet. */
  last: number;
  /** The interval of its final report, or where it died. */
  endedAt: number | undefined;
  inFlight: number;
  activeVus: number;
  leaseExpiredAt: number;
}

export class ReportMerger {
  private readonly workers: WorkerState[];
  private readonly pending = new Map<number, IntervalTotals>();
  private readonly emit: (m: MergedInterval) => void;
  /** The last interval sent out; -1: none yet. */
  private emitted = -1;
  private ended = false;

  constructor(workers: number, emit: (m: MergedInterval) => void) {
    this.workers = Array.from({ length: workers }, () => ({
      last: -1,
      endedAt: undefined,
      inFlight: 0,
      activeVus: 0,
      leaseExpiredAt: 0,
    }));
    this.emit = emit;
  }

  /** Every worker has ended and the final merged report is out. */
  get finished(): boolean {
    return this.ended;
  }

  /** Whether a worker has sent its final report (or was written off). */
  workerEnded(worker: number): boolean {
    return this.workers[worker]?.endedAt !== undefined;
  }

  /** One worker's report (reports of a worker arrive in interval order). */
  add(worker: number, r: barrage.v1.Report.$Properties): void {
    const w = this.workers[worker]!;
    if (w.endedAt !== undefined || this.ended) return;
    // Never earlier than what already went out: a late report is folded into the next interval, not lost.
    const k = Math.max(r.interval ?? 0, this.emitted + 1);
    let t = this.pending.get(k);
    if (t === undefined) this.pending.set(k, (t = new IntervalTotals()));
    for (const s of r.stats ?? []) {
      const name = s.name ?? '';
      let n = t.names.get(name);
      if (n === undefined) t.names.set(name, (n = new NameTotals()));
      n.add(s);
    }
    for (const d of r.dataRows ?? [])
      t.dataRows.set(d.name ?? '', (t.dataRows.get(d.name ?? '') ?? 0) + (d.count ?? 0));
    t.connectionsOpened += r.connectionsOpened ?? 0;
    t.eventLoopP99Ms = Math.max(t.eventLoopP99Ms, r.eventLoopP99Ms ?? 0);
    t.eventLoopMaxMs = Math.max(t.eventLoopMaxMs, r.eventLoopMaxMs ?? 0);
    t.eventLoopUtilization = Math.max(t.eventLoopUtilization, r.eventLoopUtilization ?? 0);
    // Each worker measures the whole process's CPU: the same figure, not parts of a sum.
    t.cpuCores = Math.max(t.cpuCores, r.cpuCores ?? 0);
    w.last = Math.max(w.last, k);
    w.inFlight = r.inFlight ?? 0;
    w.activeVus = r.activeVus ?? 0;
    if ((r.leaseExpiredAt ?? 0) > 0) w.leaseExpiredAt = r.leaseExpiredAt!;
    if (r.final) w.endedAt = w.last;
    this.flush();
  }

  /** A worker that died: what it reported stays, nothing more is awaited from it. */
  gone(worker: number): void {
    const w = this.workers[worker]!;
    if (w.endedAt !== undefined) return;
    w.endedAt = w.last;
    w.inFlight = 0;
    w.activeVus = 0;
    this.flush();
  }

  private flush(): void {
    for (;;) {
      if (this.ended) return;
      const allEnded = this.workers.every((w) => w.endedAt !== undefined);
      if (this.pending.size === 0) {
        // Every worker gone without a last report to carry the end: an empty final one.
        if (allEnded)
          this.send(Math.max(this.emitted + 1, ...this.workers.map((w) => w.last)), new IntervalTotals(), true);
        return;
      }
      const k = Math.min(...this.pending.keys());
      if (!this.workers.every((w) => w.last >= k || (w.endedAt !== undefined && w.endedAt < k))) return;
      const t = this.pending.get(k)!;
      this.pending.delete(k);
      this.send(k, t, allEnded && this.pending.size === 0);
    }
  }

  private send(interval: number, t: IntervalTotals, final: boolean): void {
    this.emitted = interval;
    if (final) this.ended = true;
    const expiries = this.workers.map((w) => w.leaseExpiredAt).filter((x) => x > 0);
    this.emit({
      interval,
      final,
      stats: [...t.names].map(([name, n]) => n.wire(name)),
      status: {
        inFlight: this.workers.reduce((s, w) => s + w.inFlight, 0),
        activeVus: this.workers.reduce((s, w) => s + w.activeVus, 0),
        eventLoopP99Ms: t.eventLoopP99Ms,
        eventLoopMaxMs: t.eventLoopMaxMs,
        eventLoopUtilization: t.eventLoopUtilization,
        cpuCores: t.cpuCores,
        connectionsOpened: t.connectionsOpened,
        leaseExpiredAt: expiries.length > 0 ? Math.min(...expiries) : 0,
        dataRows: [...t.dataRows].map(([name, count]) => ({ name, count })),
        bySource: [], // --source-ips runs on one thread (agent-options.ts)
      },
    });
  }
}
