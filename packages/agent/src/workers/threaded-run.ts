// One run of a multi-worker agent (`agent --workers N`), seen from the main
// thread: the Assign is checked here (errors answer the controller at once, as
// in a single-thread agent), each worker fires its slice, and their interval
// reports are merged into one report per interval, sent, kept for resending
// and acknowledged here. To the controller it is one agent.

import type { Clock } from '@barrage/core';
import { barrage, decodeEnvelope } from '@barrage/proto';
import { AgentErrors } from '../errors.ts';
import { Reporter } from '../measure/reporter.ts';
import type { AgentRunOptions } from '../run/agent-run.ts';
import type { RunHandle } from '../run/run-handle.ts';
import { checkAssign } from '../run/target-guard.ts';
import { ReportMerger } from './report-merger.ts';
import type { WorkerListener, WorkerPool } from './worker-pool.ts';
import type { FromWorker } from './worker-protocol.ts';

export interface ThreadedRunOptions
  extends Pick<
    AgentRunOptions,
    | 'assign'
    | 'clock'
    | 'offset'
    | 'send'
    | 'onFinalReport'
    | 'contactAgeMs'
    | 'onLeaseExpired'
    | 'onTargetRefused'
    | 'allowTargets'
    | 'data'
  > {
  pool: WorkerPool;
  /** A worker refused its part or died: said to the controller as a non-fatal error. */
  onError: (code: string, message: string) => void;
}

interface WorkerStatus {
  state: string;
  inFlight: number;
  activeVus: number;
  completed: number;
}

let finishedIds = 0;
/** Each run's generation: the workers stamp their messages with it, so words about an earlier run are ignored. */
let generations = 0;

export class ThreadedRun implements RunHandle, WorkerListener {
  readonly runId: string;
  readonly reporter: Reporter;
  readonly agentTimeoutMs: number;
  readonly leaseMs: number;
  state: 'assigned' | 'waiting' | 'running' | 'done' = 'assigned';
  private readonly o: ThreadedRunOptions;
  private readonly pool: WorkerPool;
  private readonly merger: ReportMerger;
  private readonly workers: WorkerStatus[];
  private readonly waiting = new Map<
    number,
    {
      replies: Array<barrage.v1.Finished.$Properties | null | undefined>;
      left: number;
      resolve: (f: Array<barrage.v1.Finished.$Properties | null>) => void;
    }
  >();
  private readonly gen = ++generations;
  /** Workers with nothing more to give this run (assign failed, or died). */
  private readonly out = new Set<number>();
  /** Parts of the load that stopped (a worker died or refused its part): said again after a reconnect. */
  private readonly failures: Array<{ code: string; message: string }> = [];
  private stopping = false;
  private leaseExpired = false;

  constructor(o: ThreadedRunOptions) {
    this.o = o;
    this.pool = o.pool;
    // The same checks a single-thread agent makes, here and now: a bad plan is refused before any worker sees it.
    ({
      runId: this.runId,
      agentTimeoutMs: this.agentTimeoutMs,
      leaseMs: this.leaseMs,
    } = checkAssign(o.assign, o.allowTargets, o.data));
    this.workers = Array.from({ length: this.pool.size }, () => ({
      state: 'assigned',
      inFlight: 0,
      activeVus: 0,
      completed: 0,
    }));
    const controllerClock: Clock = { now: () => o.clock.now() + o.offset() };
    this.reporter = new Reporter({
      runId: this.runId,
      intervalMs: o.assign.intervalMs || 1000,
      clock: controllerClock,
      send: o.send,
      status: () => ({ inFlight: 0, activeVus: 0 }),
    });
    this.merger = new ReportMerger(this.pool.size, (m) => {
      this.reporter.push(m.interval, m.stats, m.final, m.status);
      if (m.final) {
        this.state = 'done';
        this.o.onFinalReport();
      }
    });
    this.pool.attach(this);
    this.pool.broadcast({
      t: 'assign',
      gen: this.gen,
      assign: barrage.v1.Assign.encode(o.assign).finish(),
      offsetMs: o.offset(),
      data: o.data ?? new Map(),
    });
  }

  message(worker: number, m: FromWorker): void {
    if (m.gen !== this.gen) return;
    switch (m.t) {
      case 'report': {
        const env = decodeEnvelope(m.frame);
        const r = env.report;
        if (env.body !== 'report' || r == null || r.runId !== this.runId) return;
        const startedAt = r.startedAt ?? 0;
        if (startedAt > 0 && (this.reporter.startedAt === 0 || startedAt < this.reporter.startedAt))
          this.reporter.startedAt = startedAt;
        if (this.state === 'waiting') this.state = 'running';
        this.merger.add(worker, r);
        return;
      }
      case 'state': {
        const { state, inFlight, activeVus, completed } = m;
        this.workers[worker] = { state, inFlight, activeVus, completed };
        if (this.state === 'waiting' && (state === 'running' || state === 'stopping')) this.state = 'running';
        return;
      }
      case 'finished':
        return this.reply(worker, m.id, m.finished);
      case 'lease':
        if (!this.leaseExpired) {
          this.leaseExpired = true;
          this.o.onLeaseExpired?.(m.silentMs);
        }
        return;
      case 'refused':
        this.o.onTargetRefused?.(m.host, m.why);
        return;
      case 'assign-failed':
        return this.lose(worker, `refused its part (${m.code}: ${m.message})`);
      case 'error':
        this.o.onError(m.code, `worker ${worker}: ${m.message}`);
    }
  }

