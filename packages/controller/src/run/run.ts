// One distributed run, start to end: assign each agent its plan, wait until
// all are clock-synced and ready, start them on one instant, merge and ack
// their reports, then stop and collect their closing facts.
import type { Logger } from 'pino';
import { modelOfExecutor } from '@barrage/core';
import { barrage, PARTIAL_LOAD_CODES } from '@barrage/proto';
import type { AgentSession, Clockish } from '../cluster/agent-session.ts';
import type { Cluster, RunListener } from '../cluster/cluster.ts';
import { ControllerErrors } from '../errors.ts';
import { RunAggregate } from '../merge/run-aggregate.ts';
import { planRun, type AgentPlan } from '../plan/assignments.ts';
import { apportion, segments } from '../plan/apportion.ts';
import { validateReport } from './report-validation.ts';
import { assembleResult, BUSY_UTILIZATION, type Participant, type RunResult } from '../results/run-result.ts';
import type { Scenario } from '../scenario/scenario.ts';
import type { RunVar } from '../plan/setup.ts';
import { MonitorPoller, type MonitorSample } from '../monitor/monitor-poller.ts';
import { percentileMs, requestSummary } from '../results/summary.ts';
import { evaluateThresholds, type Threshold, type ThresholdResult } from '../scenario/thresholds.ts';

type Finished = barrage.v1.Finished;

export type { Participant, RunResult, RunStatus } from '../results/run-result.ts';

export interface RunOptions {
  runId: string;
  scenario: Scenario;
  baseUrl: string | undefined;
  vars: readonly RunVar[];
  agents: readonly AgentSession[];
  cluster: Cluster;
  clock: Clockish;
  logger: Logger;
  intervalMs?: number;
  readyTimeoutMs?: number;
  onProgress?: (run: Run) => void;
  /** The controller's target allowlist, for the agents to enforce after DNS resolution. */
  allowTargets?: readonly string[];
}


const START_LEAD_MS = 300;
/** Notes kept per agent about parts of its load that stopped (one per dead worker thread, bounded). */
const MAX_BROKEN_PARTS = 8;
const FINISH_TIMEOUT_MS = 10_000;
const DEADLINE_SLACK_MS = 10_000;
const PROGRESS_LAG_MS = 250;
const MAX_CLOCK_OFFSET_MS = 7 * 24 * 3_600_000;
const MAX_CLOCK_RTT_MS = 10_000;
/** Reports may name intervals this far past the controller's own notion of now. */
const INTERVAL_SLACK = 10;
const PLAUSIBLE_SLACK_MS = 60_000;
/** Timers hold at most 2^31-1 ms; the main wait ends on its own condition long before. */
const MAX_WAIT_MS = 2 ** 31 - 1;
/** How often the run looks for agents gone silent; a tick this much late means this process stalled. */
const WATCH_MS = 200;
const LATE_TICK_MS = 1_000;
/** A takeover starts this long after the lost agent's lease could have run out (its watch tick, timer lateness). */
const LEASE_MARGIN_MS = 1_000;
/** An agent's longest redial backoff (5 s) and a second for the handshake. */
const REDIAL_MS = 6_000;
const secondsInto = (t: number, from: number) => `+${((t - from) / 1000).toFixed(1)} s`;
const percent = (x: number) => `${(100 * x).toFixed(1)} %`;

