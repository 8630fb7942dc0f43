// Fires one HTTP request through the dispatch adapter (undici's dispatch API)
// and reports its outcome to the Recorder: status, checks, captures. One
// Requester per scenario, with its own Pool per origin (so one scenario's
// connection limit is its own), retries in retry.ts, every body consumed, HTTP/2
// explicit. Knows nothing about load models: they decide when, the Requester
// does how. Every instant it reads (dispatch, onto a connection, completion)
// is on the run's clock, the one the models plan intended sends on. The hot
// path allocates one handler per request and nothing else for a request
// without flow variables.
import type { LookupFunction } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import type { Clock } from '@barrage/core';
import { isSendableHeaderValue, readJsonPath, render } from '@barrage/core';
import type { CompletionLog } from '../measure/completion-log.ts';
import type { ErrorKind, Recorder } from '../measure/recorder.ts';
import type { ConnectionProfile } from './connection-profile.ts';
import { setCookieValue, VuCookies } from './cookie-jar.ts';
import { type HttpDispatch, UndiciDispatch, type UndiciDispatchOptions } from './dispatch.ts';
import { TARGET_NOT_ALLOWED } from './guarded-lookup.ts';
import type { DispatchOptions, Done, PreparedRequest, Scope } from './prepared-request.ts';
import { type HandlerOwner, ResponseHandler } from './response-handler.ts';
import { tlsFailureReason } from './tls-failure.ts';

export type {
  DispatchOptions,
  Done,
  PreparedCapture,
  PreparedCheck,
  PreparedRequest,
  Scope,
} from './prepared-request.ts';

export interface RequesterOptions {
  allowH2: boolean;
  /** Connections per origin for this scenario on this agent. */
  connections: number;
  recorder: Recorder;
  log: CompletionLog;
  /** The run's clock (controller time): every instant of a request, and the models' intended sends. */
  clock: Clock;
  /** Completion instant (controller clock), for Finished; `answered`: a response with a status came back. */
  onComplete?: (at: number, answered: boolean) => void;
  /** Name resolution for new connections (the target allowlists' guard). */
  lookup?: LookupFunction;
  /** Whether service time is recorded (open models); default true. */
  serviceTime?: boolean;
  /** The HTTP client; default: undici Pools with the options above. */
  dispatch?: HttpDispatch;
  /**
   * Whether a redirect may go to `host` (the target allowlists); returns why not. A refused
   * redirect is not followed: its 3xx is the request's answer. Absent: any host.
   */
  redirectRefused?: (host: string) => string | undefined;
  /** Whether VUs keep cookies (the model's `cookies`); default true. */
  cookies?: boolean;
  /** Connection settings (TLS, hosts, connectTo) by profile, and each request name's profile (index: name slot). */
  profiles?: readonly ConnectionProfile[];
  profileOf?: readonly number[];
  /** The model's connection use (pipelining, keepAlive), for the default dispatch. */
  transport?: Pick<UndiciDispatchOptions, 'pipelining' | 'keepAlive' | 'perVU' | 'sources'>;
}

export function classifyError(err: unknown): ErrorKind {
  const code = (err as { code?: string } | null)?.code ?? '';
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'timeout';
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_ABORTED':
      return 'reset';
    default:
      return tlsFailureReason(err) === undefined ? 'other' : 'tls';
  }
}

/** Percent-encodes what cannot stand in a request line (spaces, controls, non-ASCII); the rest is the user's. */
export const encodePath = (p: string) => p.toWellFormed().replace(/[^\x21-\x7e]+/g, (s) => encodeURIComponent(s));

/** undici's refusals of a request it will not send. */
export const NOT_SENDABLE = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', TARGET_NOT_ALLOWED]);

export class Requester implements HandlerOwner {
  readonly http: HttpDispatch;
  private readonly opts: RequesterOptions;
  readonly clock: Clock;
  inFlight = 0;
  lastCompletionAt = 0;
  /** After close(), nothing more is sent. */
  closed = false;
  /** Service time is recorded (open models): the moment a request goes onto a connection is read. */
  readonly serviceTime: boolean;
  /** Each request name's connection profile (0: the run's default). */
  protected readonly profileOf: readonly number[];
  /** Whether each profile may speak HTTP/2 (index: profile number). */
  private readonly h2Profile: readonly boolean[];

