// The agent's session with its controller, as a state machine driven by the
// controller's messages: connect, say Hello, sync clocks, take an Assign (say
// Ready once synced), start on the controller's instant, answer Stop with
// Finished, and redial (resending unacknowledged reports) when the link
// drops. The options and their checks, the link itself, clock sync, the
// heartbeat, the link watch and the redial policy are their own files beside
// this one; the run is in run/.
import { randomUUID } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import type { Clock } from '@barrage/core';
import { barrage, type EnvelopeShape, encodeEnvelope, PROTOCOL_VERSION, SOFTWARE_VERSION } from '@barrage/proto';
import { AgentErrors } from '../errors.ts';
import { AgentRun } from '../run/agent-run.ts';
import { DataInbox } from '../run/data-inbox.ts';
import type { RunHandle } from '../run/run-handle.ts';
import { ThreadedRun } from '../workers/threaded-run.ts';
import { WorkerPool } from '../workers/worker-pool.ts';
import { type AgentOptions, type AgentSettings, settleOptions } from './agent-options.ts';
import { ClockSync } from './clock-sync.ts';
import { ControllerLink } from './connection.ts';
import { type DialError, dialFailure } from './dial-failure.ts';
import { Heartbeat } from './heartbeat.ts';
import { LinkWatch } from './link-watch.ts';
import { ONCE_MAX_ATTEMPTS, Redial } from './redial.ts';

/** With --once, how long to wait for the last acknowledgements before leaving anyway. */
const ONCE_ACK_WAIT_MS = 10_000;
/** On a signal, how long to wait for the final report's acknowledgement (container runtimes allow 10 s by default). */
const SHUTDOWN_WAIT_MS = 8_000;

export class Agent {
  readonly id = randomUUID();
  private readonly o: AgentOptions;
  private readonly clock: Clock;
  private readonly link: ControllerLink;
  private readonly url: string;
  private readonly own: Pick<AgentSettings, 'allowTargets' | 'sourceIps'>;
  private readonly sync: ClockSync;
  private readonly watch: LinkWatch;
  private readonly heartbeat: Heartbeat;
  private readonly redial: Redial;
  private run: RunHandle | undefined;
  private readonly pool: WorkerPool | undefined;
  /** Rows of the next run's data sources, which come before its Assign. */
  private readonly dataInbox = new DataInbox();
  private stopped = false;
  private shuttingDown = false;
  private pendingStop: barrage.v1.Stop | undefined;
  private rejectedPlan = false;
  private resolveDone!: (code: number) => void;
  readonly done: Promise<number>;

  constructor(o: AgentOptions) {
    this.o = o;
    const { clock, workers, url, ...own } = settleOptions(o);
    this.clock = clock;
    this.url = url;
    this.own = own;
    this.link = new ControllerLink(o.trust);
    this.pool =
      workers > 1
        ? new WorkerPool(workers, {
            clockSkewMs: o.clockSkewMs ?? 0,
            allowTargets: o.allowTargets ?? [],
            logger: o.logger,
          })
        : undefined;
    this.sync = new ClockSync({
      clock: this.clock,
      rounds: o.clockRounds ?? 8,
      ping: (p) => this.send({ clockPing: p }),
    });
    this.watch = new LinkWatch({
      clock: this.clock,
      link: this.link,
      run: () => this.run,
      onContact: (at) => this.pool?.contactAt(at),
      logger: o.logger,
    });
    this.heartbeat = new Heartbeat({
      clock: this.clock,
      link: this.link,
      run: () => this.run,
      send: (status) => this.send({ status }),
    });
    this.redial = new Redial(o.once ? ONCE_MAX_ATTEMPTS : Infinity);
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    this.link.on('open', () => this.onOpen());
    this.link.on('message', (env) => {
      this.watch.heard();
      this.onMessage(env);
    });
    this.link.on('contact', () => this.watch.heard());
    this.link.on('invalid', (err) =>
      this.o.logger.warn({ err: err.message }, 'invalid frame from controller; reconnecting'),
    );
    // A refused token or an untrusted certificate stops the agent at once, --once or not:
    // the same token and CA would be refused again on every retry, and a fleet that keeps
    // redialling would hide the misconfiguration (or a man in the middle) in retry noise.
    this.link.on('refused', (err) => this.exit(1, err));
    this.link.on('close', (code, reason, error, opened) => this.onClose(code, reason, error, opened));
  }