export class Run implements RunListener {
  readonly runId: string;
  readonly participants = new Map<string, Participant>();
  readonly aggregate: RunAggregate;
  readonly intervalMs: number;
  private readonly o: RunOptions;
  /** From the run's start: when the last scenario's load ends, and when its graceful stop does. */
  private readonly loadMs: number;
  private readonly longestMs: number;
  private plannedStartAt = 0;
  private rejected = 0;
  private stopId = 0;
  private lastStop: barrage.v1.Stop.$Properties | undefined;
  private hurry = false;
  /** Per agent: report sequences already rejected (a resend is not counted again). */
  private readonly rejectedSeqs = new Map<string, Set<number>>();
  private aborted: string | undefined;
  private abortedByThreshold = false;
  private thresholdAbort: ThresholdResult | undefined;
  private monitors: MonitorPoller | undefined;
  private wake: () => void = () => {};
  private failure: Error | undefined;
  private readonly notes: string[] = [];
  private readonly plans = new Map<string, AgentPlan>();
  private takeoverId = 0;
  /** Per taker: the lost agents whose share it took over. */
  private readonly taken = new Map<string, string[]>();
  private lastWatch = 0;
  /** Past the load: no agent is declared lost any more. */
  private winding = false;
  /** Per request name: the checks (and captures) its reports may count. */
  private readonly checkNames: ReadonlyMap<string, ReadonlySet<string>>;

  constructor(o: RunOptions) {
    this.o = o;
    this.runId = o.runId;
    this.intervalMs = o.intervalMs ?? 1000;
    this.loadMs = Math.max(...o.scenario.scenarios.map((s) => s.startTimeMs + s.durationMs));
    this.longestMs = Math.max(...o.scenario.scenarios.map((s) => s.startTimeMs + s.durationMs + s.gracefulStopMs));
    this.aggregate = new RunAggregate(o.scenario.requests.map((r) => r.name));
    this.checkNames = new Map(o.scenario.requests.map((r) => [r.name, new Set([...r.checks.map((c) => c.name), ...r.captures.map((c) => `capture ${c.variable}`)])]));
  }

  get startAt(): number {
    return this.plannedStartAt;
  }

  /** The newest interval every agent still running has reported (-1 before that); finished agents do not hold it back. */
  get completeInterval(): number {
    let k = Infinity;
    for (const p of this.participants.values()) {
      if (p.final) continue;
      k = Math.min(k, this.aggregate.agents.get(p.id)?.lastInterval ?? -1);
    }
    return k === Infinity ? this.aggregate.newestInterval : k;
  }

