// One run on this agent: the prepared plan, the models that fire its parts,
// recorder, reporter and completion log, from Assign through the final report
// and Finished. Everything it plans and measures is on one clock, the
// controller's as seen from here (the agent's clock plus the offset clock sync
// measured, frozen at Start), and waits on injected timers.
import type { LookupFunction } from 'node:net';
import {
  type Clock,
  DEFAULT_AGENT_TIMEOUT_MS,
  DEFAULT_LEASE_MS,
  isOpenExecutor,
  subSegment,
  type TargetAllowlist,
  type WorkerSlot,
} from '@barrage/core';
import type { barrage } from '@barrage/proto';
import type { DispatchFactory } from '../http/dispatch.ts';
import type { Requester } from '../http/requester.ts';
import type { Scheduler } from '../load/scheduler.ts';
import { AgentHealth, type ProcessGauges } from '../measure/agent-health.ts';
import { CompletionLog } from '../measure/completion-log.ts';
import { DataRowCount } from '../measure/data-row-count.ts';
import { Recorder } from '../measure/recorder.ts';
import { Reporter } from '../measure/reporter.ts';
import { systemTimers, type Timer, type Timers } from '../timers.ts';
import { sliceScenario } from '../workers/worker-slice.ts';
import { type PreparedScenario, prepareAssignment } from './assignment.ts';
import { type ConnectionPlan, prepareConnections } from './connection-plan.ts';
import type { ReceivedTable } from './data-inbox.ts';
import { Lease } from './lease.ts';
import { concurrency, type OwnSegment, ownPart } from './own-part.ts';
import { modelFor, type Part, type PartContext } from './part.ts';
import { Requesters } from './requesters.ts';
import type { RunHandle } from './run-handle.ts';
import { badTakeover, checkTakeover, takenShares } from './takeover.ts';
import { checkTargets, redirectGuard, targetLookup } from './target-guard.ts';

export interface AgentRunOptions {
  assign: barrage.v1.Assign.$Properties;
  /** Agent's own clock, and its offset to the controller's (read again at Start: sync may finish after Assign). */
  clock: Clock;
  offset: () => number;
  send: (frame: Uint8Array) => void;
  onFinalReport: () => void;
  /** Milliseconds since the last contact with the controller (frame or ping); the lease is judged on it. */
  contactAgeMs?: () => number;
  /** Called once, when the lease runs out and firing stops for good. */
  onLeaseExpired?: (silentMs: number) => void;
  /** The agent's own target allowlist (the controller's comes in the Assign); both must allow. */
  allowTargets?: TargetAllowlist;
  /** A connection refused by an allowlist after DNS resolution (reported once per host). */
  onTargetRefused?: (host: string, why: string) => void;
  /** The rows of the Assign's data sources, as their chunks brought them. */
  data?: ReadonlyMap<string, ReceivedTable>;
  /** Run as one of the agent's worker threads: only this worker's slice of the agent's share. */
  worker?: WorkerSlot;
  /** What the run waits on; default: Node's timers. */
  timers?: Timers;
  /** The HTTP client of each Requester; default: undici Pools. */
  dispatch?: DispatchFactory;
  /** The agent's source addresses (agent --source-ips), dealt round-robin over VUs and arrivals. */
  sourceIps?: readonly string[];
  /** CPU and event-loop gauges for the health figures; default: this process's. */
  gauges?: ProcessGauges;
}

/** Bounds on what Takeover messages may add to one run (a controller is trusted, its bytes are still bytes). */
const MAX_TAKEOVERS = 64;
const MAX_EXTRA = 100_000;

