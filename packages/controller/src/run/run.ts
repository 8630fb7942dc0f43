// One distributed run, start to end: assign each agent its plan, wait until all
// are clock-synced and ready, start them on one instant, take in their reports,
// then stop them and collect their closing facts. Orchestration only: the run's
// state is run-state.ts; what each message means, report-intake.ts through
// inbox.ts; agent loss, agent-watch.ts and agent-loss.ts; stopping,
// stop-protocol.ts; live verdicts, live-verdicts.ts; and what the run tells the
// world goes out as events (events.ts) through publisher.ts.
import type { Clock } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import type { Logger } from 'pino';
import type { AgentSession } from '../cluster/agent-session.ts';
import type { Cluster, RunListener } from '../cluster/cluster.ts';
import { ControllerErrors } from '../errors.ts';
import type { RunAggregate } from '../merge/run-aggregate.ts';
import { type MonitorPlan, uncheckedPlan } from '../monitor/monitor-plan.ts';
import { MonitorPoller } from '../monitor/monitor-poller.ts';
import type { MonitorSample } from '../monitor/monitor-stats.ts';
import { planRun } from '../plan/assignments.ts';
import { dataChunks } from '../plan/data-chunks.ts';
import { intervalLengthMs } from '../plan/interval-length.ts';
import type { RunVar } from '../plan/setup.ts';
import { assembleResult, type RunResult } from '../results/run-result.ts';
import { bodyFileBytes } from '../scenario/body-files.ts';
import { connectionNotes } from '../scenario/connections.ts';
import type { Scenario } from '../scenario/scenario.ts';
import type { Threshold, ThresholdResult } from '../scenario/thresholds.ts';
import { AgentLossHandler, WATCH_MS } from './agent-loss.ts';
import { RunEventFanout, type RunEvents, type RunView } from './events.ts';
import { RunInbox } from './inbox.ts';
import { LiveVerdicts } from './live-verdicts.ts';
import { newParticipant, type Participant } from './participant.ts';
import { RunPublisher } from './publisher.ts';
import { ReportIntake } from './report-intake.ts';
import { RunState } from './run-state.ts';
import { allSettled, completeInterval, deadline } from './settling.ts';
import { StopProtocol } from './stop-protocol.ts';

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
  /** Interval length; default: the one plan/interval-length.ts chooses for the scenario. */
  intervalMs?: number;
  readyTimeoutMs?: number;
  /** Who hears of the run as it goes (the store writer, the live stream, a progress display). */
  events?: readonly RunEvents[];
  /** The controller's target allowlist, for the agents to enforce after DNS resolution. */
  allowTargets?: readonly string[];
  /** The monitors as the preflight checked them (monitor/monitor-preflight.ts); without: polled as written. */
  monitors?: MonitorPlan;
}

const START_LEAD_MS = 300;
const FINISH_TIMEOUT_MS = 10_000;
const PROGRESS_LAG_MS = 250;
/** Timers hold at most 2^31-1 ms; the main wait ends on its own condition long before. */
const MAX_WAIT_MS = 2 ** 31 - 1;

export class Run implements RunListener, RunView {
  readonly runId: string;
  private readonly o: RunOptions;
  private readonly state: RunState;
  private readonly events: RunEventFanout;
  private readonly publisher: RunPublisher;
  private readonly intake: ReportIntake;
  private readonly stops: StopProtocol;
  private readonly loss: AgentLossHandler;
  private readonly inbox: RunInbox;
  private readonly verdicts: LiveVerdicts;
  private monitors: MonitorPoller | undefined;

  constructor(o: RunOptions) {
    this.o = o;
    this.runId = o.runId;
    this.events = new RunEventFanout(o.events ?? [], o.logger);
    this.publisher = new RunPublisher(this.events, this);
    this.state = new RunState({ ...o, intervalMs: o.intervalMs ?? intervalLengthMs(o.scenario) }, (p, h) =>
      this.publisher.closed(p, h),
    );
    this.intake = new ReportIntake(this.state);
    this.stops = new StopProtocol(o.runId, this.state.aggregate);
    this.loss = new AgentLossHandler(this.state);
    this.inbox = new RunInbox(this.state, this.intake, this.loss, this.stops);
    this.verdicts = new LiveVerdicts(this.state, () => this.monitors?.stats());
  }

  get participants(): ReadonlyMap<string, Participant> {
    return this.state.participants;
  }

  get aggregate(): RunAggregate {
    return this.state.aggregate;
  }

  get intervalMs(): number {
    return this.state.intervalMs;
  }

  get startAt(): number {
    return this.state.startAt;
  }

  /** The newest interval every agent still running has reported (-1 before that). */
  get completeInterval(): number {
    return completeInterval(this.state.participants.values(), this.state.aggregate);
  }