  gone(worker: number, why: string): void {
    this.lose(worker, why);
  }

  /** A worker gives nothing more to this run: its reports so far stay, nobody waits for the rest. */
  private lose(worker: number, why: string): void {
    if (this.out.has(worker) || this.state === 'done') return;
    this.out.add(worker);
    const err = new AgentErrors.WORKER_FAILED(worker, why);
    this.failures.push({ code: err.code, message: err.message });
    this.o.onError(err.code, err.message);
    this.workers[worker] = { ...this.workers[worker]!, inFlight: 0, activeVus: 0 };
    this.merger.gone(worker);
    for (const id of this.waiting.keys()) this.reply(worker, id, null);
  }

  /** After a reconnect: what the controller may have missed of the parts that stopped. */
  resendNotices(): void {
    for (const f of this.failures) this.o.onError(f.code, f.message);
  }

  get status(): { state: string; inFlight: number; activeVus: number } {
    const state = this.state === 'running' && this.stopping ? 'stopping' : this.state;
    return {
      state,
      inFlight: this.workers.reduce((n, w) => n + w.inFlight, 0),
      activeVus: this.workers.reduce((n, w) => n + w.activeVus, 0),
    };
  }

  get completed(): number {
    return this.workers.reduce((n, w) => n + w.completed, 0);
  }

  mayFire(): boolean {
    return !this.leaseExpired && (this.o.contactAgeMs?.() ?? 0) <= this.leaseMs;
  }

  start(startAt: number): void {
    if (this.state !== 'assigned') return;
    this.state = 'waiting';
    this.pool.broadcast({ t: 'start', startAt, offsetMs: this.o.offset() });
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.pool.broadcast({ t: 'stop' });
  }

  /**
   * A lost agent's share goes to one worker whole (splitting it again would buy nothing but
   * messages): one still running this run, not one whose own slice is over or that died.
   */
  takeover(t: barrage.v1.Takeover.$Properties): void {
    const live = this.workers.findIndex(
      (w, i) => !this.out.has(i) && !this.merger.workerEnded(i) && w.state !== 'done',
    );
    if (live < 0)
      throw new AgentErrors.BAD_ASSIGN(`takeover ${t.id}: no worker of this agent is still running the run`);
    this.pool.post(live, { t: 'takeover', takeover: barrage.v1.Takeover.encode(t).finish() });
  }

  finished(stop: barrage.v1.Stop.$Properties): Promise<barrage.v1.Finished.$Properties> {
    const id = ++finishedIds;
    const answers = new Promise<Array<barrage.v1.Finished.$Properties | null>>((resolve) => {
      this.waiting.set(id, { replies: new Array(this.pool.size), left: this.pool.size, resolve: (f) => resolve(f) });
      // Workers already out of this run will not answer.
      for (const w of this.out) this.reply(w, id, null);
    });
    this.pool.broadcast({
      t: 'finished',
      id,
      stop: { id: stop.id, runId: stop.runId, closing: stop.closing, firstRateLimitedAt: stop.firstRateLimitedAt },
    });
    return answers.then((parts) => {
      const counts = new Map<string, number>();
      for (const t of stop.firstRateLimitedAt ?? []) counts.set(t.name ?? '', 0);
      let endedAt = 0;
      // A worker that could not answer (it died): its counts are missing, so the sum is a lower bound.
      let truncated = parts.some((f) => f === null);
      for (const f of parts) {
        if (f === null) continue;
        for (const c of f.completedBeforeFirstRateLimited ?? [])
          counts.set(c.name ?? '', (counts.get(c.name ?? '') ?? 0) + (c.count ?? 0));
        endedAt = Math.max(endedAt, f.endedAt ?? 0);
        truncated ||= f.completionLogTruncated ?? false;
      }
      return {
        runId: this.runId,
        startedAt: this.reporter.startedAt,
        endedAt,
        lastSeq: this.reporter.seq,
        completedBeforeFirstRateLimited: [...counts].map(([name, count]) => ({ name, count })),
        completionLogTruncated: truncated,
        stopId: stop.id ?? 0,
      };
    });
  }

  private reply(worker: number, id: number, f: barrage.v1.Finished.$Properties | null): void {
    const w = this.waiting.get(id);
    if (w === undefined || w.replies[worker] !== undefined) return;
    w.replies[worker] = f;
    if (--w.left > 0) return;
    this.waiting.delete(id);
    w.resolve(w.replies as Array<barrage.v1.Finished.$Properties | null>);
  }

  dispose(): void {
    this.stopping = true;
    this.state = 'done';
    this.reporter.cancel();
    this.pool.broadcast({ t: 'dispose' });
    this.pool.attach(undefined);
  }
}
