// One distributed run, start to end: assign each agent its plan, wait until all
// are clock-synced and ready, start them on one instant, take in their reports,
// then stop them and collect their closing facts. Orchestration only: what each
// message means is report-intake.ts, agent loss is agent-watch.ts and
// agent-loss.ts, stopping is stop-protocol.ts, and what the run tells the world
// goes out as events (events.ts) through publisher.ts.

import type { Clock } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import type { Logger } from 'pino';
import type { AgentSession } from '../cluster/agent-session.ts';
import type { Cluster, RunListener } from '../cluster/cluster.ts';
import { ControllerErrors } from '../errors.ts';
import { firstLiveFailure, judge } from '../merge/judge.ts';
import { RunAggregate } from '../merge/run-aggregate.ts';
import { MonitorPoller, type MonitorSample } from '../monitor/monitor-poller.ts';
import { type AgentPlan, planRun } from '../plan/assignments.ts';
import type { RunVar } from '../plan/setup.ts';
import { assembleResult, type RunResult } from '../results/run-result.ts';
import type { Scenario } from '../scenario/scenario.ts';
import type { Threshold, ThresholdResult } from '../scenario/thresholds.ts';
import { AgentLossHandler, WATCH_MS } from './agent-loss.ts';
import { RunEventFanout, type RunEvents, type RunView } from './events.ts';
import { RunInbox } from './inbox.ts';
import { newParticipant, type Participant } from './participant.ts';
import { RunPublisher } from './publisher.ts';
import { ReportIntake } from './report-intake.ts';
import { allSettled, completeInterval, deadline, type RunSpan } from './settling.ts';
import { StopProtocol } from './stop-protocol.ts';
import { Waiter } from './waiter.ts';

export type { Participant, RunResult, RunStatus } from '../results/run-result.ts';

export interface RunOptions {
  runId: string;
  scenario: Scenario;
  baseUrl: string | undefined;
  vars: readonly RunVar[];
  agents: readonly AgentSession[];
  cluster: Cluster;
  clock: Clock;
  logger: Logger;
  intervalMs?: number;
  readyTimeoutMs?: number;
  /** Who hears of the run as it goes (the store writer, the live stream, a progress display). */
  events?: readonly RunEvents[];
  /** The controller's target allowlist, for the agents to enforce after DNS resolution. */
  allowTargets?: readonly string[];
}

const START_LEAD_MS = 300;
const FINISH_TIMEOUT_MS = 10_000;
const PROGRESS_LAG_MS = 250;
/** Timers hold at most 2^31-1 ms; the main wait ends on its own condition long before. */
const MAX_WAIT_MS = 2 ** 31 - 1;

export class Run implements RunListener, RunView {
  readonly runId: string;
  readonly participants = new Map<string, Participant>();
  readonly aggregate: RunAggregate;
  readonly intervalMs: number;
  private readonly o: RunOptions;
  private readonly events: RunEventFanout;
  private readonly publisher: RunPublisher;
  private readonly intake: ReportIntake;
  private readonly stops: StopProtocol;
  private readonly loss: AgentLossHandler;
  private readonly inbox: RunInbox;
  private readonly waiter = new Waiter();
  private readonly plans = new Map<string, AgentPlan>();
  private readonly notes: string[] = [];
  /** From the run's start: when the last scenario's load ends, and when its graceful stop does. */
  private readonly loadMs: number;
  private readonly longestMs: number;
  private plannedStartAt = 0;
  private aborted: string | undefined;
  /** A second abort: stop waiting for stragglers. */
  private hurry = false;
  private failure: Error | undefined;
  private thresholdAbort: ThresholdResult | undefined;
  private monitors: MonitorPoller | undefined;
  /** Past the load: no agent is declared lost any more. */
  private winding = false;

  constructor(o: RunOptions) {
    this.o = o;
    this.runId = o.runId;
    this.intervalMs = o.intervalMs ?? 1000;
    this.loadMs = Math.max(...o.scenario.scenarios.map((s) => s.startTimeMs + s.durationMs));
    this.longestMs = Math.max(...o.scenario.scenarios.map((s) => s.startTimeMs + s.durationMs + s.gracefulStopMs));
    this.events = new RunEventFanout(o.events ?? [], o.logger);
    this.publisher = new RunPublisher(this.events, this);
    this.aggregate = new RunAggregate(
      o.scenario.requests.map((r) => r.name),
      (p, h) => this.publisher.closed(p, h),
    );
    const checkNames = new Map(
      o.scenario.requests.map((r) => [
        r.name,
        new Set([...r.checks.map((c) => c.name), ...r.captures.map((c) => `capture ${c.variable}`)]),
      ]),
    );
    this.intake = new ReportIntake({
      runId: o.runId,
      aggregate: this.aggregate,
      checkNames,
      intervalMs: this.intervalMs,
      clock: o.clock,
      logger: o.logger,
      startAt: () => this.plannedStartAt,
    });
    this.stops = new StopProtocol(o.runId, this.aggregate);
    this.loss = new AgentLossHandler({
      runId: o.runId,
      scenario: o.scenario,
      logger: o.logger,
      participants: this.participants,
      plans: this.plans,
      notes: this.notes,
      startAt: () => this.plannedStartAt,
      abort: (reason) => this.abort(reason),
    });
    this.inbox = new RunInbox({
      runId: o.runId,
      participants: this.participants,
      intake: this.intake,
      loss: this.loss,
      stops: this.stops,
      notes: this.notes,
      clock: o.clock,
      logger: o.logger,
      startAt: () => this.plannedStartAt,
      fail: (err) => {
        this.failure = err;
      },
      poke: () => this.waiter.poke(),
    });
  }