  /**
   * Runs to the end; resolves with what happened (aborted and degraded runs resolve too).
   * Throws when the run cannot start (agents not ready, a plan rejected); the agents are
   * then told to drop it, so none is left holding a run that will never start.
   */
  async execute(): Promise<RunResult> {
    const { o } = this;
    o.cluster.run = this;
    let progress: NodeJS.Timeout | undefined;
    this.lastWatch = o.clock.now();
    const watch = setInterval(() => this.watchAgents(), WATCH_MS);
    try {
      const plans = planRun({ runId: this.runId, scenario: o.scenario, baseUrl: o.baseUrl, agents: o.agents.map((s) => ({ id: s.id, weight: s.hello!.weight })), vars: o.vars, intervalMs: this.intervalMs, allowTargets: o.allowTargets });
      o.agents.forEach((s, i) => {
        this.participants.set(s.id, {
          id: s.id, name: s.name, host: s.remoteAddress, weight: s.hello!.weight, segment: plans[i]!.segment, session: s,
          ready: false, clockOffsetMs: 0, clockRttMs: 0, startedAt: 0, final: false, finished: undefined, disconnects: 0,
          eventLoopP99Ms: 0, eventLoopMaxMs: 0, cpuCores: 0, eventLoopUtilization: 0, busyIntervals: 0, brokenParts: [], lost: undefined, leaseExpiredAt: 0,
        });
        this.plans.set(s.id, plans[i]!);
        s.send({ assign: plans[i]!.assign });
      });
      const allReady = () => [...this.participants.values()].every((p) => p.ready);
      await this.until(allReady, o.readyTimeoutMs ?? 15_000, { abortable: true });
      if (this.failure) throw this.failure;
      if (this.aborted === undefined && !allReady()) {
        const late = [...this.participants.values()].filter((p) => !p.ready).map((p) => p.name);
        throw new ControllerErrors.AGENTS_NOT_READY(`agent(s) ${late.join(', ')} did not become ready`);
      }
      if (this.aborted === undefined) {
        const maxRtt = Math.max(...[...this.participants.values()].map((p) => p.clockRttMs));
        this.plannedStartAt = o.clock.now() + Math.max(START_LEAD_MS, 4 * maxRtt);
        this.broadcast({ start: { runId: this.runId, startAt: this.plannedStartAt } });
        if (o.scenario.monitors.length > 0) {
          this.monitors = new MonitorPoller(o.scenario.monitors, o.baseUrl, o.clock);
          this.monitors.start(this.plannedStartAt);
        }
        o.logger.info({ run: this.runId, agents: this.participants.size }, 'run started');
        const live = o.scenario.thresholds.filter((t) => t.abortOnFail);
        if (o.onProgress || live.length > 0) {
          // Just after each interval boundary, when the agents' reports for it have had time to land.
          const tick = (k: number) => {
            progress = setTimeout(() => {
              if (live.length > 0) this.judgeLive(live);
              o.onProgress?.(this);
              tick(k + 1);
            }, this.plannedStartAt + k * this.intervalMs + PROGRESS_LAG_MS - o.clock.now());
          };
          tick(1);
        }
        // Re-checked on every message and watch tick; the deadline moves while a lost agent may return.
        await this.until(() => this.allSettled() || o.clock.now() >= this.deadline(), MAX_WAIT_MS, { abortable: true });
      }
      this.winding = true;
      if (!this.allFinal()) {
        // Abort or deadline: tell everyone to stop firing, then wait for the final reports of
        // the agents still connected, as long as in-flight requests may take to finish.
        this.sendStop(this.aborted ?? 'deadline', false);
        const grace = Math.max(...o.scenario.scenarios.map((s) => s.gracefulStopMs));
        await this.until(() => [...this.participants.values()].every((p) => p.final || !p.session.open), grace + FINISH_TIMEOUT_MS, { urgent: true });
      }
      // The monitors' last samples show the target as the load left it.
      await this.monitors?.stop();
      const stopId = this.sendStop(this.aborted ?? 'complete', true);
      await this.until(() => this.answered(stopId), FINISH_TIMEOUT_MS, { urgent: true });
    } catch (err) {
      // Tell the agents to drop the run, and let them answer (their last reports get acked).
      const stopId = this.sendStop('failed', true);
      await this.until(() => this.answered(stopId), FINISH_TIMEOUT_MS, { urgent: true });
      throw err;
    } finally {
      clearTimeout(progress);
      clearInterval(watch);
      await this.monitors?.stop();
      if (o.cluster.run === this) o.cluster.run = undefined;
    }
    return this.result();
  }

  /**
   * Stops the run early (Ctrl-C, API); execute() then resolves with status aborted, once
   * the agents' final reports are in. A second abort stops waiting for them.
   */
  abort(reason: string): void {
    if (this.aborted !== undefined) this.hurry = true;
    this.aborted ??= reason;
    this.wake();
  }

  /**
   * abortOnFail thresholds on the merged results so far: the first that fails (once past its
   * delay) stops the run, which then ends `failed`. A value not yet defined (no response so
   * far) is not a failure yet.
   */
  private judgeLive(live: readonly Threshold[]): void {
    if (this.aborted !== undefined) return;
    const elapsed = this.o.clock.now() - this.plannedStartAt;
    const due = live.filter((t) => elapsed >= t.delayMs);
    if (due.length === 0) return;
    const results = this.judge(due);
    const failed = results.find((r) => !r.ok && !Number.isNaN(r.value));
    if (failed === undefined) return;
    this.abortedByThreshold = true;
    this.thresholdAbort = failed;
    this.notes.push(`threshold ${failed.expr} (${failed.scope}) failed at ${(elapsed / 1000).toFixed(1)} s with ${failed.value}: run stopped (abortOnFail)`);
    this.o.logger.warn({ run: this.runId, threshold: failed.expr, value: failed.value }, 'threshold failed: aborting');
    this.abort(`threshold ${failed.expr} failed`);
  }

