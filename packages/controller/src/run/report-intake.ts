// What an agent sends a run, taken in: Ready (clock figures it may not push the
// start away with), interval Reports (validated, merged once, acknowledged; a
// rejected one counted once and the run marked degraded), errors, and Finished
// (instants and counts it may not lie with). Figures out of range are dropped, never
// trusted: the bounds are the session's (cluster/agent-figures.ts).

import { type barrage, PARTIAL_LOAD_CODES } from '@barrage/proto';
import { inRange, MAX_CPU_CORES, MAX_LOOP_DELAY_MS } from '../cluster/agent-figures.ts';
import { ControllerErrors } from '../errors.ts';
import { validateBySource } from '../merge/source-breakdown.ts';
import { BUSY_UTILIZATION } from '../results/agent-load-note.ts';
import type { Participant } from './participant.ts';
import { validateReport } from './report-validation.ts';
import type { RunState } from './run-state.ts';

const MAX_CLOCK_OFFSET_MS = 7 * 24 * 3_600_000;
const MAX_CLOCK_RTT_MS = 10_000;
/** Reports may name intervals this far (ms) past the controller's own notion of now, whatever the interval length. */
const INTERVAL_SLACK_MS = 10_000;
const PLAUSIBLE_SLACK_MS = 60_000;
/** Notes kept per agent about parts of its load that stopped (one per dead worker thread, bounded). */
const MAX_BROKEN_PARTS = 8;

export class ReportIntake {
  /** Reports rejected as invalid (each (agent, seq) once). */
  rejected = 0;
  private readonly o: RunState;
  /** Per request name: the checks (and captures) its reports may count. */
  private readonly checkNames: ReadonlyMap<string, ReadonlySet<string>>;
  /** The run's data sources: the only ones reports may count rows of. */
  private readonly sources: ReadonlySet<string>;
  /** Per agent: report sequences already rejected (a resend is not counted again). */
  private readonly rejectedSeqs = new Map<string, Set<number>>();

  constructor(state: RunState) {
    this.o = state;
    this.sources = new Set(state.scenario.data.map((d) => d.name));
    this.checkNames = new Map(
      state.scenario.requests.map((r) => [
        r.name,
        new Set([...r.checks.map((c) => c.name), ...r.captures.map((c) => `capture ${c.variable}`)]),
      ]),
    );
  }

  /** An instant an agent reports (controller clock) lies within this run, give or take a minute; 0 = unset. */
  plausible(t: number, zeroOk: boolean): boolean {
    if (t === 0) return zeroOk;
    const now = this.o.clock.now();
    const from = (this.o.startAt || now) - PLAUSIBLE_SLACK_MS;
    return Number.isFinite(t) && t >= from && t <= now + PLAUSIBLE_SLACK_MS;
  }

  /** Takes a Ready's clock figures; returns the refusal when they are out of range (the start is planned from them). */
  ready(p: Participant, r: barrage.v1.IReady): Error | undefined {
    const offset = r.clockOffsetMs ?? 0;
    const rtt = r.clockRttMs ?? 0;
    if (!(Math.abs(offset) <= MAX_CLOCK_OFFSET_MS && rtt >= 0 && rtt <= MAX_CLOCK_RTT_MS)) {
      return new ControllerErrors.READY_INVALID(p.name, `clock offset ${offset} ms / RTT ${rtt} ms out of range`);
    }
    p.ready = true;
    p.clockOffsetMs = offset;
    p.clockRttMs = rtt;
    return undefined;
  }

  /** A Report of this run: merged once if valid, acknowledged either way (a resend would be rejected again). */
  report(p: Participant, r: barrage.v1.Report): void {
    const { o } = this;
    const startAt = o.startAt;
    const elapsed = startAt > 0 ? Math.floor((o.clock.now() - startAt) / o.intervalMs) : 0;
    try {
      validateReport(
        r,
        o.runId,
        this.checkNames,
        Math.max(0, elapsed) + Math.ceil(INTERVAL_SLACK_MS / o.intervalMs),
        (t) => this.plausible(t, false),
        this.sources,
      );
      validateBySource(r, p.session.hello?.sourceIps ?? []);
    } catch (err) {
      this.reject(p, r, err as Error);
      return;
    }
    o.aggregate.add(p.id, r);
    this.health(p, r);
    if (r.startedAt > 0 && p.startedAt === 0 && this.plausible(r.startedAt, false)) p.startedAt = r.startedAt;
    if (r.leaseExpiredAt > 0 && p.leaseExpiredAt === 0)
      p.leaseExpiredAt = this.plausible(r.leaseExpiredAt, false) ? r.leaseExpiredAt : o.clock.now();
    if (r.final) p.final = true;
    // Ack duplicates too: the agent resent because it never saw our first ack.
    p.session.send({ ack: { runId: o.runId, seq: r.seq } });
  }