  get startAt(): number {
    return this.plannedStartAt;
  }

  /** The newest interval every agent still running has reported (-1 before that). */
  get completeInterval(): number {
    return completeInterval(this.participants.values(), this.aggregate);
  }

  /**
   * Runs to the end; resolves with what happened (aborted and degraded runs resolve too).
   * Throws when the run cannot start (agents not ready, a plan rejected); the agents are
   * then told to drop it, so none is left holding a run that will never start.
   */
  async execute(): Promise<RunResult> {
    const { o } = this;
    o.cluster.attach(this);
    let progress: NodeJS.Timeout | undefined;
    this.loss.watch(o.clock.now(), false, false);
    const watch = setInterval(() => {
      this.loss.watch(o.clock.now(), this.plannedStartAt > 0 && !this.winding, this.aborted !== undefined);
      this.waiter.poke();
    }, WATCH_MS);
    try {
      this.assign();
      const allReady = () => [...this.participants.values()].every((p) => p.ready);
      await this.until(allReady, o.readyTimeoutMs ?? 15_000, 'abortable');
      if (this.failure) throw this.failure;
      if (this.aborted === undefined && !allReady()) {
        const late = [...this.participants.values()].filter((p) => !p.ready).map((p) => p.name);
        throw new ControllerErrors.AGENTS_NOT_READY(`agent(s) ${late.join(', ')} did not become ready`);
      }
      if (this.aborted === undefined) {
        this.start();
        // Just after each interval boundary, when the agents' reports for it have had time to land.
        const tick = (k: number) => {
          progress = setTimeout(
            () => {
              this.tick();
              tick(k + 1);
            },
            this.plannedStartAt + k * this.intervalMs + PROGRESS_LAG_MS - o.clock.now(),
          );
        };
        tick(1);
        // Re-checked on every message and watch tick; the deadline moves while a lost agent may return.
        await this.until(
          () =>
            allSettled(this.participants.values(), o.clock.now(), this.span()) ||
            o.clock.now() >= deadline(this.participants.values(), this.span()),
          MAX_WAIT_MS,
          'abortable',
        );
      }
      this.winding = true;
      if (![...this.participants.values()].every((p) => p.final)) {
        // Abort or deadline: tell everyone to stop firing, then wait for the final reports of
        // the agents still connected, as long as in-flight requests may take to finish.
        this.stops.send(this.aborted ?? 'deadline', false, this.participants.values());
        const grace = Math.max(...o.scenario.scenarios.map((s) => s.gracefulStopMs));
        await this.until(
          () => [...this.participants.values()].every((p) => p.final || !p.session.open),
          grace + FINISH_TIMEOUT_MS,
          'urgent',
        );
      }
      // The monitors' last samples show the target as the load left it.
      await this.monitors?.stop();
      await this.closeWith(this.aborted ?? 'complete');
    } catch (err) {
      // Tell the agents to drop the run, and let them answer (their last reports get acked).
      await this.closeWith('failed');
      throw err;
    } finally {
      clearTimeout(progress);
      clearInterval(watch);
      await this.monitors?.stop();
      o.cluster.detach(this);
    }
    return this.finish();
  }

  /**
   * Stops the run early (Ctrl-C, API, abortOnFail, onAgentLoss: abort); execute() then resolves
   * with status aborted, once the agents' final reports are in. A second abort stops waiting for them.
   */
  abort(reason: string): void {
    if (this.aborted !== undefined) this.hurry = true;
    this.aborted ??= reason;
    this.waiter.poke();
  }

  /**
   * Thresholds judged on the merged results so far (rps over the time since the start): what
   * live views show while the run goes. The summary judges them again on the complete data.
   */
  judge(ts: readonly Threshold[]): ThresholdResult[] {
    const windowMs = Math.max(0, this.o.clock.now() - this.plannedStartAt);
    return judge(ts, { aggregate: this.aggregate, windowMs, monitors: this.monitors?.stats() });
  }

  /** Each monitor's samples so far (empty before the start, or without monitors). */
  monitorSamples(): Record<string, MonitorSample[]> {
    return this.monitors?.samples() ?? {};
  }