  /**
   * Thresholds judged on the merged results so far (rps over the time since the start): what
   * live views show while the run goes. The summary judges them again on the complete data.
   */
  judge(ts: readonly Threshold[]): ThresholdResult[] {
    if (ts.length === 0) return [];
    const elapsed = Math.max(0, this.o.clock.now() - this.plannedStartAt);
    const agg = this.aggregate;
    const summaryOf = (scope: string) => requestSummary(scope === '' ? agg.total : agg.byName.get(scope)!, elapsed, undefined);
    const scopes = new Set(ts.filter((t) => t.metric.kind !== 'monitor').map((t) => t.scope));
    const requests = Object.fromEntries([...scopes].filter((n) => n !== '' && agg.byName.has(n)).map((n) => [n, summaryOf(n)]));
    return evaluateThresholds(ts, {
      totals: summaryOf(''), requests, monitors: this.monitors?.stats(),
      percentile: (scope, q) => percentileMs((scope === '' ? agg.total : agg.byName.get(scope)!).latency, q),
    });
  }

  /** Each monitor's samples so far (empty before the start, or without monitors). */
  monitorSamples(): Record<string, MonitorSample[]> {
    return this.monitors?.samples() ?? {};
  }

  /** Every connected agent answered Stop `stopId` with a Finished. */
  private answered(stopId: number): boolean {
    return this.connected().every((p) => p.finished?.stopId === stopId);
  }

  private allFinal(): boolean {
    return [...this.participants.values()].every((p) => p.final);
  }

  /**
   * Every agent sent its final report, or was lost and had its chance to come back: a lost
   * agent that is alive (a cut link, a stall) keeps firing until its lease and redials every
   * few seconds, and its reports are still wanted.
   */
  private allSettled(): boolean {
    const now = this.o.clock.now();
    return [...this.participants.values()].every((p) => p.final || (p.lost !== undefined && !p.session.open && now >= this.giveUpOn(p)));
  }

  /** When a lost agent that has not come back is given up: its lease and one more redial after the end of the load. */
  private giveUpOn(p: Participant): number {
    return Math.max(this.plannedStartAt + this.loadMs, p.lost!.at + this.o.scenario.leaseMs) + REDIAL_MS;
  }

  /** The main wait's end: the plan plus slack, later while a lost agent may still come back. */
  private deadline(): number {
    let t = this.plannedStartAt + this.longestMs + DEADLINE_SLACK_MS;
    for (const p of this.participants.values()) if (p.lost !== undefined && !p.final) t = Math.max(t, this.giveUpOn(p));
    return t;
  }

  holds(session: AgentSession): boolean {
    return this.participants.get(session.id)?.session === session;
  }

