// One run on this agent: the prepared plan, its schedulers, recorder, reporter
// and completion log, from Assign through the final report and Finished.
import type { LookupFunction } from 'node:net';
import { guardedLookup } from '../http/guarded-lookup.ts';
import { TargetAllowlist } from '@barrage/core';
import { barrage } from '@barrage/proto';
import type { Clock } from '@barrage/core';
import { CompletionLog } from '../measure/completion-log.ts';
import { AgentHealth } from '../measure/agent-health.ts';
import { ArrivalSchedule } from '@barrage/core';
import { Requester } from '../http/requester.ts';
import { prepareAssignment, type PreparedScenario } from './assignment.ts';
import { Recorder } from '../measure/recorder.ts';
import { Reporter } from '../measure/reporter.ts';
import { ClosedModel, OpenModel, type Scheduler } from '../load/scheduler.ts';
import { AgentErrors } from '../errors.ts';
import { clusterVusAt, DEFAULT_AGENT_TIMEOUT_MS, DEFAULT_LEASE_MS, isOpenExecutor, modelOfExecutor, peakShare, segmentShare } from '@barrage/core';
import { ownsArrival, subSegment, type WorkerSlot } from '@barrage/core';
import { sliceScenario } from '../workers/worker-slice.ts';

const Executors = barrage.v1.Executor;

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
  /** Run as one of the agent's worker threads: only this worker's slice of the agent's share. */
  worker?: WorkerSlot;
}

/** Bounds on what Takeover messages may add to one run (a controller is trusted, its bytes are still bytes). */
const MAX_TAKEOVERS = 64;
const MAX_EXTRA = 100_000;

/** Defaults when an Assign leaves the liveness settings at 0 (the scenario schema has the same). */
/** Golden-ratio step: frac((j+1)·PHI) spreads arrival indices evenly over [0,1) for a takeover split. */
const PHI = (Math.sqrt(5) - 1) / 2;
const inPart = (j: number, from: number, to: number) => {
  const u = ((j + 1) * PHI) % 1;
  return u >= from && u < to;
};

/** The allowlists of a run (the controller's, then the agent's own); throws when a request's host is outside one. */
function checkTargets(assign: barrage.v1.Assign.$Properties, scenarios: readonly PreparedScenario[], own: TargetAllowlist | undefined): TargetAllowlist[] {
  let fromController: TargetAllowlist;
  try {
    fromController = new TargetAllowlist(assign.allowTargets ?? []);
  } catch (err) {
    throw new AgentErrors.BAD_ASSIGN((err as Error).message);
  }
  const lists = [fromController, ...(own ? [own] : [])];
  const hosts = new Set(scenarios.flatMap((s) => s.entries.flatMap((e) => e.steps.map((r) => new URL(r.origin).hostname))));
  for (const host of hosts) {
    for (const list of lists) {
      const why = list.checkHost(host);
      if (why !== undefined) throw new AgentErrors.TARGET_NOT_ALLOWED(why);
    }
  }
  return lists;
}

/**
 * Every check an AgentRun makes of its Assign, without building the run: for a caller that
 * hands the plan on (the multi-worker agent's main thread). Returns the run's liveness settings.
 */
export function checkAssign(assign: barrage.v1.Assign.$Properties, own?: TargetAllowlist): { runId: string; agentTimeoutMs: number; leaseMs: number } {
  checkTargets(assign, prepareAssignment(assign, []), own);
  return { runId: assign.runId!, agentTimeoutMs: assign.agentTimeoutMs || DEFAULT_AGENT_TIMEOUT_MS, leaseMs: assign.leaseMs || DEFAULT_LEASE_MS };
}

