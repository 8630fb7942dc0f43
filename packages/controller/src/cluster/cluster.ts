// The controller's agent endpoint: an HTTP server (HTTPS with --tls-cert) whose
// /agents upgrade is authenticated with the agent token before any WebSocket
// exists. Knows which agents are connected; a run subscribes to their messages.

import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Clock } from '@barrage/core';
import { AGENTS_PATH, type barrage, MAX_FRAME_BYTES, PROTOCOL_VERSION, SOFTWARE_VERSION } from '@barrage/proto';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { ControllerErrors } from '../errors.ts';
import { AgentSession } from './agent-session.ts';
import { bearerMatches } from './token.ts';

/** What a run needs from the cluster: messages and presence of its agents. */
export interface RunListener {
  readonly runId: string;
  /** An agent reconnected naming this run; return true to re-attach it. */
  resume(session: AgentSession): boolean;
  /** Called after the Welcome that told a resumed agent so. */
  reattached(session: AgentSession): void;
  message(session: AgentSession, env: barrage.v1.Envelope): void;
  disconnected(session: AgentSession): void;
  /** Whether this session belongs to the run (its liveness is the run's to judge). */
  holds(session: AgentSession): boolean;
}

export interface ClusterOptions {
  host: string;
  port: number;
  token: string;
  clock: Clock;
  logger: Logger;
  /** An idle agent silent this long is dropped (a run judges its own agents by its agentTimeout). */
  idleTimeoutMs?: number;
  /** Serve https:// and wss:// only, with this certificate (a plain connection is dropped). */
  tls?: { cert: Buffer; key: Buffer };
}

/** How often every agent is pinged and silence is looked for. */
const PING_MS = 1_000;
const IDLE_TIMEOUT_MS = 10_000;

export interface ClusterEvents {
  /** A new agent said a valid Hello (not a resume). */
  agent: [AgentSession];
  left: [AgentSession];
}

export class Cluster extends EventEmitter<ClusterEvents> {
  readonly server: Server;
  readonly agents = new Map<string, AgentSession>();
  /** The run going now, which hears its agents' messages and presence (one at a time). */
  private run: RunListener | undefined;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  private readonly o: ClusterOptions;
  private handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  constructor(o: ClusterOptions) {
    super();
    this.o = o;
    const handle = (req: IncomingMessage, res: ServerResponse) => {
      if (this.handler) {
        this.handler(req, res);
        return;
      }
      if (req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
        return;
      }
      res.writeHead(404).end();
    };
    if (o.tls) {
      const server = createHttpsServer({ cert: o.tls.cert, key: o.tls.key }, handle);
      // The only trace of an agent that speaks plain ws:// here, or does not trust our certificate.
      server.on('tlsClientError', (e: NodeJS.ErrnoException, socket) => {
        const why =
          e.code === 'ERR_SSL_HTTP_REQUEST'
            ? 'plain http:// or ws:// sent to the TLS port'
            : e.code === 'ECONNRESET'
              ? 'the client left the handshake (does it trust this certificate?)'
              : e.message;
        o.logger.warn({ remote: socket.remoteAddress, err: why }, 'TLS handshake failed');
      });
      this.server = server;
    } else {
      this.server = createServer(handle);
    }
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.pinger = setInterval(() => this.heartbeat(), PING_MS);
    this.pinger.unref();
  }

  private readonly pinger: NodeJS.Timeout;
  private lastBeat = 0;

  /**
   * Pings every agent (a cut link never closes by itself: TCP waits for minutes); an agent
   * silent past the idle timeout is dropped, unless a run holds it (the run decides, by its
   * own agentTimeout, and drops the link itself when it declares the agent lost).
   */
  private heartbeat(): void {
    const now = this.o.clock.now();
    // After a stall of our own (a long synchronous task), the agents' frames are still unread in
    // their sockets: their silence is ours. Judge them on the next beat, once those are read.
    const stalled = this.lastBeat > 0 && now - this.lastBeat > 2 * PING_MS;
    this.lastBeat = now;
    for (const s of this.agents.values()) {
      s.ping();
      if (stalled) continue;
      if (this.run?.holds(s) !== true && now - s.lastSeen > (this.o.idleTimeoutMs ?? IDLE_TIMEOUT_MS)) {
        this.o.logger.warn(
          { agent: s.name, silentMs: Math.round(now - s.lastSeen) },
          'agent silent: dropping its link',
        );
        s.terminate();
      }
    }
  }

  /** `run` hears its agents from now on. */
  attach(run: RunListener): void {
    this.run = run;
  }

  /** `run` is over: nothing more reaches it (a later run may already be attached). */
  detach(run: RunListener): void {
    if (this.run === run) this.run = undefined;
  }

  /** Plain HTTP requests go to `handler` (the REST API); the /agents upgrade stays here. */
  setHttpHandler(handler: (req: IncomingMessage, res: ServerResponse) => void): void {
    this.handler = handler;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const remote = req.socket.remoteAddress ?? '?';
    const deny = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    if (new URL(req.url ?? '/', 'http://x').pathname !== AGENTS_PATH) {
      deny(404, 'Not Found');
      return;
    }
    if (!bearerMatches(req.headers.authorization, this.o.token)) {
      // Never log what was presented: a near-miss token is still a secret.
      this.o.logger.warn({ code: ControllerErrors.UNAUTHORIZED.code, remote }, 'agent refused: missing or wrong token');
      deny(401, 'Unauthorized');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) =>
      this.accept(new AgentSession(ws, remote, this.o.clock, this.o.logger)),
    );
  }

  private accept(session: AgentSession): void {
    session.on('hello', (hello) => {
      const previous = this.agents.get(hello.agentId);
      if (previous && previous !== session) previous.close(4000, 'replaced by a new connection');
      this.agents.set(hello.agentId, session);
      const resumed = hello.runId !== '' && this.run?.runId === hello.runId && this.run.resume(session);
      session.send({
        welcome: {
          protocolVersion: PROTOCOL_VERSION,
          agentId: hello.agentId,
          controllerVersion: SOFTWARE_VERSION,
          maxFrameBytes: MAX_FRAME_BYTES,
          resumed,
        },
      });
      this.o.logger.info({ agent: session.name, remote: session.remoteAddress, resumed }, 'agent connected');
      if (resumed) this.run!.reattached(session);
      else this.emit('agent', session);
    });
    session.on('message', (env) => this.run?.message(session, env));
    session.on('close', () => {
      if (session.hello && this.agents.get(session.id) === session) {
        this.agents.delete(session.id);
        this.run?.disconnected(session);
        this.emit('left', session);
        this.o.logger.info({ agent: session.name }, 'agent disconnected');
      }
    });
  }

  async listen(): Promise<{ port: number; url: string }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port, address, family } = this.server.address() as AddressInfo;
    const host = family === 'IPv6' ? `[${address}]` : address;
    return { port, url: `${this.o.tls ? 'wss' : 'ws'}://${host}:${port}` };
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const s of this.agents.values()) s.close(1001, 'controller shutting down');
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