  /**
   * An agent silent past agentTimeout (no report, Status or pong: dead, hung or cut off) is
   * lost, and the run's onAgentLoss policy applies. Its link, if still open, is dropped:
   * should it come back it reconnects and re-attaches, resending what it holds. A tick that
   * came late is skipped: this process stalled, and frames may be waiting unread.
   */
  private watchAgents(): void {
    const now = this.o.clock.now();
    const late = now - this.lastWatch > WATCH_MS + LATE_TICK_MS;
    this.lastWatch = now;
    if (this.plannedStartAt === 0 || this.winding || late) { this.wake(); return; }
    for (const p of this.participants.values()) {
      if (p.final || (p.lost !== undefined && p.lost.returnedAt === 0) || now - p.session.lastSeen <= this.o.scenario.agentTimeoutMs) continue;
      if (p.session.open) p.session.terminate();
      const silent = `silent ${((now - p.session.lastSeen) / 1000).toFixed(1)} s`;
      this.o.logger.warn({ run: this.runId, agent: p.name, silentMs: Math.round(now - p.session.lastSeen), policy: this.o.scenario.onAgentLoss }, 'agent lost');
      if (p.lost !== undefined) {
        // Lost a second time after coming back: recorded; its share was dealt with the first time.
        this.notes.push(`agent ${p.name} lost again at ${secondsInto(now, this.plannedStartAt)} (${silent})`);
        p.lost.returnedAt = 0;
        p.lost.at = now;
        continue;
      }
      const policy = this.o.scenario.onAgentLoss;
      p.lost = { at: now, lastContactAt: p.session.lastSeen, share: p.segment.end - p.segment.start, policy, takenBy: [], takenFrom: 0, returnedAt: 0 };
      const what = `agent ${p.name} (${p.host}) lost at ${secondsInto(now, this.plannedStartAt)} (${silent}), carrying ${percent(p.lost.share)} of the load`;
      if (this.taken.has(p.id)) this.notes.push(`agent ${p.name} had taken over part of ${this.taken.get(p.id)!.join(', ')}'s share; that part is not re-planned again`);
      if (policy === 'abort') {
        this.notes.push(`${what}: run aborted (onAgentLoss: abort)`);
        // Once: a second abort would mean "stop waiting" and cut the others' final reports.
        if (this.aborted === undefined) this.abort(`agent ${p.name} lost`);
      } else if (policy === 'rebalance') {
        this.notes.push(`${what}: ${this.rebalance(p, now)}`);
      } else {
        this.notes.push(`${what}: the run went on without it (onAgentLoss: continue)`);
      }
    }
    this.wake();
  }

  /**
   * Splits a lost agent's segment, scenario by scenario, over the agents still running that
   * hold that scenario, by weight, from past its lease (it has stopped firing by then, even
   * if only its reports were cut off) to the end. Returns what was done, for the notes.
   */
  private rebalance(lost: Participant, at: number): string {
    const takers = [...this.participants.values()].filter((p) => p !== lost && p.lost === undefined && !p.final && p.session.open);
    if (takers.length === 0) return 'no agent left to take its share over (onAgentLoss: rebalance)';
    const fromAt = at + this.o.scenario.leaseMs + LEASE_MARGIN_MS;
    const perTaker = new Map<Participant, barrage.v1.TakeoverShare.$Properties[]>();
    const skipped = new Set<string>();
    for (const sc of this.plans.get(lost.id)!.assign.scenarios ?? []) {
      if (modelOfExecutor(sc.executor ?? 0)?.iterationBounded !== false) { skipped.add(sc.name!); continue; }
      const holders = takers.flatMap((p) => {
        const index = (this.plans.get(p.id)!.assign.scenarios ?? []).findIndex((x) => x.name === sc.name);
        return index < 0 ? [] : [{ p, index }];
      });
      if (holders.length === 0) { skipped.add(sc.name!); continue; }
      const parts = segments(holders.map((h) => ({ id: h.p.id, weight: h.p.weight })));
      const widths = parts.map((x) => x.end - x.start);
      const vus = apportion(sc.vus ?? 0, widths);
      const caps = apportion(sc.maxInFlight ?? 0, widths).map((c) => Math.max(1, c));
      holders.forEach((h, k) => {
        const list = perTaker.get(h.p) ?? [];
        perTaker.set(h.p, list);
        list.push({ scenario: h.index, vus: vus[k], arrivals: sc.iterations ?? 0, maxInFlight: caps[k], partStart: parts[k]!.start, partEnd: parts[k]!.end });
      });
    }
    const id = ++this.takeoverId;
    for (const [p, shares] of perTaker) {
      p.session.send({ takeover: { runId: this.runId, id, fromAt, lostStart: lost.segment.start, lostEnd: lost.segment.end, shares } });
      this.taken.set(p.id, [...(this.taken.get(p.id) ?? []), lost.name]);
    }
    lost.lost!.takenBy = [...perTaker.keys()].map((p) => p.name);
    if (perTaker.size > 0) lost.lost!.takenFrom = fromAt;
    const left = skipped.size > 0 ? `; not taken over: ${[...skipped].join(', ')} (iteration-bounded: what it completed is unknown; or no other agent runs it)` : '';
    if (perTaker.size === 0) return `nothing of its share could be re-planned${left}`;
    return `its share re-planned from ${secondsInto(fromAt, this.plannedStartAt)} (past its lease) to the end across ${lost.lost!.takenBy.join(', ')} (onAgentLoss: rebalance)${left}`;
  }