export class AgentRun implements RunHandle {
  readonly runId: string;
  readonly reporter: Reporter;
  private readonly scenarios: PreparedScenario[];
  private readonly recorder: Recorder;
  private readonly dataRows = new DataRowCount();
  private readonly log = new CompletionLog();
  private readonly requesters: Requester[];
  /** Makes the run's Requesters and sums the connections they open. */
  private readonly made: Requesters;
  private readonly health: AgentHealth;
  private readonly lease: Lease;
  /** The agent's segment, and this process's or worker's part of it. */
  private readonly own: OwnSegment;
  private lastCompletionAt = 0;
  /** The run's one time base: controller time, as this agent's clock plus the measured offset. */
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly schedulers: Scheduler[] = [];
  private readonly runTimers: Timer[] = [];
  /** Parts waiting for their first instant, by key; cleared when launched. */
  private readonly launches = new Map<number, Timer>();
  private readonly offset: () => number;
  private offsetMs: number;
  private readonly onFinalReport: () => void;
  private readonly names: string[] = [];
  private pending: number;
  private stopping = false;
  private startAt = 0;
  private takeovers = 0;
  private extra = 0;
  private readonly queuedTakeovers: barrage.v1.Takeover.$Properties[] = [];
  /** Per requester: how long its requests may finish after a stop (takeover requesters are appended). */
  private readonly grace: number[];
  private readonly lookup: LookupFunction;
  private readonly redirectRefused: (host: string) => string | undefined;
  private readonly connections: ConnectionPlan; // TLS and overrides (hosts, connectTo) by profile
  /** What every model of this run is given besides its part. */
  private readonly partContext: PartContext;
  /** Responses (answers with a status) so far: the Status message's rate comes from it. */
  completed = 0;
  /** Liveness settings of the run (Assign.agent_timeout_ms, lease_ms). */
  readonly agentTimeoutMs: number;
  readonly leaseMs: number;
  state: 'assigned' | 'waiting' | 'running' | 'done' = 'assigned';

  constructor(o: AgentRunOptions) {
    this.runId = o.assign.runId!;
    const w = o.worker;
    this.scenarios = prepareAssignment(o.assign, this.names, o.data, w === undefined).map((s) =>
      w === undefined ? s : sliceScenario(s, w, isOpenExecutor(s.executor)),
    );
    const segment = { start: o.assign.segmentStart ?? 0, end: o.assign.segmentEnd ?? 1 };
    this.own = { segment, vuSegment: w === undefined ? segment : subSegment(segment, w), worker: w };
    this.pending = this.scenarios.length;
    const lists = checkTargets(o.assign, this.scenarios, o.allowTargets);
    this.lookup = targetLookup(lists, o.onTargetRefused);
    this.redirectRefused = redirectGuard(lists, o.onTargetRefused);
    this.connections = prepareConnections(o.assign, this.names, lists);
    this.offset = o.offset;
    this.offsetMs = o.offset();
    const base = o.clock;
    this.clock = { now: () => base.now() + this.offsetMs };
    this.timers = o.timers ?? systemTimers;
    const openNames = new Set(
      this.scenarios
        .filter((s) => isOpenExecutor(s.executor))
        .flatMap((s) => s.entries.flatMap((e) => e.steps.map((r) => this.names[r.index]!))),
    );
    this.recorder = new Recorder(this.names, openNames);
    this.made = new Requesters({
      allowH2: o.assign.allowH2 ?? false,
      recorder: this.recorder,
      log: this.log,
      clock: this.clock,
      onComplete: this.onComplete,
      lookup: this.lookup,
      redirectRefused: this.redirectRefused,
      connections: this.connections,
      dispatch: o.dispatch,
      timers: this.timers,
      sources: o.sourceIps,
    });
    // One Requester per scenario: its connections are its own (VUs, or in-flight slots, unless set).
    this.requesters = this.scenarios.map((s) =>
      this.made.make(s, s.connections || concurrency(s, this.own), isOpenExecutor(s.executor)),
    );
    this.grace = this.scenarios.map((s) => s.gracefulStopMs);
    this.agentTimeoutMs = o.assign.agentTimeoutMs || DEFAULT_AGENT_TIMEOUT_MS;
    this.leaseMs = o.assign.leaseMs || DEFAULT_LEASE_MS;
    this.lease = new Lease({
      leaseMs: this.leaseMs,
      contactAgeMs: o.contactAgeMs ?? (() => 0),
      clock: this.clock,
      timers: this.timers,
      onExpired: o.onLeaseExpired ?? (() => {}),
      stop: () => this.stop(),
    });
    this.partContext = {
      clock: this.clock,
      timers: this.timers,
      mayFire: this.lease.mayFire,
      onIdle: () => this.scenarioIdle(),
      countRow: this.dataRows.count,
    };
    this.health = new AgentHealth({ clock: this.clock, timers: this.timers, gauges: o.gauges });
    this.onFinalReport = o.onFinalReport;
    this.reporter = new Reporter({
      runId: this.runId,
      intervalMs: o.assign.intervalMs || 1000,
      clock: this.clock,
      timers: this.timers,
      recorder: this.recorder,
      send: o.send,
      status: () => ({
        ...this.load(),
        leaseExpiredAt: this.lease.expiredAt,
        ...this.health.sample(),
        dataRows: this.dataRows.take(),
        connectionsOpened: this.made.takeOpened(),
        bySource: this.made.takeBySource(),
      }),
    });
  }