  /**
   * Runs to the end; resolves with what happened (aborted and degraded runs resolve too).
   * Throws when the run cannot start (agents not ready, a plan rejected); the agents are
   * then told to drop it, so none is left holding a run that will never start.
   */
  async execute(): Promise<RunResult> {
    const { o, state: s } = this;
    const all = () => [...s.participants.values()];
    o.cluster.attach(this);
    let progress: NodeJS.Timeout | undefined;
    this.loss.watch(o.clock.now(), false, false);
    const watch = setInterval(() => {
      this.loss.watch(o.clock.now(), s.startAt > 0 && !s.winding, s.aborted !== undefined);
      s.waiter.poke();
    }, WATCH_MS);
    try {
      this.assign();
      // Data rows travel before the plan: a large table gets time to arrive (a second per million values);
      // agents hash their copies of body files before they are ready (a second per 200 MB).
      const values = o.scenario.data.reduce((a, d) => a + d.rows.length * d.columns.length, 0);
      const fileMs = bodyFileBytes(o.scenario.requests) / 200_000;
      await s.until(
        () => all().every((p) => p.ready),
        (o.readyTimeoutMs ?? 15_000) + values / 1000 + fileMs,
        'abortable',
      );
      if (s.failure) throw s.failure;
      const late = all().filter((p) => !p.ready);
      if (s.aborted === undefined && late.length > 0) {
        throw new ControllerErrors.AGENTS_NOT_READY(
          `agent(s) ${late.map((p) => p.name).join(', ')} did not become ready`,
        );
      }
      if (s.aborted === undefined) {
        this.start();
        // Just after each interval boundary, when the agents' reports for it have had time to land.
        const tick = (k: number) => {
          const at = s.startAt + k * s.intervalMs + PROGRESS_LAG_MS;
          progress = setTimeout(
            () => {
              this.publisher.tick(this.monitorSamples(), this.verdicts.tick());
              tick(k + 1);
            },
            Math.max(0, at - o.clock.now()),
          );
        };
        tick(1);
        // Re-checked on every message and watch tick; the deadline moves while a lost agent may return.
        const over = () => o.clock.now() >= deadline(s.participants.values(), s.span);
        await s.until(
          () => allSettled(s.participants.values(), o.clock.now(), s.span) || over(),
          MAX_WAIT_MS,
          'abortable',
        );
      }
      s.winding = true;
      if (!all().every((p) => p.final)) {
        // Abort or deadline: tell everyone to stop firing, then wait for the final reports of
        // the agents still connected, as long as in-flight requests may take to finish.
        this.stops.send(s.aborted ?? 'deadline', false, s.participants.values());
        const grace = Math.max(...o.scenario.scenarios.map((m) => m.gracefulStopMs));
        await s.until(() => all().every((p) => p.final || !p.session.open), grace + FINISH_TIMEOUT_MS, 'urgent');
      }
      // The monitors' last samples show the target as the load left it.
      await this.monitors?.stop();
      await this.closeWith(s.aborted ?? 'complete');
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
    this.state.abort(reason);
  }

  /** Thresholds judged on the merged results so far: what live views show while the run goes. */
  judge(ts: readonly Threshold[]): ThresholdResult[] {
    return this.verdicts.judge(ts);
  }

  /** Each monitor's samples so far (empty before the start, or without monitors). */
  monitorSamples(): Record<string, MonitorSample[]> {
    return this.monitors?.samples() ?? {};
  }

  /** Sends every agent its plan. */
  private assign(): void {
    const { o, state: s } = this;
    const agents = o.agents.map((a) => ({ id: a.id, weight: a.hello!.weight, workers: a.hello!.workers }));
    const plans = planRun({ ...o, agents, intervalMs: s.intervalMs });
    // Every agent gets every row: a takeover may need any agent's rows.
    const chunks = dataChunks(s.runId, o.scenario.data);
    o.agents.forEach((a, i) => {
      s.participants.set(a.id, newParticipant(a, plans[i]!.segment));
      s.plans.set(a.id, plans[i]!);
      for (const dataChunk of chunks) a.send({ dataChunk });
      a.send({ assign: plans[i]!.assign });
    });
  }

  /** Every agent is ready: one start instant for all, far enough ahead for the slowest link. */
  private start(): void {
    const { o, state: s } = this;
    const maxRtt = Math.max(...[...s.participants.values()].map((p) => p.clockRttMs));
    s.startAt = o.clock.now() + Math.max(START_LEAD_MS, 4 * maxRtt);
    for (const p of s.participants.values()) p.session.send({ start: { runId: s.runId, startAt: s.startAt } });
    this.events.started({
      runId: s.runId,
      scenario: o.scenario.name,
      plannedStartAt: s.startAt,
      intervalMs: s.intervalMs,
    });
    const plan = o.monitors ?? uncheckedPlan(o.scenario.monitors, o.baseUrl);
    s.notes.push(...plan.notes, ...connectionNotes(o.scenario.connections));
    if (plan.active.length + plan.leftOut.length > 0) {
      this.monitors = new MonitorPoller(plan, o.clock);
      this.monitors.start(s.startAt);
    }
    o.logger.info({ run: s.runId, agents: s.participants.size }, 'run started');
  }

  /** The closing Stop, and the Finished of every agent still connected. */
  private async closeWith(reason: string): Promise<void> {
    const { participants } = this.state;
    const stopId = this.stops.send(reason, true, participants.values());
    await this.state.until(() => this.stops.answered(stopId, participants.values()), FINISH_TIMEOUT_MS, 'urgent');
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
    const s = this.state;
    s.aggregate.closeAll();
    this.publisher.monitors(this.monitorSamples());
    this.publisher.final(s.aggregate.series());
    return assembleResult({
      runId: s.runId,
      aborted: s.aborted !== undefined,
      plannedStartAt: s.startAt,
      endedAt: this.o.clock.now(),
      participants: [...s.participants.values()],
      aggregate: s.aggregate,
      closingStopId: this.stops.lastId,
      rejectedReports: this.intake.rejected,
      abortedByThreshold: s.thresholdAbort !== undefined,
      thresholdAbort: s.thresholdAbort,
      notes: [...s.notes, ...(this.monitors?.notes() ?? [])],
      monitors: this.monitors?.stats() ?? {},
      monitorSamples: this.monitors?.samples() ?? {},
      monitorRequests: this.monitors?.requestCounts() ?? this.o.monitors?.requests ?? {},
    });
  }
}