  constructor(opts: RequesterOptions) {
    this.opts = opts;
    this.clock = opts.clock;
    this.serviceTime = opts.serviceTime ?? true;
    this.http =
      opts.dispatch ??
      new UndiciDispatch({
        connections: opts.connections,
        allowH2: opts.allowH2,
        lookup: opts.lookup,
        profiles: opts.profiles,
        ...opts.transport,
      });
    this.profileOf = opts.profileOf ?? [];
    this.h2Profile = (opts.profiles ?? []).map((p) => opts.allowH2 || p.h2 === true);
  }

  /**
   * Fires `req`; `done` runs once the outcome is recorded and captures are in `scope`.
   * `intendedAt` (run clock, ms) is the open model's scheduled send: latency is
   * measured from it, service time from the actual send. Returns false, sending nothing,
   * when the request cannot be formed (a flow variable was not captured, or a captured
   * value cannot stand in a header) or the executor is closed. An answer with a status in
   * `refreshOn` (the session's refresh.on) is recorded as a session retry, not as failed.
   */
  fire(
    req: PreparedRequest,
    scope: Scope | null,
    done: Done,
    intendedAt?: number,
    cookies?: VuCookies | null,
    refreshOn?: ReadonlySet<number> | null,
  ): boolean {
    if (this.closed) return false;
    const jar = cookies ?? null;
    if (!req.templated && req.streamed === null && jar?.header(req.origin + (req.path as string)) === undefined) {
      const opts = (req.dispatchOptions ??= {
        origin: req.origin,
        method: req.method,
        path: req.path as string,
        headers: req.headers as Record<string, string>,
        body: req.body as Buffer | null,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
      this.inFlight++;
      const sent = req.body === null ? 0 : (req.body as Buffer).length;
      const h = new ResponseHandler(this, req, scope, done, intendedAt, opts, sent);
      h.cookies = jar;
      h.refreshOn = refreshOn ?? null;
      this.http.dispatch(opts, h, this.profileOf[h.req.index] ?? 0, h.cookies);
      return true;
    }
    let path: string;
    let headers: Record<string, string>;
    let body: Buffer | string | NodeJS.ReadableStream | null;
    if (req.templated) {
      const p = render(req.path, scope);
      if (p === undefined) return false;
      path = encodePath(p);
      headers = {};
      for (const [k, t] of Object.entries(req.headers)) {
        const v = render(t, scope);
        if (v === undefined || !isSendableHeaderValue(v)) return false;
        headers[k] = v;
      }
      if (req.body === null || Buffer.isBuffer(req.body)) body = req.body;
      else {
        const b = render(req.body, scope);
        if (b === undefined) return false;
        body = b;
      }
    } else {
      path = req.path as string;
      headers = req.headers as Record<string, string>;
      body = req.body as Buffer | null;
    }
    const own = headers.cookie;
    const fromJar = jar?.header(req.origin + path);
    // The request's own Cookie header first, then the VU's (a copy: req.headers is shared).
    if (fromJar !== undefined) headers = { ...headers, cookie: own === undefined ? fromJar : `${own}; ${fromJar}` };
    // A streamed body is opened (its flow variables filled in) for this request, with its exact length.
    const upload = req.streamed === null ? null : (req.streamed.open(scope) ?? null);
    if (req.streamed !== null && upload === null) return false;
    if (upload !== null) {
      body = upload.stream();
      headers = { ...headers, 'content-length': String(upload.length) };
    }
    this.inFlight++;
    const sent = upload !== null ? upload.length : body === null ? 0 : Buffer.byteLength(body as Buffer | string);
    const opts: DispatchOptions = {
      origin: req.origin,
      method: req.method,
      path,
      headers,
      body: body as Buffer | string | null,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
    };
    const h = new ResponseHandler(this, req, scope, done, intendedAt, opts, sent);
    h.cookies = jar;
    h.ownCookie = own;
    h.refreshOn = refreshOn ?? null;
    h.upload = upload;
    this.http.dispatch(opts, h, this.profileOf[h.req.index] ?? 0, h.cookies);
    return true;
  }

  /** A cookie jar for one VU (or open-model iteration); null when the model keeps none. */
  newCookies(source?: number): VuCookies | null {
    // Under perVU or source addresses the jar is also the VU's identity for its pools: one that keeps nothing.
    const t = this.opts.transport;
    if (this.opts.cookies === false) return t?.perVU || t?.sources ? new VuCookies(false, source) : null;
    return new VuCookies(true, source);
  }

  /**
   * Sends the redirect `h` answered with, through the same handler: the body again on a
   * 307/308 (a fresh stream for an upload), none after a 303. Not followed (the 3xx is the
   * answer) once the Requester is closed or when the allowlists refuse the new host.
   */
  /**
   * Counts an answer by protocol. undici gives HTTP/2 answers an empty status text and HTTP/1.x
   * ones the reason phrase the server sent; only a connection that may speak HTTP/2 is asked,
   * so an HTTP/1.1 server sending no reason phrase is miscounted only behind `http: 2` with ALPN.
   */
  answered(h: ResponseHandler, statusText: string): void {
    const h2 = statusText === '' && this.h2Profile[this.profileOf[h.req.index] ?? 0] === true;
    this.opts.recorder.recordProtocol(h.req.index, h2);
  }

  follow(h: ResponseHandler): void {
    const hop = h.next!;
    const from = h.sent;
    if (this.closed || (hop.origin !== from.origin && this.refused(hop.origin))) {
      h.next = null;
      this.complete(h, null);
      return;
    }
    if (h.redirects === 0) {
      this.opts.recorder.noteFirstRedirect(
        h.req.index,
        from.method,
        from.origin + from.path,
        h.status,
        h.headers?.location,
      );
    }
    let body: Buffer | string | NodeJS.ReadableStream | null = null;
    let sent = 0;
    if (hop.keepBody) {
      if (h.upload !== null) {
        body = h.upload.stream();
        sent = h.upload.length;
      } else {
        body = from.body as Buffer | string | null;
        sent = body === null ? 0 : Buffer.byteLength(body as Buffer | string);
      }
    }
    if (h.cookies !== null) {
      // The hop's cookies: the VU's for its URL, and the request's own only on the request's origin.
      const own = hop.origin === h.req.origin ? h.ownCookie : undefined;
      const fromJar = h.cookies.header(hop.origin + hop.path);
      delete hop.headers.cookie;
      const both = [own, fromJar].filter((c) => c !== undefined).join('; ');
      if (both !== '') hop.headers.cookie = both;
    }
    const opts: DispatchOptions = {
      origin: hop.origin,
      method: hop.method,
      path: hop.path,
      headers: hop.headers,
      body: body as Buffer | string | null,
      headersTimeout: from.headersTimeout,
      bodyTimeout: from.bodyTimeout,
    };
    h.resend(opts, sent);
    this.http.dispatch(opts, h, this.profileOf[h.req.index] ?? 0, h.cookies);
  }

  private refused(origin: string): boolean {
    const check = this.opts.redirectRefused;
    return check !== undefined && check(new URL(origin).hostname) !== undefined;
  }

  /** Called by handlers; keeps all accounting in one place. */
  complete(h: ResponseHandler, error: unknown): void {
    this.inFlight--;
    const { recorder, log } = this.opts;
    const at = this.clock.now();
    this.lastCompletionAt = at;
    this.opts.onComplete?.(at, error === null);
    let answer = 0;
    let expected = false;
    if (
      error !== null &&
      !h.onConnection &&
      (this.closed || NOT_SENDABLE.has((error as { code?: string }).code ?? ''))
    ) {
      // Never left the agent: still queued for a connection when the scenario was cut, or
      // refused by undici before sending. Not a request the target could have seen: dropped.
      recorder.recordDropped(h.req.index);
    } else if (error !== null) {
      // Not logged for firstRateLimitedAfter: the server may never have seen it.
      // Bytes count as sent only once the request went onto a connection.
      // A TLS failure may hide behind a reset: the alert its socket saw names it (tls-failure.ts).
      const tls = this.http.tlsReason?.(error) ?? tlsFailureReason(error);
      recorder.recordError(
        h.req.index,
        tls === undefined ? classifyError(error) : 'tls',
        h.onConnection ? h.bytesSent : 0,
        tls,
      );
    } else {
      const status = h.status;
      const expect = h.req.expect;
      // An unfollowed 3xx (limit reached, redirects: 0) is ok only when `expect` lists it.
      const ok = expect === null ? status >= 200 && status < 300 : expect.has(status);
      // A session's refresh.on status: the VU refreshes and retries; this answer is neither ok nor failed.
      const refreshed = h.refreshOn !== null && status !== 429 && h.refreshOn.has(status);
      answer = status;
      expected = ok && !refreshed;
      // Closed models: from the dispatch (connecting included). Open models: from the intended
      // send (or the dispatch, if that was a hair earlier), with service time from the moment
      // the request went onto a connection.
      recorder.recordResponse(
        h.req.index,
        (at - Math.min(h.intendedAt ?? h.dispatchedAt, h.dispatchedAt)) * 1000,
        (at - h.startedAt) * 1000,
        status,
        ok,
        status === 429 && h.headers !== null && Object.hasOwn(h.headers, 'retry-after'),
        h.bytes,
        h.bytesSent,
        at,
        refreshed,
      );
      log.note(h.req.index, h.retries > 0 ? h.startedAt : h.dispatchedAt, at, status === 429);
      if (!refreshed && (h.req.checks.length > 0 || h.req.captures.length > 0)) this.inspect(h, status);
    }
    if (h.redirects > 0) recorder.recordRedirects(h.req.index, h.redirects);
    h.done(answer, expected);
  }

  /** Checks and captures of one answered request. */
  private inspect(h: ResponseHandler, status: number): void {
    const { req } = h;
    let json: unknown;
    let parsed = false;
    const doc = () => {
      if (!parsed) {
        parsed = true;
        try {
          json = h.body === null ? undefined : JSON.parse(Buffer.concat(h.body).toString('utf8'));
        } catch {
          json = undefined;
        }
      }
      return json;
    };
    for (const c of req.checks) {
      if (c.onStatus !== null && !c.onStatus.has(status)) continue;
      let pass: boolean;
      if (c.header !== undefined) pass = h.headers !== null && Object.hasOwn(h.headers, c.header);
      else {
        const v = readJsonPath(doc(), c.jsonPath!);
        pass = c.equals === undefined ? v !== undefined && v !== null : isDeepStrictEqual(v, c.equals.value);
      }
      this.opts.recorder.recordCheck(req.index, c.name, pass);
    }
    for (const c of req.captures) {
      let v: unknown;
      if (c.header !== undefined) {
        const hv = h.headers !== null && Object.hasOwn(h.headers, c.header) ? h.headers[c.header] : undefined;
        v = Array.isArray(hv) ? hv[0] : hv;
      } else if (c.cookie !== undefined) v = setCookieValue(h.headers?.['set-cookie'], c.cookie);
      else v = readJsonPath(doc(), c.jsonPath!);
      const ok = v !== undefined && v !== null && typeof v !== 'object';
      if (ok) h.scope?.set(c.variable, String(v));
      this.opts.recorder.recordCheck(req.index, c.checkName, ok);
    }
  }

  /** A request that will not be sent (its iteration could not go on): counted as dropped. */
  drop(req: PreparedRequest): void {
    this.opts.recorder.recordDropped(req.index);
  }

  /** Closes every pool; in-flight requests fail (as reset) and are still accounted. */
  async close(): Promise<void> {
    this.closed = true;
    await this.http.close();
  }
}
