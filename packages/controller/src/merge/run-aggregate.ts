// Merging agent reports into exact cluster-wide results, per interval and in
// total. Pure: no I/O, no clock.
//
// Each (agent, seq) is merged once. Latency histograms are added bucket by
// bucket (HdrHistogram add is exact), so merged percentiles equal those of one
// histogram holding every sample. Reports must be validated first
// (run/report-validation.ts); merging itself cannot fail half-way.
import {
  addWireHistogram,
  addWireHistogramTo,
  type barrage,
  newTotalHistogram,
  ProtoErrors,
  scanHistogram,
} from '@barrage/proto';
import type { Float64Histogram } from 'hdr-histogram-js';
import { type ErrorCounts, errorsOf, RequestTotals, RunTotals, responsesOf } from './request-totals.ts';
import { type AddressTotals, addBySource } from './source-breakdown.ts';

export { type ErrorCounts, RequestTotals } from './request-totals.ts';

/** One interval, cluster-wide. The histogram is dropped once the interval is closed. */
export interface IntervalPoint {
  interval: number;
  /** Answered requests and network errors: ok + rateLimited + failed. */
  requests: number;
  ok: number;
  rateLimited: number;
  failed: number;
  latency: Float64Histogram | null;
  p50Us: number;
  p95Us: number;
  p99Us: number;
  maxUs: number;
  meanUs: number;
}

/**
 * What an interval holds beyond its outcome classes: the status counts and network errors
 * (together exactly `requests`), the requests per agent id (summing to `requests`), and the
 * arrivals dropped (never sent, so not in `requests`).
 */
export interface IntervalBreakdown {
  dropped: number;
  status: Map<number, number>;
  errors: ErrorCounts;
  agents: Map<string, number>;
}

/** An interval as the run's aggregate keeps it. */
export type IntervalDetail = IntervalPoint & IntervalBreakdown;

export interface AgentTotals {
  requests: number;
  /** Rows taken per data source. */
  dataRows: Map<string, number>;
  status: Map<number, number>;
  lastInterval: number;
  reports: number;
  final: boolean;
  /** Connections it opened to targets (Report.connections_opened). */
  connectionsOpened: number;
  /** Requests by source address (agent --source-ips; Report.by_source). */
  bySource: Map<string, AddressTotals>;
}

/** An interval closing: its counters, and its final histogram (released once this returns). */
export type IntervalClosed = (p: IntervalDetail, histogram: Float64Histogram) => void;

/**
 * How many recent intervals keep their histogram open for late reports (a resend after a
 * reconnect). ~188 KB each. A report later than that still counts in every total; only
 * that interval's percentiles miss it, and `lateLatencies` says how many samples did.
 */
const OPEN_INTERVALS = 60;

export class RunAggregate {
  readonly byName = new Map<string, RequestTotals>();
  /** Every name together; its histograms are the names' summed when read. */
  readonly total: RequestTotals = new RunTotals(this.byName);
  /**
   * What thresholds scoped to all requests judge: every name but the session-only ones (session
   * and teardown steps, docs/scenarios.md "Sessions"); the total itself when there are none.
   */
  readonly judged: RequestTotals;
  private readonly sessionOnly: ReadonlySet<string>;
  /** Latency samples merged so far (the total's count, without summing its histogram). */
  private samples = 0;
  readonly intervals = new Map<number, IntervalDetail>();
  readonly agents = new Map<string, AgentTotals>();
  private readonly merged = new Map<string, Set<number>>();
  duplicates = 0;
  lateLatencies = 0;
  newestInterval = -1;
  private readonly onClosed: IntervalClosed | undefined;

  /** `onClosed` is told each interval's final histogram as it closes (the run publishes it: the store keeps it). */
  constructor(names: Iterable<string>, onClosed?: IntervalClosed, sessionOnly: Iterable<string> = []) {
    for (const n of names) this.byName.set(n, new RequestTotals());
    this.onClosed = onClosed;
    this.sessionOnly = new Set(sessionOnly);
    this.judged =
      this.sessionOnly.size === 0
        ? this.total
        : new RunTotals(new Map([...this.byName].filter(([n]) => !this.sessionOnly.has(n))));
  }