  private connected(): Participant[] {
    return [...this.participants.values()].filter((p) => p.session.open);
  }

  /**
   * Sends a Stop. The closing Stop carries the cluster's earliest-sent 429 per name (final by
   * then: every final report is in) and ends the run for the agents; an earlier one only
   * stops the firing.
   */
  private sendStop(reason: string, closing: boolean): number {
    const id = ++this.stopId;
    const times: barrage.v1.NamedTime.$Properties[] = [];
    if (closing) {
      if (this.aggregate.total.firstRateLimitedAt > 0) times.push({ name: '', at: this.aggregate.total.firstRateLimitedAt });
      for (const [name, t] of this.aggregate.byName) if (t.firstRateLimitedAt > 0) times.push({ name, at: t.firstRateLimitedAt });
    }
    this.lastStop = { runId: this.runId, reason, firstRateLimitedAt: times, id, closing };
    this.broadcast({ stop: this.lastStop });
    return id;
  }

  private broadcast(message: Parameters<AgentSession['send']>[0]): void {
    for (const p of this.participants.values()) p.session.send(message);
  }

  /**
   * Resolves when `cond` holds (re-checked on every message and disconnect), after `ms`,
   * when an agent failed the start (`abortable` waits), on abort (`abortable`), or on a
   * second abort (`urgent` waits: the user will not wait for stragglers).
   */
  private async until(cond: () => boolean, ms: number, opts: { abortable?: boolean; urgent?: boolean } = {}): Promise<void> {
    const done = () => cond()
      || (opts.abortable === true && (this.failure !== undefined || this.aborted !== undefined))
      || (opts.urgent === true && this.hurry);
    if (done()) return;
    await new Promise<void>((resolve) => {
      const finish = () => { clearTimeout(timer); this.wake = () => {}; resolve(); };
      const timer = setTimeout(finish, Math.max(0, ms));
      this.wake = () => { if (done()) finish(); };
    });
  }

  resume(session: AgentSession): boolean {
    const p = this.participants.get(session.id);
    if (p === undefined) return false;
    p.session = session;
    if (p.lost !== undefined && p.lost.returnedAt === 0) {
      p.lost.returnedAt = this.o.clock.now();
      this.notes.push(`agent ${p.name} came back at ${secondsInto(p.lost.returnedAt, this.plannedStartAt)}, ${((p.lost.returnedAt - p.lost.at) / 1000).toFixed(1)} s after it was lost; what it had not reported was resent${p.lost.policy === 'rebalance' ? ', and it was told to stop firing (its share had been re-planned)' : ''}`);
    }
    this.o.logger.info({ agent: p.name }, 'agent re-attached to the run');
    return true;
  }

  reattached(session: AgentSession): void {
    // A Start or Stop broadcast while this agent was away would otherwise never reach it;
    // the agent ignores a Start it already acted on.
    if (this.plannedStartAt > 0) session.send({ start: { runId: this.runId, startAt: this.plannedStartAt } });
    if (this.lastStop) session.send({ stop: this.lastStop });
    else if (this.participants.get(session.id)?.lost?.policy === 'rebalance') {
      // Its share now runs elsewhere: it must not fire it a second time.
      session.send({ stop: { runId: this.runId, reason: 'share rebalanced', id: 0, closing: false } });
    }
  }