export class AgentRun {
  readonly runId: string;
  readonly reporter: Reporter;
  private readonly scenarios: PreparedScenario[];
  private readonly recorder: Recorder;
  private readonly log = new CompletionLog();
  private readonly requesters: Requester[];
  private readonly health = new AgentHealth();
  /** The agent's segment (an open model's phase) and this process's or worker's part of it (ramps). */
  private readonly segment: { start: number; end: number };
  private readonly vuSegment: { start: number; end: number };
  private readonly worker: WorkerSlot | undefined;
  private lastCompletionAt = 0;
  private readonly controllerClock: Clock;
  private readonly schedulers: Scheduler[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  /** Scenarios waiting for their startTime, by index; cleared when launched. */
  private readonly launches = new Map<number, NodeJS.Timeout>();
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
  /** Per executor: how long its requests may finish after a stop (takeover executors are appended). */
  private readonly grace: number[];
  private readonly allowH2: boolean;
  private readonly lookup: LookupFunction;
  private readonly contactAgeMs: () => number;
  private readonly onLeaseExpired: (silentMs: number) => void;
  /** When the lease expired and firing stopped for good (controller clock); 0 = never. */
  leaseExpiredAt = 0;
  /** Responses completed so far (the Status message's rate comes from it). */
  completed = 0;
  /** Liveness settings of the run (Assign.agent_timeout_ms, lease_ms). */
  readonly agentTimeoutMs: number;
  readonly leaseMs: number;
  state: 'assigned' | 'waiting' | 'running' | 'done' = 'assigned';

  constructor(o: AgentRunOptions) {
    this.runId = o.assign.runId!;
    const w = o.worker;
    this.worker = w;
    this.scenarios = prepareAssignment(o.assign, this.names).map((s) => (w === undefined ? s : sliceScenario(s, w, isOpenExecutor(s.executor))));
    this.segment = { start: o.assign.segmentStart ?? 0, end: o.assign.segmentEnd ?? 1 };
    this.vuSegment = w === undefined ? this.segment : subSegment(this.segment, w);
    this.pending = this.scenarios.length;
    this.lookup = this.guardTargets(o);
    this.offset = o.offset;
    this.offsetMs = o.offset();
    const base = o.clock;
    this.controllerClock = { now: () => base.now() + this.offsetMs };
    const openNames = new Set(this.scenarios.filter((s) => isOpenExecutor(s.executor)).flatMap((s) => s.entries.flatMap((e) => e.steps.map((r) => this.names[r.index]!))));
    this.recorder = new Recorder(this.names, openNames);
    // One executor per scenario: its connections are its own (VUs, or in-flight slots, unless set).
    this.requesters = this.scenarios.map((s) => new Requester({
      allowH2: o.assign.allowH2 ?? false, connections: s.connections || this.concurrency(s), serviceTime: isOpenExecutor(s.executor),
      recorder: this.recorder, log: this.log, clock: this.controllerClock,
      onComplete: this.onComplete, lookup: this.lookup,
    }));
    this.grace = this.scenarios.map((s) => s.gracefulStopMs);
    this.contactAgeMs = o.contactAgeMs ?? (() => 0);
    this.onLeaseExpired = o.onLeaseExpired ?? (() => {});
    this.allowH2 = o.assign.allowH2 ?? false;
    this.agentTimeoutMs = o.assign.agentTimeoutMs || DEFAULT_AGENT_TIMEOUT_MS;
    this.leaseMs = o.assign.leaseMs || DEFAULT_LEASE_MS;
    this.onFinalReport = o.onFinalReport;
    this.reporter = new Reporter({
      runId: this.runId, intervalMs: o.assign.intervalMs || 1000, clock: this.controllerClock,
      recorder: this.recorder, send: o.send,
      status: () => ({ inFlight: this.requesters.reduce((n, e) => n + e.inFlight, 0), activeVus: this.schedulers.reduce((n, s) => n + s.activeVus, 0), leaseExpiredAt: this.leaseExpiredAt, ...this.health.sample() }),
    });
  }

  /**
   * Asked before every arrival and iteration: false for good once the lease has run out (no
   * contact with the controller for leaseMs). Checked here, not only by a timer, so a process
   * that was frozen past its lease fires nothing of its backlog when it wakes: a lost agent's
   * share may be running elsewhere by then.
   */
  readonly mayFire = (): boolean => {
    if (this.leaseExpiredAt > 0) return false;
    const age = this.contactAgeMs();
    if (age <= this.leaseMs) return true;
    this.leaseExpiredAt = this.controllerClock.now();
    this.onLeaseExpired(age);
    setImmediate(() => this.stop());
    return false;
  };

  /**
   * Every request's host against the controller's allowlist and the agent's own, before
   * anything is fired; their addresses are checked again at each connect (the lookup).
   */
  private guardTargets(o: AgentRunOptions): LookupFunction {
    const lists = checkTargets(o.assign, this.scenarios, o.allowTargets);
    const refused = new Set<string>();
    return guardedLookup(lists, (host, why) => {
      if (refused.has(host)) return;
      refused.add(host);
      o.onTargetRefused?.(host, why);
    });
  }

  private readonly onComplete = (at: number): void => {
    this.completed++;
    if (at > this.lastCompletionAt) this.lastCompletionAt = at;
  };

  /** What the Status message reports. */
  get status(): { state: string; inFlight: number; activeVus: number } {
    const state = this.state === 'running' && this.stopping ? 'stopping' : this.state;
    return { state, inFlight: this.requesters.reduce((n, e) => n + e.inFlight, 0), activeVus: this.schedulers.reduce((n, s) => n + s.activeVus, 0) };
  }

  /** Stopping or stopped: nothing new will be fired. */
  get firing(): boolean {
    return !this.stopping && this.state !== 'done';
  }

  /** The most iterations a scenario runs at once on this agent. */
  private concurrency(s: PreparedScenario): number {
    if (modelOfExecutor(s.executor)?.ramping === true) return peakShare(s.startTarget, s.stages, this.vuSegment.start, this.vuSegment.end);
    if (isOpenExecutor(s.executor)) return s.maxInFlight;
    return s.vus;
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
    const delay = Math.max(0, startAt - this.controllerClock.now());
    this.timers.push(setTimeout(() => this.begin(startAt), delay));
  }

  private begin(startAt: number): void {
    if (this.stopping) { this.finishReports(); return; }
    this.state = 'running';
    this.startAt = startAt;
    this.health.start();
    this.reporter.start(startAt, this.controllerClock.now());
    if (this.pending === 0) { this.finishReports(); return; }
    // Every end is planned from startAt, not from now: an agent that got Start late (after a
    // reconnect) stops with the others instead of running past the plan. In-flight requests
    // past their scenario's end get its graceful_stop to finish, then are cut (and counted as errors).
    this.scenarios.forEach((s, i) => {
      const hardEnd = startAt + s.startOffsetMs + s.durationMs + s.gracefulStopMs;
      this.timers.push(setTimeout(() => void this.requesters[i]!.close(), Math.max(0, hardEnd - this.controllerClock.now())));
    });
    this.scenarios.forEach((s, index) => {
      const launch = () => {
        this.launches.delete(index);
        // performance.now() of the scenario's planned start, whenever this agent got to it.
        const startPerf = performance.now() + (startAt + s.startOffsetMs - this.controllerClock.now());
        if (this.stopping || performance.now() >= startPerf + s.durationMs) { this.scenarioIdle(); return; }
        const model = this.scheduler(s, index, startPerf);
        this.schedulers.push(model);
        model.start();
      };
      const wait = startAt + s.startOffsetMs - this.controllerClock.now();
      if (wait > 1) this.launches.set(index, setTimeout(launch, wait)); else launch();
    });
    // A loss declared between Start and the start instant: its takeover waited for now.
    for (const t of this.queuedTakeovers.splice(0)) this.takeover(t);
  }

  private scheduler(s: PreparedScenario, index: number, startAt: number): Scheduler {
    const exec = this.requesters[index]!;
    const onIdle = () => this.scenarioIdle();
    const { start, end } = this.vuSegment;
    if (isOpenExecutor(s.executor)) {
      const schedule = new ArrivalSchedule(s.startTarget, s.stages);
      const w = this.worker;
      return new OpenModel(exec, s.entries, this.recorder, {
        schedule, count: s.iterations, phase: this.segment.start, startAt, maxInFlight: s.maxInFlight, mayFire: this.mayFire,
        ...(w === undefined ? {} : { include: (j: number) => ownsArrival(j, w) }),
      }, onIdle);
    }
    const ramp = modelOfExecutor(s.executor)?.ramping === true;
    return new ClosedModel(exec, s.entries, {
      vus: ramp ? peakShare(s.startTarget, s.stages, start, end) : s.vus,
      target: ramp ? (t) => segmentShare(clusterVusAt(s.startTarget, s.stages, t), start, end) : undefined,
      iterations: s.executor === Executors.EXECUTOR_SHARED_ITERATIONS ? s.iterations : Infinity,
      iterationsPerVu: s.executor === Executors.EXECUTOR_PER_VU_ITERATIONS ? s.iterationsPerVu : Infinity,
      startAt, endAt: startAt + s.durationMs, thinkTimeMs: s.thinkTimeMs, mayFire: this.mayFire,
    }, onIdle);
  }

  /**
   * Rebalance: take over parts of a lost agent's segment from `fromAt` to each scenario's end,
   * with connections of their own. Iteration-bounded scenarios are left alone (what the lost
   * agent completed is unknown). Queued until the start instant; ignored once stopping.
   */
  takeover(t: barrage.v1.Takeover.$Properties): void {
    const bad = (why: string) => new AgentErrors.BAD_ASSIGN(`takeover ${t.id}: ${why}`);
    if (t.runId !== this.runId || this.stopping || this.state === 'done') return;
    const lostStart = t.lostStart ?? 0;
    const lostEnd = t.lostEnd ?? 0;
    const shares = t.shares ?? [];
    if (!(lostStart >= 0 && lostStart < lostEnd && lostEnd <= 1)) throw bad(`segment [${lostStart}, ${lostEnd})`);
    if (!Number.isFinite(t.fromAt ?? NaN)) throw bad(`from_at ${t.fromAt}`);
    if (shares.length > this.scenarios.length || new Set(shares.map((x) => x.scenario)).size !== shares.length) throw bad('one share per scenario');
    for (const x of shares) {
      if (this.scenarios[x.scenario ?? -1] === undefined) throw bad(`no scenario ${x.scenario}`);
      if (!((x.partStart ?? 0) >= 0 && (x.partStart ?? 0) < (x.partEnd ?? 0) && (x.partEnd ?? 0) <= 1)) throw bad(`part [${x.partStart}, ${x.partEnd})`);
    }
    if (this.state === 'assigned' || this.state === 'waiting') {
      if (this.queuedTakeovers.length >= MAX_TAKEOVERS) throw bad('too many takeovers');
      this.queuedTakeovers.push(t);
      return;
    }
    if (++this.takeovers > MAX_TAKEOVERS) throw bad('too many takeovers');
    for (const share of shares) {
      const index = share.scenario!;
      const s = this.scenarios[index]!;
      if (modelOfExecutor(s.executor)?.iterationBounded !== false) continue;
      const partStart = share.partStart!;
      const partEnd = share.partEnd!;
      const sub = { start: lostStart + (lostEnd - lostStart) * partStart, end: lostStart + (lostEnd - lostStart) * partEnd };
      const open = isOpenExecutor(s.executor);
      const ramp = modelOfExecutor(s.executor)?.ramping === true;
      const vus = ramp ? peakShare(s.startTarget, s.stages, sub.start, sub.end) : (share.vus ?? 0);
      const arrivals = Math.min(share.arrivals ?? 0, s.totalArrivals);
      const maxInFlight = Math.max(1, share.maxInFlight ?? 0);
      const adds = open ? maxInFlight : vus;
      if ((open ? arrivals === 0 : vus === 0)) continue;
      if ((this.extra += adds) > MAX_EXTRA) throw bad(`more than ${MAX_EXTRA} VUs or in-flight slots taken over`);
      const scenarioAt = this.startAt + s.startOffsetMs;
      const endAt = scenarioAt + s.durationMs;
      // Within the scenario: a from_at far off must not overflow a timer.
      const fromAt = Math.min(Math.max(t.fromAt!, scenarioAt), endAt);
      if (this.controllerClock.now() >= endAt) continue;
      const exec = new Requester({
        allowH2: this.allowH2, connections: s.connections || adds, serviceTime: open,
        recorder: this.recorder, log: this.log, clock: this.controllerClock, onComplete: this.onComplete, lookup: this.lookup,
      });
      this.requesters.push(exec);
      this.grace.push(s.gracefulStopMs);
      this.timers.push(setTimeout(() => void exec.close(), Math.max(0, endAt + s.gracefulStopMs - this.controllerClock.now())));
      this.pending++;
      const launchKey = -(this.takeovers * 1_000 + index + 1);
      const launch = () => {
        this.launches.delete(launchKey);
        const startPerf = performance.now() + (scenarioAt - this.controllerClock.now());
        if (this.stopping || performance.now() >= startPerf + s.durationMs) { this.scenarioIdle(); return; }
        const onIdle = () => this.scenarioIdle();
        const model: Scheduler = open
          ? new OpenModel(exec, s.entries, this.recorder, {
            schedule: new ArrivalSchedule(s.startTarget, s.stages), count: arrivals, phase: lostStart, startAt: startPerf, maxInFlight,
            include: (j) => inPart(j, partStart, partEnd), fromAt: performance.now() + (fromAt - this.controllerClock.now()), mayFire: this.mayFire,
          }, onIdle)
          : new ClosedModel(exec, s.entries, {
            vus, target: ramp ? (x) => segmentShare(clusterVusAt(s.startTarget, s.stages, x), sub.start, sub.end) : undefined,
            iterations: Infinity, iterationsPerVu: Infinity, startAt: startPerf, endAt: startPerf + s.durationMs, thinkTimeMs: s.thinkTimeMs, mayFire: this.mayFire,
          }, onIdle);
        this.schedulers.push(model);
        model.start();
      };
      const wait = fromAt - this.controllerClock.now();
      if (wait > 1) this.launches.set(launchKey, setTimeout(launch, wait)); else launch();
    }
  }

  private scenarioIdle(): void {
    if (--this.pending === 0) this.finishReports();
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    for (const t of this.launches.values()) clearTimeout(t);
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
    // Scenarios still waiting for their startTime will never fire: they are done now.
    for (const [index, timer] of [...this.launches]) {
      clearTimeout(timer);
      this.launches.delete(index);
      this.scenarioIdle();
    }
    if (this.state === 'assigned' || this.state === 'waiting') {
      this.finishReports();
      return;
    }
    this.requesters.forEach((e, i) => this.timers.push(setTimeout(() => void e.close(), this.grace[i]!).unref()));
  }

  /** The answer to a Stop, once the final report is out. */
  finished(stop: barrage.v1.Stop.$Properties): barrage.v1.Finished.$Properties {
    const counts = (stop.firstRateLimitedAt ?? []).map((t) => {
      const index = t.name ? this.names.indexOf(t.name) : -1;
      const count = t.name && index < 0 ? 0 : this.log.countBefore(t.at ?? 0, index);
      return { name: t.name ?? '', count };
    });
    return {
      runId: this.runId, startedAt: this.reporter.startedAt, endedAt: this.lastCompletionAt,
      lastSeq: this.reporter.seq, completedBeforeFirstRateLimited: counts, completionLogTruncated: this.log.truncated,
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