  /** Asked before every arrival and iteration: false for good once the lease has run out. */
  mayFire(): boolean {
    return this.lease.mayFire();
  }

  /** When the lease expired and firing stopped for good (controller clock); 0 = never. */
  get leaseExpiredAt(): number {
    return this.lease.expiredAt;
  }

  private readonly onComplete = (at: number, answered: boolean): void => {
    if (answered) this.completed++;
    if (at > this.lastCompletionAt) this.lastCompletionAt = at;
  };

  private load(): { inFlight: number; activeVus: number } {
    return {
      inFlight: this.requesters.reduce((n, e) => n + e.inFlight, 0),
      activeVus: this.schedulers.reduce((n, s) => n + s.activeVus, 0),
    };
  }

  /** What the Status message reports. */
  get status(): { state: string; inFlight: number; activeVus: number } {
    const state = this.state === 'running' && this.stopping ? 'stopping' : this.state;
    return { state, ...this.load() };
  }

  /** Stopping or stopped: nothing new will be fired. */
  get firing(): boolean {
    return !this.stopping && this.state !== 'done';
  }

  private closeRequesters(): void {
    for (const e of this.requesters) void e.close();
  }

  /** Arms the start at `startAt` (controller clock). */
  start(startAt: number): void {
    if (this.state !== 'assigned') return;
    this.state = 'waiting';
    // Frozen from here on: every instant of this run is on one consistent controller clock.
    this.offsetMs = this.offset();
    const delay = Math.max(0, startAt - this.clock.now());
    this.runTimers.push(this.timers.setTimeout(() => this.begin(startAt), delay));
  }

  private begin(startAt: number): void {
    if (this.stopping) {
      this.finishReports();
      return;
    }
    this.state = 'running';
    this.startAt = startAt;
    this.health.start();
    this.reporter.start(startAt, this.clock.now());
    if (this.pending === 0) {
      this.finishReports();
      return;
    }
    this.scenarios.forEach((s, i) => this.launchPart(i, ownPart(s, this.requesters[i]!, startAt, this.own)));
    // A loss declared between Start and the start instant: its takeover waited for now.
    for (const t of this.queuedTakeovers.splice(0)) this.takeover(t);
  }

  /**
   * Arms a part, own or taken over: its connections close at the scenario's hard end (requests
   * still in flight past its end get its graceful_stop to finish, then are cut and counted as
   * errors), and its model starts at `fromAt`, or at once if that has passed. Every instant is
   * planned from the run's start, not from now: an agent that got Start late (after a
   * reconnect) stops with the others instead of running past the plan.
   */
  private launchPart(key: number, p: Part): void {
    const s = p.scenario;
    const endAt = p.scenarioAt + s.durationMs;
    this.runTimers.push(
      this.timers.setTimeout(() => void p.requester.close(), Math.max(0, endAt + s.gracefulStopMs - this.clock.now())),
    );
    const launch = () => {
      this.launches.delete(key);
      if (this.stopping || this.clock.now() >= endAt) {
        this.scenarioIdle();
        return;
      }
      const model = modelFor(p, this.partContext);
      this.schedulers.push(model);
      model.start();
    };
    const wait = p.fromAt - this.clock.now();
    if (wait > 1) this.launches.set(key, this.timers.setTimeout(launch, wait));
    else launch();
  }