  start(): void {
    this.o.logger.info({ controller: this.url, id: this.id, workers: this.pool?.size ?? 1 }, 'connecting');
    // With worker threads, only once they are loaded: a run must not wait for a worker still compiling.
    if (this.pool === undefined) this.link.connect(this.url, this.o.token);
    else {
      this.pool.ready.then(
        () => {
          if (!this.stopped) this.link.connect(this.url, this.o.token);
        },
        (err: Error) => this.exit(1, err),
      );
    }
    this.heartbeat.start();
    this.watch.start();
  }

  private send(message: EnvelopeShape): void {
    this.link.send(encodeEnvelope(message));
  }

  private onOpen(): void {
    this.redial.reset();
    this.watch.opened();
    this.send({
      hello: {
        protocolVersion: PROTOCOL_VERSION,
        agentId: this.id,
        name: this.o.name ?? hostname(),
        cpus: availableParallelism(),
        weight: this.o.weight ?? 1,
        version: SOFTWARE_VERSION,
        hostname: hostname(),
        runId: this.run?.runId ?? '',
        lastAckedSeq: this.run?.reporter.lastAcked ?? 0,
        workers: this.pool?.size ?? 1,
        sourceIps: this.own.sourceIps ?? [],
      },
    });
  }

  private onMessage(env: barrage.v1.Envelope): void {
    // protobufjs decodes nested messages into class instances (defaults on the prototype).
    const v1 = barrage.v1;
    switch (env.body) {
      case 'welcome':
        return this.onWelcome(env.welcome as InstanceType<typeof v1.Welcome>);
      case 'clockPong':
        return this.onPong(env.clockPong as InstanceType<typeof v1.ClockPong>);
      case 'assign':
        return this.onAssign(env.assign as InstanceType<typeof v1.Assign>);
      case 'start':
        return this.onStart(env.start as InstanceType<typeof v1.Start>);
      case 'stop':
        return this.onStop(env.stop as InstanceType<typeof v1.Stop>);
      case 'ack': {
        const ack = env.ack as InstanceType<typeof v1.Ack>;
        if (this.run && ack.runId === this.run.runId) this.run.reporter.ack(ack.seq);
        return;
      }
      case 'error':
        return this.onError(env.error as InstanceType<typeof v1.ErrorReport>);
      case 'takeover':
        return this.onTakeover(env.takeover as InstanceType<typeof v1.Takeover>);
      case 'dataChunk':
        return this.onDataChunk(env.dataChunk as InstanceType<typeof v1.DataChunk>);
      default:
        this.o.logger.warn({ kind: env.body }, 'unexpected message from controller');
    }
  }

  private onWelcome(w: barrage.v1.Welcome): void {
    this.o.logger.info({ resumed: w.resumed }, 'welcomed by controller');
    if (this.run) {
      if (w.resumed) {
        this.run.reporter.resend();
        this.run.resendNotices?.();
        // Dropped before Ready went out (or before sync finished): sync again, Ready follows.
        if (this.run.state === 'assigned') this.sync.restart();
        return;
      }
      this.o.logger.warn({ run: this.run.runId }, 'controller no longer knows our run; abandoning it');
      this.run.dispose();
      this.run = undefined;
      // A one-run agent whose run is gone has nothing left to do.
      if (this.o.once) {
        this.exit(1, new AgentErrors.CONTROLLER_GONE('the controller no longer knows our run'));
        return;
      }
    }
    this.sync.restart();
  }

  private onPong(p: barrage.v1.ClockPong): void {
    const e = this.sync.pong(p);
    if (e === undefined) return;
    this.o.logger.info({ offsetMs: +e.offsetMs.toFixed(3), rttMs: +e.rttMs.toFixed(3) }, 'clock synchronised');
    if (this.run?.state === 'assigned') this.sendReady();
  }

