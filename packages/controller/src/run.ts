// One distributed run, start to end: assign each agent its plan, wait until
// all are clock-synced and ready, start them on one instant, merge and ack
// their reports, then stop and collect their closing facts.
import type { Logger } from 'pino';
import type { barrage } from '@barrage/proto';
import type { AgentSession, Clockish } from './agent-session.ts';
import type { Cluster, RunListener } from './cluster.ts';
import { ControllerErrors } from './errors.ts';
import { RunAggregate } from './merge.ts';
import { planRun } from './plan.ts';
import type { Segment } from './planner.ts';
import { validateReport } from './report-validation.ts';
import type { Scenario } from './scenario/scenario.ts';
import type { RunVar } from './setup-runner.ts';

type Finished = barrage.v1.Finished;

export type RunStatus = 'passed' | 'failed' | 'aborted' | 'degraded' | 'interrupted';

export interface Participant {
  id: string;
  name: string;
  host: string;
  weight: number;
  segment: Segment;
  session: AgentSession;
  ready: boolean;
  clockOffsetMs: number;
  clockRttMs: number;
  startedAt: number;
  final: boolean;
  finished: Finished | undefined;
  disconnects: number;
}

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
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  plannedStartAt: number;
  endedAt: number;
  participants: Participant[];
  aggregate: RunAggregate;
  /** Requests sent before the earliest-sent 429, per name and '' for all; absent when no 429. */
  firstRateLimitedAfter: Map<string, number>;
  rejectedReports: number;
  notes: string[];
}

const START_LEAD_MS = 300;
const FINISH_TIMEOUT_MS = 10_000;
const DEADLINE_SLACK_MS = 10_000;
const PROGRESS_LAG_MS = 250;

export class Run implements RunListener {
  readonly runId: string;
  readonly participants = new Map<string, Participant>();
  readonly aggregate: RunAggregate;
  readonly intervalMs: number;
  private readonly o: RunOptions;
  private plannedStartAt = 0;
  private rejected = 0;
  private stopId = 0;
  private lastStop: barrage.v1.Stop.$Properties | undefined;
  private aborted: string | undefined;
  private wake: () => void = () => {};
  private failure: Error | undefined;
  private readonly notes: string[] = [];

  constructor(o: RunOptions) {
    this.o = o;
    this.runId = o.runId;
    this.intervalMs = o.intervalMs ?? 1000;
    this.aggregate = new RunAggregate(o.scenario.requests.map((r) => r.name));
  }

  get startAt(): number {
    return this.plannedStartAt;
  }

  /** The newest interval every agent has reported (-1 before that). */
  get completeInterval(): number {
    let k = Infinity;
    for (const p of this.participants.values()) k = Math.min(k, this.aggregate.agents.get(p.id)?.lastInterval ?? -1);
    return k === Infinity ? -1 : k;
  }

  /** Runs to the end; resolves with what happened (aborted and degraded runs resolve too). */
  async execute(): Promise<RunResult> {
    const { o } = this;
    o.cluster.run = this;
    let progress: NodeJS.Timeout | undefined;
    try {
      const plans = planRun({ runId: this.runId, scenario: o.scenario, baseUrl: o.baseUrl, agents: o.agents.map((s) => ({ id: s.id, weight: s.hello!.weight })), vars: o.vars, intervalMs: this.intervalMs });
      o.agents.forEach((s, i) => {
        this.participants.set(s.id, {
          id: s.id, name: s.name, host: s.remoteAddress, weight: s.hello!.weight, segment: plans[i]!.segment, session: s,
          ready: false, clockOffsetMs: 0, clockRttMs: 0, startedAt: 0, final: false, finished: undefined, disconnects: 0,
        });
        s.send({ assign: plans[i]!.assign });
      });
      await this.until(() => [...this.participants.values()].every((p) => p.ready), o.readyTimeoutMs ?? 15_000, 'agents did not become ready');
      if (this.failure) throw this.failure;
      const maxRtt = Math.max(...[...this.participants.values()].map((p) => p.clockRttMs));
      this.plannedStartAt = o.clock.now() + Math.max(START_LEAD_MS, 4 * maxRtt);
      this.broadcast({ start: { runId: this.runId, startAt: this.plannedStartAt } });
      o.logger.info({ run: this.runId, agents: this.participants.size }, 'run started');
      if (o.onProgress) {
        // Just after each interval boundary, when the agents' reports for it have had time to land.
        const tick = (k: number) => {
          progress = setTimeout(() => { o.onProgress!(this); tick(k + 1); }, this.plannedStartAt + k * this.intervalMs + PROGRESS_LAG_MS - o.clock.now());
        };
        tick(1);
      }
      const longest = Math.max(...o.scenario.scenarios.map((s) => s.startTimeMs + s.durationMs + s.gracefulStopMs));
      const deadline = this.plannedStartAt + longest + DEADLINE_SLACK_MS;
      await this.until(() => this.aborted !== undefined || this.allFinal(), deadline - o.clock.now(), '');
      if (!this.allFinal()) {
        // Abort or deadline: tell everyone to stop firing, then wait for their final reports.
        this.sendStop(this.aborted ?? 'deadline', false);
        await this.until(() => this.allFinal(), FINISH_TIMEOUT_MS + longest, '');
      }
      const stopId = this.sendStop(this.aborted ?? 'complete', true);
      await this.until(() => this.connected().every((p) => !p.final || p.finished?.stopId === stopId), FINISH_TIMEOUT_MS, '');
    } finally {
      clearTimeout(progress);
      if (o.cluster.run === this) o.cluster.run = undefined;
    }
    return this.result();
  }