  /** Merges a validated report once; returns false for an (agent, seq) already merged. */
  add(agentId: string, r: barrage.v1.Report.$Properties): boolean {
    // A histogram cannot count past 2^53: refuse the whole report before any of it is merged.
    // (Scanning each latency histogram here also refuses a malformed one before any merging.)
    const samples = (r.stats ?? []).reduce((n, s) => n + scanHistogram(s.latency).total, 0);
    if (this.samples + samples > Number.MAX_SAFE_INTEGER) {
      throw new ProtoErrors.HISTOGRAM_INVALID(`adding ${samples} samples to ${this.samples} would pass 2^53`);
    }
    let seqs = this.merged.get(agentId);
    if (seqs === undefined) this.merged.set(agentId, (seqs = new Set()));
    if (seqs.has(r.seq!)) {
      this.duplicates++;
      return false;
    }
    seqs.add(r.seq!);
    let agent = this.agents.get(agentId);
    if (agent === undefined)
      this.agents.set(
        agentId,
        (agent = {
          requests: 0,
          dataRows: new Map(),
          status: new Map(),
          lastInterval: -1,
          reports: 0,
          final: false,
          connectionsOpened: 0,
          bySource: new Map(),
        }),
      );
    agent.reports++;
    for (const d of r.dataRows ?? []) agent.dataRows.set(d.name!, (agent.dataRows.get(d.name!) ?? 0) + (d.count ?? 0));
    agent.final ||= r.final ?? false;
    agent.connectionsOpened += r.connectionsOpened ?? 0;
    addBySource(agent.bySource, r);
    agent.lastInterval = Math.max(agent.lastInterval, r.interval ?? 0);
    const point = this.point(r.interval ?? 0);
    // One scan of each wire histogram, its buckets added straight into its name's and its
    // interval's histogram (the run total sums the names' when read).
    const open = point.latency;
    this.samples += samples;
    let completed = 0;
    for (const s of r.stats ?? []) {
      const named = this.byName.get(s.name!)!;
      addWireHistogramTo(open ? [named.latency, open] : [named.latency], s.latency);
      if (s.serviceTime) addWireHistogram(named.serviceTimeTarget(), s.serviceTime);
      named.addCounters(s);
      this.total.add(s);
      if (this.judged !== this.total && !this.sessionOnly.has(s.name!)) this.judged.add(s);
      const requests = responsesOf(s) + errorsOf(s);
      agent.requests += requests;
      for (const sc of s.status ?? []) {
        agent.status.set(sc.status!, (agent.status.get(sc.status!) ?? 0) + sc.count!);
        point.status.set(sc.status!, (point.status.get(sc.status!) ?? 0) + sc.count!);
      }
      const e = s.errors ?? {};
      point.errors.timeout += e.timeout ?? 0;
      point.errors.refused += e.refused ?? 0;
      point.errors.reset += e.reset ?? 0;
      point.errors.other += e.other ?? 0;
      for (const r of e.tls ?? []) point.errors.tls += r.count ?? 0;
      point.requests += requests;
      completed += requests;
      point.ok += s.ok ?? 0;
      point.rateLimited += s.rateLimited ?? 0;
      point.failed += s.failed ?? 0;
      point.dropped += s.dropped ?? 0;
      if (!point.latency) this.lateLatencies += responsesOf(s);
    }
    // Listed even with nothing completed: the agent reported the interval, and did nothing.
    point.agents.set(agentId, (point.agents.get(agentId) ?? 0) + completed);
    return true;
  }

  private point(interval: number): IntervalDetail {
    let p = this.intervals.get(interval);
    if (p === undefined) {
      const open = interval > this.newestInterval - OPEN_INTERVALS;
      p = {
        interval,
        requests: 0,
        ok: 0,
        rateLimited: 0,
        failed: 0,
        latency: open ? newTotalHistogram() : null,
        p50Us: 0,
        p95Us: 0,
        p99Us: 0,
        maxUs: 0,
        meanUs: 0,
        dropped: 0,
        status: new Map(),
        errors: { timeout: 0, refused: 0, reset: 0, other: 0, tls: 0 },
        agents: new Map(),
      };
      this.intervals.set(interval, p);
    }
    if (interval > this.newestInterval) {
      this.newestInterval = interval;
      for (const q of this.intervals.values()) if (q.interval <= interval - OPEN_INTERVALS) this.close(q);
    }
    return p;
  }

  /** Closes every interval (end of run): percentiles computed, histograms released. */
  closeAll(): void {
    for (const q of this.intervals.values()) this.close(q);
  }

  private close(q: IntervalDetail): void {
    if (q.latency !== null) this.onClosed?.(q, q.latency);
    close(q);
  }

  /** Interval points in time order, percentiles filled for closed ones. */
  series(): IntervalDetail[] {
    return [...this.intervals.values()].sort((a, b) => a.interval - b.interval);
  }
}

function close(q: IntervalPoint): void {
  const h = q.latency;
  if (h === null) return;
  if (h.totalCount > 0) {
    q.p50Us = h.getValueAtPercentile(50);
    q.p95Us = h.getValueAtPercentile(95);
    q.p99Us = h.getValueAtPercentile(99);
    q.maxUs = h.maxValue;
    q.meanUs = h.mean;
  }
  q.latency = null;
}

/** Live view of an open interval's p95 (for progress lines), without closing it. */
export function intervalP95Us(q: IntervalPoint): number {
  return q.latency && q.latency.totalCount > 0 ? q.latency.getValueAtPercentile(95) : q.p95Us;
}