  /**
   * Rebalance: take over parts of a lost agent's segment from `fromAt` to each scenario's end,
   * with connections of their own. Queued until the start instant; ignored once stopping.
   */
  takeover(t: barrage.v1.Takeover.$Properties): void {
    if (t.runId !== this.runId || this.stopping || this.state === 'done') return;
    checkTakeover(t, this.scenarios);
    if (this.state === 'assigned' || this.state === 'waiting') {
      if (this.queuedTakeovers.length >= MAX_TAKEOVERS) throw badTakeover(t, 'too many takeovers');
      this.queuedTakeovers.push(t);
      return;
    }
    if (++this.takeovers > MAX_TAKEOVERS) throw badTakeover(t, 'too many takeovers');
    for (const share of takenShares(t, this.scenarios)) {
      const s = this.scenarios[share.index]!;
      if ((this.extra += share.adds) > MAX_EXTRA)
        throw badTakeover(t, `more than ${MAX_EXTRA} VUs or in-flight slots taken over`);
      const scenarioAt = this.startAt + s.startOffsetMs;
      const endAt = scenarioAt + s.durationMs;
      // Within the scenario: a from_at far off must not overflow a timer.
      const fromAt = Math.min(Math.max(t.fromAt!, scenarioAt), endAt);
      if (this.clock.now() >= endAt) continue;
      const requester = this.made.make(s, s.connections || share.adds, isOpenExecutor(s.executor));
      this.requesters.push(requester);
      this.grace.push(s.gracefulStopMs);
      this.pending++;
      this.launchPart(-(this.takeovers * 1_000 + share.index + 1), {
        scenario: s,
        requester,
        scenarioAt,
        fromAt,
        vus: share.vus,
        segment: share.segment,
        arrivals: share.arrivals,
        phase: share.phase,
        maxInFlight: share.maxInFlight,
        include: share.include,
        indexes: share.indexes,
      });
    }
  }

  private scenarioIdle(): void {
    if (--this.pending === 0) this.finishReports();
  }

  private clearTimers(): void {
    for (const t of this.runTimers) this.timers.clearTimeout(t);
    for (const t of this.launches.values()) this.timers.clearTimeout(t);
  }

  private finishReports(): void {
    if (this.reporter.finished) return;
    this.state = 'done';
    this.clearTimers();
    this.closeRequesters();
    this.reporter.finish();
    this.health.stop();
    this.onFinalReport();
  }

  /** Stop firing; the final report follows once in-flight requests complete. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const s of this.schedulers) s.stop();
    // Parts still waiting for their first instant will never fire: they are done now.
    for (const [key, timer] of [...this.launches]) {
      this.timers.clearTimeout(timer);
      this.launches.delete(key);
      this.scenarioIdle();
    }
    if (this.state === 'assigned' || this.state === 'waiting') {
      this.finishReports();
      return;
    }
    this.requesters.forEach((e, i) => {
      const t = this.timers.setTimeout(() => void e.close(), this.grace[i]!);
      t.unref();
      this.runTimers.push(t);
    });
  }

  /** The answer to a Stop, once the final report is out. */
  finished(stop: barrage.v1.Stop.$Properties): barrage.v1.Finished.$Properties {
    const counts = (stop.firstRateLimitedAt ?? []).map((t) => {
      const index = t.name ? this.names.indexOf(t.name) : -1;
      const count = t.name && index < 0 ? 0 : this.log.countBefore(t.at ?? 0, index);
      return { name: t.name ?? '', count };
    });
    return {
      runId: this.runId,
      startedAt: this.reporter.startedAt,
      endedAt: this.lastCompletionAt,
      lastSeq: this.reporter.seq,
      completedBeforeFirstRateLimited: counts,
      completionLogTruncated: this.log.truncated,
      stopId: stop.id ?? 0,
    };
  }

  /** Abandons the run without reports (the controller forgot it). */
  dispose(): void {
    this.stopping = true;
    for (const s of this.schedulers) s.stop();
    this.clearTimers();
    this.reporter.cancel();
    this.health.stop();
    this.closeRequesters();
  }
}