  /** Stops the run early (Ctrl-C, API); execute() then resolves with status aborted. */
  abort(reason: string): void {
    this.aborted ??= reason;
    this.wake();
  }

  private allFinal(): boolean {
    return [...this.participants.values()].every((p) => p.final);
  }

  private connected(): Participant[] {
    return [...this.participants.values()].filter((p) => p.session.open);
  }

  private sendStop(reason: string, withTimes: boolean): number {
    const id = ++this.stopId;
    const times: barrage.v1.NamedTime.$Properties[] = [];
    if (withTimes) {
      if (this.aggregate.total.firstRateLimitedAt > 0) times.push({ name: '', at: this.aggregate.total.firstRateLimitedAt });
      for (const [name, t] of this.aggregate.byName) if (t.firstRateLimitedAt > 0) times.push({ name, at: t.firstRateLimitedAt });
    }
    this.lastStop = { runId: this.runId, reason, firstRateLimitedAt: times, id };
    this.broadcast({ stop: this.lastStop });
    return id;
  }

  private broadcast(message: Parameters<AgentSession['send']>[0]): void {
    for (const p of this.participants.values()) p.session.send(message);
  }

  /** Resolves when `cond` holds (checked on every message) or after `ms`; throws `timeoutMessage` if given. */
  private async until(cond: () => boolean, ms: number, timeoutMessage: string): Promise<void> {
    if (cond() || this.failure) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = () => {};
        if (timeoutMessage) reject(new ControllerErrors.AGENTS_NOT_READY(timeoutMessage)); else resolve();
      }, Math.max(0, ms));
      this.wake = () => {
        if (cond() || this.failure || this.aborted !== undefined && !timeoutMessage) { clearTimeout(timer); this.wake = () => {}; resolve(); }
      };
    });
  }

  resume(session: AgentSession): boolean {
    const p = this.participants.get(session.id);
    if (p === undefined) return false;
    p.session = session;
    this.o.logger.info({ agent: p.name }, 'agent re-attached to the run');
    return true;
  }

  reattached(session: AgentSession): void {
    // A Stop broadcast while this agent was away would otherwise never reach it.
    if (this.lastStop) session.send({ stop: this.lastStop });
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
        if (r.runId !== this.runId) return;
        p.ready = true;
        p.clockOffsetMs = r.clockOffsetMs ?? 0;
        p.clockRttMs = r.clockRttMs ?? 0;
        break;
      }
      case 'report': this.onReport(p, env.report as barrage.v1.Report); break;
      case 'finished': {
        const f = env.finished as Finished;
        if (f.runId === this.runId) { p.finished = f; if (f.startedAt > 0) p.startedAt = f.startedAt; }
        break;
      }
      case 'error': {
        const e = env.error!;
        if (!p.ready) this.failure = new ControllerErrors.AGENT_REJECTED_PLAN(p.name, `${e.code}: ${e.message}`);
        else this.o.logger.warn({ agent: p.name, code: e.code, err: e.message }, 'agent reported an error');
        break;
      }
      default:
        this.o.logger.warn({ agent: p.name, kind: env.body }, 'unexpected message during a run');
    }
    this.wake();
  }

  private onReport(p: Participant, r: barrage.v1.Report): void {
    try {
      validateReport(r, this.runId, new Set(this.aggregate.byName.keys()));
    } catch (err) {
      this.rejected++;
      this.o.logger.warn({ agent: p.name, seq: r.seq, code: (err as { code?: string }).code, err: (err as Error).message }, 'report rejected');
      p.session.send({ error: { code: (err as { code?: string }).code ?? 'CTRL_REPORT_INVALID', message: (err as Error).message, fatal: false } });
      return;
    }
    this.aggregate.add(p.id, r);
    if (r.startedAt > 0 && p.startedAt === 0) p.startedAt = r.startedAt;
    if (r.final) p.final = true;
    // Ack duplicates too: the agent resent because it never saw our first ack.
    p.session.send({ ack: { runId: this.runId, seq: r.seq } });
  }

  private result(): RunResult {
    this.aggregate.closeAll();
    const participants = [...this.participants.values()];
    const lost = participants.filter((p) => !p.final);
    for (const p of lost) this.notes.push(`agent ${p.name} (${p.host}) sent no final report: its share after its last report is missing`);
    const firstAfter = new Map<string, number>();
    if (participants.every((p) => p.finished)) {
      for (const p of participants) {
        for (const c of p.finished!.completedBeforeFirstRateLimited) firstAfter.set(c.name ?? "", (firstAfter.get(c.name ?? "") ?? 0) + (c.count ?? 0));
        if (p.finished!.completionLogTruncated) this.notes.push(`agent ${p.name}: completion log full, firstRateLimitedAfter is a lower bound`);
      }
    } else if (this.aggregate.total.firstRateLimitedAt > 0) {
      this.notes.push('firstRateLimitedAfter unknown: not every agent answered Stop');
    }
    if (this.rejected > 0) this.notes.push(`${this.rejected} report(s) rejected as invalid`);
    const status: RunStatus = this.aborted !== undefined ? 'aborted' : lost.length > 0 ? 'degraded' : 'passed';
    return {
      runId: this.runId, status, plannedStartAt: this.plannedStartAt, endedAt: this.o.clock.now(), participants,
      aggregate: this.aggregate, firstRateLimitedAfter: firstAfter, rejectedReports: this.rejected, notes: this.notes,
    };
  }
}