  private onDataChunk(c: barrage.v1.DataChunk): void {
    // The Assign that follows finds the rows missing; the error names no cell (a column may be secret).
    const e = this.dataInbox.offer(c);
    if (e !== undefined) this.o.logger.error({ code: e.code, err: e.message }, 'data rejected');
  }

  private onAssign(a: barrage.v1.Assign): void {
    if (this.run && this.run.state !== 'done') {
      const busy = new AgentErrors.BUSY(this.run.runId);
      this.send({ error: { code: busy.code, message: busy.message, fatal: false } });
      return;
    }
    try {
      const o = {
        assign: a,
        data: this.dataInbox.take(a.runId),
        clock: this.clock,
        offset: () => this.sync.offsetMs,
        contactAgeMs: () => this.watch.contactAgeMs,
        ...this.own,
        onTargetRefused: (host: string, why: string) =>
          this.o.logger.warn(
            { code: AgentErrors.TARGET_NOT_ALLOWED.code, host, why },
            'connection refused by the target allowlist',
          ),
        onLeaseExpired: (silentMs: number) =>
          this.o.logger.warn(
            { run: a.runId, silentMs: Math.round(silentMs), leaseMs: this.run?.leaseMs },
            'lease expired: stopped firing',
          ),
        send: (frame: Uint8Array) => this.link.send(frame),
        onFinalReport: () => this.afterFinalReport(),
      };
      this.run =
        this.pool === undefined
          ? new AgentRun(o)
          : new ThreadedRun({
              ...o,
              pool: this.pool,
              onError: (code, message) => {
                this.o.logger.error({ code, err: message }, 'worker error');
                this.send({ error: { code, message, fatal: false } });
              },
            });
    } catch (err) {
      const e = err as Error & { code?: string };
      this.o.logger.error({ code: e.code, err: e.message }, 'assignment rejected');
      this.rejectedPlan = true;
      this.send({ error: { code: e.code ?? 'AGENT_BAD_ASSIGN', message: e.message, fatal: false } });
      return;
    }
    this.pendingStop = undefined;
    this.o.logger.info(
      { run: a.runId, scenarios: a.scenarios.map((s) => ({ name: s.name, vus: s.vus, iterations: s.iterations })) },
      'assigned',
    );
    if (this.sync.synced) this.sendReady();
  }

  private sendReady(): void {
    this.send({ ready: { runId: this.run!.runId, clockOffsetMs: this.sync.offsetMs, clockRttMs: this.sync.rttMs } });
  }

  private onStart(s: barrage.v1.Start): void {
    if (!this.run || this.run.runId !== s.runId) return;
    this.o.logger.info(
      { run: s.runId, inMs: +(s.startAt - this.clock.now() - this.sync.offsetMs).toFixed(1) },
      'start scheduled',
    );
    this.run.start(s.startAt);
  }

  private onStop(s: barrage.v1.Stop): void {
    if (!this.run || this.run.runId !== s.runId) {
      // A run we hold nothing of (our plan was rejected): answer, so the controller need not wait.
      if (s.closing) {
        this.send({ finished: { runId: s.runId, stopId: s.id } });
        if (this.o.once) this.exit(this.rejectedPlan ? 1 : 0);
      }
      return;
    }
    this.pendingStop = s;
    if (this.run.reporter.finished) this.sendFinished();
    else this.run.stop();
  }

  private afterFinalReport(): void {
    this.o.logger.info({ run: this.run?.runId, reports: this.run?.reporter.seq }, 'run complete');
    if (this.pendingStop) this.sendFinished();
  }

  private sendFinished(): void {
    const run = this.run!;
    const stop = this.pendingStop!;
    const answer = run.finished(stop);
    if (answer instanceof Promise)
      void answer.then((f) => {
        if (!this.stopped) this.afterFinished(run, stop, f);
      });
    else this.afterFinished(run, stop, answer);
  }