  disconnected(session: AgentSession): void {
    const p = this.participants.get(session.id);
    if (p === undefined || p.session !== session) return;
    p.disconnects++;
    if (p.final) this.o.logger.info({ agent: p.name }, 'run agent left after its final report');
    else this.o.logger.warn({ agent: p.name }, 'run agent disconnected before its final report');
    this.wake();
  }

  message(session: AgentSession, env: barrage.v1.Envelope): void {
    const p = this.participants.get(session.id);
    if (p === undefined) return;
    switch (env.body) {
      case 'ready': {
        const r = env.ready!;
        // Once started, a (re-sent) Ready changes nothing: the start instant is fixed.
        if (r.runId !== this.runId || this.plannedStartAt > 0) return;
        const offset = r.clockOffsetMs ?? 0;
        const rtt = r.clockRttMs ?? 0;
        // The start instant is planned from these: a hostile or broken value must not push it away.
        if (!(Math.abs(offset) <= MAX_CLOCK_OFFSET_MS && rtt >= 0 && rtt <= MAX_CLOCK_RTT_MS)) {
          this.failure = new ControllerErrors.READY_INVALID(p.name, `clock offset ${offset} ms / RTT ${rtt} ms out of range`);
          break;
        }
        p.ready = true;
        p.clockOffsetMs = offset;
        p.clockRttMs = rtt;
        break;
      }
      case 'report': {
        const r = env.report as barrage.v1.Report;
        // A straggler from an earlier run (its closing reports): acknowledged, not merged here.
        if (r.runId !== this.runId) { p.session.send({ ack: { runId: r.runId.slice(0, 64), seq: r.seq } }); return; }
        this.onReport(p, r);
        break;
      }
      case 'finished': {
        const f = env.finished as Finished;
        if (f.runId !== this.runId) break;
        // Instants outside the run and counts for unknown names are dropped, not trusted.
        const known = new Set(['', ...this.aggregate.byName.keys()]);
        const counts = f.completedBeforeFirstRateLimited.filter((c, i, all) => known.has(c.name ?? '') && all.findIndex((x) => (x.name ?? '') === (c.name ?? '')) === i);
        if (!this.plausible(f.endedAt, true) || !this.plausible(f.startedAt, true) || counts.length !== f.completedBeforeFirstRateLimited.length) {
          this.notes.push(`agent ${p.name}: implausible figures in its Finished were dropped`);
          if (!this.plausible(f.endedAt, true)) f.endedAt = 0;
          if (!this.plausible(f.startedAt, true)) f.startedAt = 0;
          f.completedBeforeFirstRateLimited = counts;
        }
        p.finished = f;
        if (f.startedAt > 0) p.startedAt = f.startedAt;
        break;
      }
      case 'error': {
        const e = env.error!;
        if (!p.ready) this.failure = new ControllerErrors.AGENT_REJECTED_PLAN(p.name, `${e.code}: ${e.message}`);
        else {
          this.o.logger.warn({ agent: p.name, code: e.code, err: e.message }, 'agent reported an error');
          // Some of its load stopped: the run is short of it, and says so (a few lines at most per agent).
          const part = `${e.code}: ${(e.message ?? '').slice(0, 300)}`;
          // Said again after a reconnect: kept once.
          const partial = PARTIAL_LOAD_CODES.has(e.code ?? '');
          if (partial && p.brokenParts.length < MAX_BROKEN_PARTS && !p.brokenParts.includes(part)) p.brokenParts.push(part);
        }
        break;
      }
      default:
        this.o.logger.warn({ agent: p.name, kind: env.body }, 'unexpected message during a run');
    }
    this.wake();
  }

