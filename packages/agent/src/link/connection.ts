// The agent's WebSocket link to the controller: bearer token at the upgrade,
// no compression, bounded frames, every inbound frame decoded through the
// guarded decoder, wss:// verified against --ca or Node's default CAs.
// Reconnecting is the Agent's decision, not this class's.
import { EventEmitter } from 'node:events';
import { certificateErrorCode, type TrustOptions } from '@barrage/core';
import { type barrage, decodeEnvelope, frameBytes, MAX_FRAME_BYTES } from '@barrage/proto';
import WebSocket from 'ws';
import { AgentErrors } from '../errors.ts';
import type { DialError } from './dial-failure.ts';

export interface LinkEvents {
  open: [];
  message: [barrage.v1.Envelope];
  /** A frame that could not be decoded; the link is closed after it. */
  invalid: [Error];
  /** `error`: why the attempt failed (socket error or HTTP answer); `opened`: whether this link ever opened. */
  close: [code: number, reason: string, error: DialError | undefined, opened: boolean];
  /** The controller refused us at the upgrade (bad token), or its certificate is not trusted: do not retry. */
  refused: [Error];
  /** A ws ping from the controller: it is alive and the link carries frames. */
  contact: [];
}

export class ControllerLink extends EventEmitter<LinkEvents> {
  private ws: WebSocket | undefined;
  private readonly trust: TrustOptions | undefined;

  /** `trust`: the CAs for wss:// (default: Node's); ws:// ignores it. */
  constructor(trust?: TrustOptions) {
    super();
    this.trust = trust;
  }

  connect(url: string, token: string): void {
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${token}` },
      perMessageDeflate: false,
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: 10_000,
      ...this.trust,
    });
    let error: DialError | undefined;
    let opened = false;
    this.ws = ws;
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => {
      opened = true;
      this.emit('open');
    });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      try {
        if (!isBinary) throw new Error('text frame');
        this.emit('message', decodeEnvelope(frameBytes(data)));
      } catch (err) {
        this.emit('invalid', err as Error);
        ws.close(1003, 'invalid frame');
      }
    });
    ws.on('ping', () => this.emit('contact'));
    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      error = { message: `HTTP ${status}`, status };
      res.resume();
      // terminate() emits 'close' below, which is what schedules any reconnect: emit nothing more here.
      if (status === 401 || status === 403) this.emit('refused', new AgentErrors.UNAUTHORIZED(status));
      ws.terminate();
    });
    ws.on('error', (err) => {
      error = { message: err.message, code: (err as { code?: string }).code };
      // Emitted before 'close', so the Agent stops before it would schedule a retry.
      const code = certificateErrorCode(err);
      if (code !== undefined) this.emit('refused', new AgentErrors.TLS_UNVERIFIED(err.message, code));
    });
    ws.on('close', (code, reason) => {
      // A socket we already replaced must not trigger a second reconnect.
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.emit('close', code, reason.toString(), error, opened);
    });
  }

  get open(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  send(frame: Uint8Array): boolean {
    if (!this.open) return false;
    this.ws!.send(frame);
    return true;
  }

  close(code = 1000, reason = ''): void {
    this.ws?.close(code, reason);
  }

  /** Drops a link whose peer went silent: no closing handshake to wait for. */
  terminate(): void {
    this.ws?.terminate();
  }
}