  private afterFinished(run: RunHandle, stop: barrage.v1.Stop, f: barrage.v1.Finished.$Properties): void {
    this.send({ finished: f });
    // Only the closing Stop ends the run; an earlier one (abort) gets a Finished but we stay.
    if (this.o.once && stop.closing) {
      this.leaveWhenAcknowledged(run, ONCE_ACK_WAIT_MS, 'never acknowledged');
    }
  }

  /** Exits once the run's final report is out and every report acknowledged, so nothing is lost in flight; exit 1 after `limitMs`. */
  private leaveWhenAcknowledged(run: RunHandle, limitMs: number, missing: string): void {
    const giveUpAt = this.clock.now() + limitMs;
    const leave = () => {
      if (this.stopped) return;
      if (run.reporter.finished && run.reporter.unacked === 0) this.exit(0);
      else if (this.clock.now() > giveUpAt)
        this.exit(1, new AgentErrors.CONTROLLER_GONE(`${run.reporter.unacked} report(s) ${missing}`));
      else setTimeout(leave, 20);
    };
    leave();
  }

  private onTakeover(t: barrage.v1.Takeover): void {
    if (!this.run || this.run.runId !== t.runId) return;
    try {
      this.run.takeover(t);
      this.o.logger.info(
        { run: t.runId, id: t.id, fromAt: t.fromAt, shares: t.shares.length },
        "taking over part of a lost agent's share",
      );
    } catch (err) {
      const e = err as Error & { code?: string };
      this.send({ error: { code: e.code ?? 'AGENT_BAD_ASSIGN', message: e.message, fatal: false } });
    }
  }

  private onError(e: barrage.v1.ErrorReport): void {
    if (e.fatal) this.exit(1, new AgentErrors.REFUSED(e.code, e.message));
    else this.o.logger.warn({ code: e.code, err: e.message }, 'controller reported an error');
  }

  private onClose(code: number, reason: string, error: DialError | undefined, opened: boolean): void {
    if (this.stopped) return;
    const delay = this.redial.next();
    // An attempt that never opened says why and what to check; "disconnected" is for a link that was up.
    const failed = `could not ${this.redial.connected ? 'reconnect' : 'connect'} to ${this.url}: ${dialFailure(this.url, error)}`;
    if (delay === undefined) {
      this.exit(1, new AgentErrors.CONTROLLER_GONE(`${failed}; gave up after ${this.redial.attempt} attempts`));
      return;
    }
    const retryInMs = Math.round(delay);
    if (opened) this.o.logger.warn({ code, reason, err: error?.message, retryInMs }, 'disconnected from controller');
    else this.o.logger.warn({ retryInMs }, failed);
    setTimeout(() => {
      if (!this.stopped) this.link.connect(this.url, this.o.token);
    }, delay);
  }

  /**
   * A signal asked the agent to leave (SIGTERM from a container runtime, Ctrl-C): a run in
   * progress stops firing, the controller is told why (the load after now is missing, so the run
   * is degraded), and the agent leaves once its final report is acknowledged, or after
   * `limitMs`. Without a run it leaves at once.
   */
  shutdown(signal: string, limitMs = SHUTDOWN_WAIT_MS): void {
    if (this.stopped || this.shuttingDown) return;
    this.shuttingDown = true;
    const run = this.run;
    if (run === undefined || run.state === 'done' || run.state === 'assigned') {
      this.exit(0);
      return;
    }
    const notice = new AgentErrors.STOPPED(signal);
    this.o.logger.warn(
      { code: notice.code, run: run.runId },
      'stopping: the run stops firing, its final report goes out',
    );
    if (this.link.open) this.send({ error: { code: notice.code, message: notice.message, fatal: false } });
    run.stop();
    this.leaveWhenAcknowledged(run, limitMs, 'not acknowledged before leaving');
  }

  /** Stops the agent: abandons any run, closes the link, resolves `done`. */
  exit(code: number, err?: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    this.heartbeat.stop();
    this.watch.stop();
    if (err) this.o.logger.error({ code: (err as { code?: string }).code, err: err.message }, 'agent stopping');
    this.run?.dispose();
    void this.pool?.close();
    this.link.close();
    this.resolveDone(code);
  }
}
