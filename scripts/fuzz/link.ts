// The fuzzer's side of one agent WebSocket: authenticated like an agent,
// sends raw frames (whole, fragmented or text), decodes what comes back into
// an inbox, and waits on conditions re-checked at every frame or close. A
// ClockPing round trip is the barrier that says "the controller has handled
// everything sent before it" without any sleep.

import { type barrage, decodeEnvelope, type EnvelopeShape, encodeEnvelope, frameBytes } from '@barrage/proto';
import WebSocket from 'ws';

export type Received = { env: barrage.v1.Envelope } | { undecodable: string };

/** Barrier pings carry ids from here up and this t0, which no seed uses. */
const BARRIER_ID_BASE = 0xfff0_0000;
const BARRIER_T0 = -7.25e-7;

export class Link {
  readonly inbox: Received[] = [];
  closed: { code: number; reason: string } | undefined;
  /** Called with every decoded frame from the controller, after it is in the inbox. */
  onEnvelope: ((env: barrage.v1.Envelope) => void) | undefined;
  /** Frames this says true of are not kept in the inbox (a flood of Acks, say). */
  discard: ((env: barrage.v1.Envelope) => boolean) | undefined;
  private readonly ws: WebSocket;
  private readonly waiters = new Set<() => void>();
  private barriers = 0;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      let env: barrage.v1.Envelope | undefined;
      try {
        if (!isBinary) throw new Error('text frame from the controller');
        env = decodeEnvelope(frameBytes(data));
        if (this.discard?.(env) !== true) this.inbox.push({ env });
      } catch (err) {
        this.inbox.push({ undecodable: (err as Error).message });
      }
      if (env) this.onEnvelope?.(env);
      this.notify();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
      this.notify();
    });
    ws.on('error', () => {
      /* followed by close */
    });
  }

  /** Opens an authenticated agent link; rejects if the upgrade fails. */
  static open(url: string, token: string): Promise<Link> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        headers: { authorization: `Bearer ${token}` },
        perMessageDeflate: false,
        maxPayload: 64 * 1024 * 1024,
        handshakeTimeout: 15_000,
      });
      const link = new Link(ws);
      ws.once('open', () => resolve(link));
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        ws.terminate();
        reject(new Error(`upgrade refused: HTTP ${res.statusCode}`));
      });
      ws.once('close', () => reject(new Error('closed before open')));
      ws.once('error', (err) => reject(err));
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  get open(): boolean {
    return this.closed === undefined && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends raw bytes as `fragments` WebSocket frames (text when `data` is a string). */
  sendRaw(data: Uint8Array | string, fragments = 1): void {
    if (!this.open) return;
    if (typeof data === 'string') {
      this.ws.send(data);
      return;
    }
    if (fragments <= 1) {
      this.ws.send(data, { binary: true });
      return;
    }
    const size = Math.ceil(data.length / fragments);
    for (let i = 0; i < fragments; i++) {
      this.ws.send(data.subarray(i * size, Math.min(data.length, (i + 1) * size)), {
        binary: true,
        fin: i === fragments - 1,
      });
    }
  }

  send(message: EnvelopeShape): void {
    this.sendRaw(encodeEnvelope(message));
  }

  /** Resolves true once `cond` holds, false on close (unless `cond` holds) or after `ms`. */
  waitFor(cond: () => boolean, ms: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(v);
      };
      const check = () => {
        if (cond()) done(true);
        else if (this.closed) done(false);
      };
      const timer = setTimeout(() => done(cond()), ms);
      this.waiters.add(check);
      if (this.closed) done(cond());
    });
  }

  /** Sends a barrier ping; returns a test for its pong. */
  barrier(): () => boolean {
    const id = BARRIER_ID_BASE + (this.barriers++ % 0xfffff);
    const from = this.inbox.length;
    this.send({ clockPing: { id, t0: BARRIER_T0 } });
    return () => {
      for (let i = from; i < this.inbox.length; i++) {
        const r = this.inbox[i]!;
        if (
          'env' in r &&
          r.env.body === 'clockPong' &&
          r.env.clockPong!.id === id &&
          r.env.clockPong!.t0 === BARRIER_T0
        )
          return true;
      }
      return false;
    };
  }

  /** Whether an inbox entry is a barrier pong (not a reply to a fuzzed frame). */
  static isBarrierPong(r: Received): boolean {
    return (
      'env' in r &&
      r.env.body === 'clockPong' &&
      r.env.clockPong!.t0 === BARRIER_T0 &&
      (r.env.clockPong!.id ?? 0) >= BARRIER_ID_BASE
    );
  }

  /** Closes and waits for the close (a hung close is cut after `ms`). */
  async close(ms = 5_000): Promise<void> {
    if (this.closed) return;
    this.ws.close(1000);
    if (!(await this.waitFor(() => this.closed !== undefined, ms))) this.ws.terminate();
  }
}