  /** Sends every agent its plan. */
  private assign(): void {
    const { o } = this;
    const plans = planRun({
      runId: this.runId,
      scenario: o.scenario,
      baseUrl: o.baseUrl,
      agents: o.agents.map((s) => ({ id: s.id, weight: s.hello!.weight })),
      vars: o.vars,
      intervalMs: this.intervalMs,
      allowTargets: o.allowTargets,
    });
    o.agents.forEach((s, i) => {
      this.participants.set(s.id, newParticipant(s, plans[i]!.segment));
      this.plans.set(s.id, plans[i]!);
      s.send({ assign: plans[i]!.assign });
    });
  }

  /** Every agent is ready: one start instant for all, far enough ahead for the slowest link. */
  private start(): void {
    const { o } = this;
    const maxRtt = Math.max(...[...this.participants.values()].map((p) => p.clockRttMs));
    this.plannedStartAt = o.clock.now() + Math.max(START_LEAD_MS, 4 * maxRtt);
    for (const p of this.participants.values())
      p.session.send({ start: { runId: this.runId, startAt: this.plannedStartAt } });
    this.events.started({
      runId: this.runId,
      scenario: o.scenario.name,
      plannedStartAt: this.plannedStartAt,
      intervalMs: this.intervalMs,
    });
    if (o.scenario.monitors.length > 0) {
      this.monitors = new MonitorPoller(o.scenario.monitors, o.baseUrl, o.clock);
      this.monitors.start(this.plannedStartAt);
    }
    o.logger.info({ run: this.runId, agents: this.participants.size }, 'run started');
  }

  /** A progress tick: abortOnFail thresholds judged, then what the run has to tell. */
  private tick(): void {
    const all = this.o.scenario.thresholds;
    this.judgeLive(all.filter((t) => t.abortOnFail));
    this.publisher.tick(this.monitorSamples(), all.length > 0 ? this.judge(all) : undefined);
  }

  /** abortOnFail thresholds judged live: the first that fails (past its delay) stops the run, which ends `failed`. */
  private judgeLive(live: readonly Threshold[]): void {
    if (this.aborted !== undefined) return;
    const elapsed = this.o.clock.now() - this.plannedStartAt;
    const failed = firstLiveFailure(live, elapsed, (due) => this.judge(due));
    if (failed === undefined) return;
    this.thresholdAbort = failed;
    this.notes.push(
      `threshold ${failed.expr} (${failed.scope}) failed at ${(elapsed / 1000).toFixed(1)} s with ${failed.value}: run stopped (abortOnFail)`,
    );
    this.o.logger.warn({ run: this.runId, threshold: failed.expr, value: failed.value }, 'threshold failed: aborting');
    this.abort(`threshold ${failed.expr} failed`);
  }

  private span(): RunSpan {
    return {
      startAt: this.plannedStartAt,
      loadMs: this.loadMs,
      longestMs: this.longestMs,
      leaseMs: this.o.scenario.leaseMs,
    };
  }

  /** The closing Stop, and the Finished of every agent still connected. */
  private async closeWith(reason: string): Promise<void> {
    const stopId = this.stops.send(reason, true, this.participants.values());
    await this.until(() => this.stops.answered(stopId, this.participants.values()), FINISH_TIMEOUT_MS, 'urgent');
  }

  /**
   * Waits for `cond`; an `abortable` wait also ends when an agent failed the start or on abort,
   * an `urgent` one on a second abort (the user will not wait for stragglers).
   */
  private until(cond: () => boolean, ms: number, kind: 'abortable' | 'urgent'): Promise<void> {
    const done =
      kind === 'abortable'
        ? () => cond() || this.failure !== undefined || this.aborted !== undefined
        : () => cond() || this.hurry;
    return this.waiter.until(done, ms);
  }

  // The cluster's words for the run go to its inbox (the run stays the one the cluster knows).
  holds(session: AgentSession): boolean {
    return this.inbox.holds(session);
  }
  resume(session: AgentSession): boolean {
    return this.inbox.resume(session);
  }
  reattached(session: AgentSession): void {
    this.inbox.reattached(session);
  }
  disconnected(session: AgentSession): void {
    this.inbox.disconnected(session);
  }
  message(session: AgentSession, env: barrage.v1.Envelope): void {
    this.inbox.message(session, env);
  }

  /** The result: every interval closed and told, every monitor sample told, the final counters told. */
  private finish(): RunResult {
    this.aggregate.closeAll();
    this.publisher.monitors(this.monitorSamples());
    this.publisher.final(this.aggregate.series());
    return assembleResult({
      runId: this.runId,
      aborted: this.aborted !== undefined,
      plannedStartAt: this.plannedStartAt,
      endedAt: this.o.clock.now(),
      participants: [...this.participants.values()],
      aggregate: this.aggregate,
      closingStopId: this.stops.lastId,
      rejectedReports: this.intake.rejected,
      notes: this.notes,
      abortedByThreshold: this.thresholdAbort !== undefined,
      thresholdAbort: this.thresholdAbort,
      monitors: this.monitors?.stats() ?? {},
      monitorSamples: this.monitors?.samples() ?? {},
    });
  }
}
