// One connected agent as the controller sees it: the socket, its validated
// Hello, clock pongs answered at once, and everything else handed to the
// cluster. A bad frame closes only this connection.
import { EventEmitter } from 'node:events';
import type { Clock } from '@barrage/core';
import {
  type barrage,
  decodeEnvelope,
  type EnvelopeShape,
  encodeEnvelope,
  frameBytes,
  PROTOCOL_VERSION,
  ProtoErrors,
} from '@barrage/proto';
import type { Logger } from 'pino';
import type WebSocket from 'ws';
import { ControllerErrors } from '../errors.ts';
import { validateSourceIps } from '../merge/source-breakdown.ts';
import { MAX_CPU_CORES, MAX_GAUGE, MAX_LOOP_DELAY_MS, saneOr0 as sane } from './agent-figures.ts';

type Hello = InstanceType<typeof barrage.v1.Hello>;

/** The agent's latest Status, with figures out of any sane range dropped. */
export interface AgentStatus {
  runId: string;
  state: string;
  inFlight: number;
  activeVus: number;
  rps: number;
  cpuCores: number;
  eventLoopP99Ms: number;
  at: number;
}

const STATES = new Set(['idle', 'assigned', 'waiting', 'running', 'stopping', 'done']);

export interface SessionEvents {
  hello: [Hello];
  message: [barrage.v1.Envelope];
  close: [];
}

const HELLO_TIMEOUT_MS = 10_000;

export function validateHello(h: Hello): void {
  const bad = (why: string) => new ControllerErrors.HELLO_INVALID(why);
  if (h.protocolVersion !== PROTOCOL_VERSION)
    throw new ProtoErrors.VERSION_MISMATCH(h.protocolVersion, PROTOCOL_VERSION);
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(h.agentId)) throw bad('agent_id must be 1-64 of [A-Za-z0-9_.:-]');
  if (h.name.length > 128 || h.hostname.length > 255 || h.version.length > 64 || h.runId.length > 64)
    throw bad('a text field is too long');
  if (!(h.weight > 0 && h.weight <= 1_000_000)) throw bad(`weight ${h.weight} must be in (0, 1e6]`);
  if (h.cpus > 65_536) throw bad(`cpus ${h.cpus}`);
  validateSourceIps(h.sourceIps ?? []);
}

export class AgentSession extends EventEmitter<SessionEvents> {
  readonly remoteAddress: string;
  hello: Hello | undefined;
  /** Controller clock: the last frame or pong from this agent. */
  lastSeen: number;
  status: AgentStatus | undefined;
  private readonly ws: WebSocket;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly helloTimer: NodeJS.Timeout;
  private closed = false;

  constructor(ws: WebSocket, remoteAddress: string, clock: Clock, logger: Logger) {
    super();
    this.ws = ws;
    this.remoteAddress = remoteAddress;
    this.clock = clock;
    this.logger = logger;
    this.lastSeen = clock.now();
    ws.on('pong', () => {
      this.lastSeen = this.clock.now();
    });
    this.helloTimer = setTimeout(
      () => this.refuse(new ControllerErrors.HELLO_INVALID('no Hello within 10 s')),
      HELLO_TIMEOUT_MS,
    );
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const receivedAt = this.clock.now();
      this.lastSeen = receivedAt;
      // One guard around everything a frame causes (decoding, validation, what the run does
      // with it): a throw here would escape ws's socket handler and end the process. Any
      // failure becomes an ErrorReport on this connection only, CTRL_INTERNAL when uncoded.
      try {
        if (!isBinary) throw new ProtoErrors.FRAME_INVALID('text frame');
        this.dispatch(decodeEnvelope(frameBytes(data)), receivedAt);
      } catch (err) {
        this.refuse(err instanceof Error ? err : new ControllerErrors.INTERNAL(String(err)));
      }
    });
    ws.on('close', () => {
      clearTimeout(this.helloTimer);
      this.closed = true;
      this.emit('close');
    });
    ws.on('error', () => {
      /* followed by close */
    });
  }

  private dispatch(env: barrage.v1.Envelope, receivedAt: number): void {
    if (env.body === 'clockPing') {
      const p = env.clockPing!;
      this.send({ clockPong: { id: p.id, t0: p.t0, t1: receivedAt, t2: this.clock.now() } });
      return;
    }
    if (this.hello === undefined) {
      if (env.body !== 'hello') throw new ControllerErrors.HELLO_INVALID(`first message was ${env.body}`);
      clearTimeout(this.helloTimer);
      validateHello(env.hello as Hello);
      this.hello = env.hello as Hello;
      this.emit('hello', this.hello);
      return;
    }
    if (env.body === 'status') {
      this.onStatus(env.status!, receivedAt);
      return;
    }
    this.emit('message', env);
  }

  private onStatus(st: barrage.v1.IStatus, at: number): void {
    this.status = {
      runId: (st.runId ?? '').slice(0, 64),
      state: STATES.has(st.state ?? '') ? st.state! : 'unknown',
      inFlight: sane(st.inFlight ?? 0, MAX_GAUGE),
      activeVus: sane(st.activeVus ?? 0, MAX_GAUGE),
      rps: sane(st.rps ?? 0, MAX_GAUGE),
      cpuCores: sane(st.cpuCores ?? 0, MAX_CPU_CORES),
      eventLoopP99Ms: sane(st.eventLoopP99Ms ?? 0, MAX_LOOP_DELAY_MS),
      at,
    };
  }

  /** A ws ping: the agent's automatic pong refreshes lastSeen, and the agent sees we are alive. */
  ping(): void {
    if (!this.closed) this.ws.ping();
  }

  /** Drops a silent link at once (no closing handshake: the peer is not answering). */
  terminate(): void {
    this.ws.terminate();
  }

  get id(): string {
    return this.hello?.agentId ?? '';
  }

  get name(): string {
    return this.hello?.name || this.id;
  }

  get open(): boolean {
    return !this.closed;
  }

  send(message: EnvelopeShape): void {
    if (!this.closed) this.ws.send(encodeEnvelope(message));
  }

  /** Sends a coded ErrorReport and closes this connection only. */
  refuse(err: Error, fatal = true): void {
    const code = (err as { code?: string }).code ?? ControllerErrors.INTERNAL.code;
    this.logger.warn(
      { code, agent: this.id || undefined, remote: this.remoteAddress, err: err.message },
      'agent connection refused',
    );
    this.send({ error: { code, message: err.message, fatal } });
    this.close(1008, code);
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    this.ws.close(code, reason.slice(0, 120));
    // A peer that never answers the close handshake is cut after a second.
    setTimeout(() => this.ws.terminate(), 1_000).unref();
  }
}