  /** Rejected whole, and the run marked degraded: its totals lack whatever that report carried. */
  private reject(p: Participant, r: barrage.v1.Report, err: Error): void {
    const { o } = this;
    let seqs = this.rejectedSeqs.get(p.id);
    if (seqs === undefined) this.rejectedSeqs.set(p.id, (seqs = new Set()));
    if (!seqs.has(r.seq)) {
      seqs.add(r.seq);
      this.rejected++;
    }
    const code = (err as { code?: string }).code ?? ControllerErrors.REPORT_INVALID.code;
    o.logger.warn({ agent: p.name, seq: r.seq, code, err: err.message }, 'report rejected');
    p.session.send({ error: { code, message: err.message, fatal: false } });
    if (r.runId === o.runId && r.seq >= 1) p.session.send({ ack: { runId: o.runId, seq: r.seq } });
    if (r.final && r.runId === o.runId) p.final = true;
  }

  /** The agent's own health: kept as its worst interval, figures out of any sane range ignored. */
  private health(p: Participant, r: barrage.v1.Report): void {
    if (inRange(r.eventLoopP99Ms, MAX_LOOP_DELAY_MS)) p.eventLoopP99Ms = Math.max(p.eventLoopP99Ms, r.eventLoopP99Ms);
    if (inRange(r.eventLoopMaxMs, MAX_LOOP_DELAY_MS)) p.eventLoopMaxMs = Math.max(p.eventLoopMaxMs, r.eventLoopMaxMs);
    if (inRange(r.cpuCores, MAX_CPU_CORES)) p.cpuCores = Math.max(p.cpuCores, r.cpuCores);
    const elu = r.eventLoopUtilization;
    if (inRange(elu, 1)) {
      p.eventLoopUtilization = Math.max(p.eventLoopUtilization, elu);
      // The final interval is partial (the load is winding down): not judged.
      if (elu >= BUSY_UTILIZATION && !r.final) p.busyIntervals++;
    }
  }

  /**
   * An agent's ErrorReport. Before it is ready it refuses the plan (returned: the run cannot
   * start); after, part of its load stopped (a worker died, its host stopped it): kept as a
   * note on the agent (a few lines at most; said again after a reconnect: kept once).
   */
  error(p: Participant, e: barrage.v1.IErrorReport): Error | undefined {
    if (!p.ready) return new ControllerErrors.AGENT_REJECTED_PLAN(p.name, `${e.code}: ${e.message}`);
    this.o.logger.warn({ agent: p.name, code: e.code, err: e.message }, 'agent reported an error');
    const part = `${e.code}: ${(e.message ?? '').slice(0, 300)}`;
    if (
      PARTIAL_LOAD_CODES.has(e.code ?? '') &&
      p.brokenParts.length < MAX_BROKEN_PARTS &&
      !p.brokenParts.includes(part)
    )
      p.brokenParts.push(part);
    return undefined;
  }

  /** A Finished of this run: instants outside the run and counts for unknown names are dropped, with a note. */
  finished(p: Participant, f: barrage.v1.Finished, notes: string[]): void {
    const known = new Set(['', ...this.o.aggregate.byName.keys()]);
    const counts = f.completedBeforeFirstRateLimited.filter(
      (c, i, all) => known.has(c.name ?? '') && all.findIndex((x) => (x.name ?? '') === (c.name ?? '')) === i,
    );
    if (
      !this.plausible(f.endedAt, true) ||
      !this.plausible(f.startedAt, true) ||
      counts.length !== f.completedBeforeFirstRateLimited.length
    ) {
      notes.push(`agent ${p.name}: implausible figures in its Finished were dropped`);
      if (!this.plausible(f.endedAt, true)) f.endedAt = 0;
      if (!this.plausible(f.startedAt, true)) f.startedAt = 0;
      f.completedBeforeFirstRateLimited = counts;
    }
    p.finished = f;
    if (f.startedAt > 0) p.startedAt = f.startedAt;
  }
}
