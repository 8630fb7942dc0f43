// The undici dispatch handler of one logical request: status, headers, body
// bytes (kept only when read), and its redirect hops. A redirect's answer is
// not an outcome: the handler is dispatched again for the next hop, so one
// request is one latency sample from its first send to its last answer, and
// every hop's bytes are counted.
import type { Clock } from '@barrage/core';
import type { Dispatcher } from 'undici';
import type { VuCookies } from './cookie-jar.ts';
import type { DispatchOptions, Done, PreparedRequest, Scope } from './prepared-request.ts';
import { type Hop, nextHop } from './redirects.ts';
import type { OpenedBody } from './streamed-body.ts';

/** Bodies read for checks and captures are bounded; past this, the JSON is treated as absent. */
const MAX_READ_BODY = 1024 * 1024;

/** What a handler reports to: the Requester. */
export interface HandlerOwner {
  readonly clock: Clock;
  readonly serviceTime: boolean;
  /** The request's outcome: its last answer, or the error that ended it. */
  complete(h: ResponseHandler, error: unknown): void;
  /** A redirect answered in full: send `h.next`. */
  follow(h: ResponseHandler): void;
  /** An answer (any hop or attempt) came back; `statusText` is '' over HTTP/2 (see Requester.answered). */
  answered(h: ResponseHandler, statusText: string): void;
}

export class ResponseHandler implements Dispatcher.DispatchHandler {
  readonly exec: HandlerOwner;
  readonly req: PreparedRequest;
  readonly scope: Scope | null;
  readonly done: Done;
  readonly intendedAt: number | undefined;
  /** The hop in flight as dispatched (the first: the request itself). */
  sent: DispatchOptions;
  /** The request itself as first dispatched: what a retry sends again (retry.ts). */
  readonly first: DispatchOptions;
  /** Retries sent so far (retry.ts); each resets the attempt's state below. */
  retries = 0;
  bytesSent: number;
  /** Run clock: when the request was handed to the dispatcher. */
  readonly dispatchedAt: number;
  /** Run clock: when undici hands the request to a connection; until then, the dispatch. */
  startedAt: number;
  onConnection = false;
  status = 0;
  headers: Record<string, string | string[] | undefined> | null = null;
  bytes = 0;
  body: Buffer[] | null = null;
  /** Redirects followed so far. */
  redirects = 0;
  /** The redirect to follow once this answer's body is read; null: this answer is the outcome. */
  next: Hop | null = null;
  /** The VU's cookie jar (null: the model keeps none), and the request's own Cookie header. */
  cookies: VuCookies | null = null;
  ownCookie: string | undefined = undefined;
  /** Statuses that refresh the VU's session (refresh.on): such an answer is recorded as a session retry. */
  refreshOn: ReadonlySet<number> | null = null;
  /** The streamed body as opened for this request: a redirect that keeps the body sends it again. */
  upload: OpenedBody | null = null;
  private finished = false;

  constructor(
    exec: HandlerOwner,
    req: PreparedRequest,
    scope: Scope | null,
    done: Done,
    intendedAt: number | undefined,
    sent: DispatchOptions,
    bytesSent: number,
  ) {
    this.exec = exec;
    this.req = req;
    this.scope = scope;
    this.done = done;
    this.intendedAt = intendedAt;
    this.sent = this.first = sent;
    this.bytesSent = bytesSent;
    this.dispatchedAt = this.startedAt = exec.clock.now();
  }

  /** The hop in flight, as redirects.ts reads it. */
  hop(): Hop {
    const s = this.sent;
    return {
      origin: s.origin,
      method: s.method,
      path: s.path,
      headers: s.headers as Record<string, string>,
      keepBody: s.body != null,
    };
  }

  /** Dispatches the next hop through the same handler (undici's redirect handler does the same). */
  resend(sent: DispatchOptions, bytesSent: number): void {
    this.sent = sent;
    this.bytesSent += bytesSent;
    this.redirects++;
    this.finished = false;
  }

  /**
   * A new attempt of the request (a retry): the same handler dispatched again, its answer state
   * cleared. `dispatchedAt` stays the first attempt's (latency runs through the final attempt).
   */
  again(sent: DispatchOptions, bytesSent: number): void {
    this.sent = sent;
    this.bytesSent = bytesSent;
    this.retries++;
    this.startedAt = this.exec.clock.now();
    this.onConnection = false;
    this.status = this.bytes = this.redirects = 0;
    this.headers = null;
    this.body = null;
    this.next = null;
    this.finished = false;
  }

  onRequestStart(): void {
    // The request is about to be written on a connection: service time starts here (first hop).
    if (this.onConnection) return;
    if (this.exec.serviceTime) this.startedAt = this.exec.clock.now();
    this.onConnection = true;
  }

  onResponseStart(
    _c: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusText: string,
  ): void {
    this.status = statusCode;
    this.headers = headers;
    this.exec.answered(this, statusText);
    // Every hop's Set-Cookie is kept, so a login that redirects still logs the VU in.
    if (this.cookies !== null && headers['set-cookie'] !== undefined)
      this.cookies.store(this.sent.origin + this.sent.path, headers['set-cookie']);
    this.next =
      statusCode >= 300 && statusCode < 400 && this.redirects < (this.req.maxRedirects ?? 0)
        ? nextHop(this.hop(), statusCode, headers.location)
        : null;
    if (this.req.readsBody && this.next === null) this.body = [];
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.body !== null) {
      if (this.bytes <= MAX_READ_BODY) this.body.push(chunk);
      else this.body = null;
    }
  }

  onResponseEnd(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.next !== null) this.exec.follow(this);
    else this.exec.complete(this, null);
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.next = null;
    this.exec.complete(this, err);
  }
}