  /** An instant an agent reports (controller clock) lies within this run, give or take a minute; 0 = unset. */
  private plausible(t: number, zeroOk: boolean): boolean {
    if (t === 0) return zeroOk;
    const from = (this.plannedStartAt || this.o.clock.now()) - PLAUSIBLE_SLACK_MS;
    return Number.isFinite(t) && t >= from && t <= this.o.clock.now() + PLAUSIBLE_SLACK_MS;
  }

  private onReport(p: Participant, r: barrage.v1.Report): void {
    const elapsed = this.plannedStartAt > 0 ? Math.floor((this.o.clock.now() - this.plannedStartAt) / this.intervalMs) : 0;
    try {
      validateReport(r, this.runId, this.checkNames, Math.max(0, elapsed) + INTERVAL_SLACK, (t) => this.plausible(t, false));
    } catch (err) {
      // Rejected whole, acknowledged anyway (a resend would be rejected again), and the run
      // is marked degraded: its totals lack whatever that report carried.
      let seqs = this.rejectedSeqs.get(p.id);
      if (seqs === undefined) this.rejectedSeqs.set(p.id, (seqs = new Set()));
      if (!seqs.has(r.seq)) { seqs.add(r.seq); this.rejected++; }
      const code = (err as { code?: string }).code ?? ControllerErrors.REPORT_INVALID.code;
      this.o.logger.warn({ agent: p.name, seq: r.seq, code, err: (err as Error).message }, 'report rejected');
      p.session.send({ error: { code, message: (err as Error).message, fatal: false } });
      if (r.runId === this.runId && r.seq >= 1) p.session.send({ ack: { runId: this.runId, seq: r.seq } });
      if (r.final && r.runId === this.runId) p.final = true;
      return;
    }
    this.aggregate.add(p.id, r);
    // The agent's own health: kept as its worst interval, figures out of any sane range ignored.
    if (Number.isFinite(r.eventLoopP99Ms) && r.eventLoopP99Ms >= 0 && r.eventLoopP99Ms < 3_600_000) p.eventLoopP99Ms = Math.max(p.eventLoopP99Ms, r.eventLoopP99Ms);
    if (Number.isFinite(r.eventLoopMaxMs) && r.eventLoopMaxMs >= 0 && r.eventLoopMaxMs < 3_600_000) p.eventLoopMaxMs = Math.max(p.eventLoopMaxMs, r.eventLoopMaxMs);
    if (Number.isFinite(r.cpuCores) && r.cpuCores >= 0 && r.cpuCores < 100_000) p.cpuCores = Math.max(p.cpuCores, r.cpuCores);
    const elu = r.eventLoopUtilization;
    if (Number.isFinite(elu) && elu >= 0 && elu <= 1) {
      p.eventLoopUtilization = Math.max(p.eventLoopUtilization, elu);
      // The final interval is partial (the load is winding down): not judged.
      if (elu >= BUSY_UTILIZATION && !r.final) p.busyIntervals++;
    }
    if (r.startedAt > 0 && p.startedAt === 0 && this.plausible(r.startedAt, false)) p.startedAt = r.startedAt;
    if (r.leaseExpiredAt > 0 && p.leaseExpiredAt === 0) p.leaseExpiredAt = this.plausible(r.leaseExpiredAt, false) ? r.leaseExpiredAt : this.o.clock.now();
    if (r.final) p.final = true;
    // Ack duplicates too: the agent resent because it never saw our first ack.
    p.session.send({ ack: { runId: this.runId, seq: r.seq } });
  }

  private result(): RunResult {
    return assembleResult({
      runId: this.runId, aborted: this.aborted !== undefined, plannedStartAt: this.plannedStartAt, endedAt: this.o.clock.now(),
      participants: [...this.participants.values()], aggregate: this.aggregate, closingStopId: this.stopId,
      rejectedReports: this.rejected, notes: this.notes, abortedByThreshold: this.abortedByThreshold, thresholdAbort: this.thresholdAbort,
      monitors: this.monitors?.stats() ?? {}, monitorSamples: this.monitors?.samples() ?? {},
    });
  }

}
