// A request as the agent fires it: the scenario's request template resolved
// once at assignment (run variables in, origin split off), with its checks and
// captures, plus the per-iteration flow scope. Shared by the Requester and its
// response handler.
import type { RetryPolicy, Template } from '@barrage/core';
import type { Dispatcher } from 'undici';
import type { StreamedBody } from './streamed-body.ts';

export interface PreparedCheck {
  name: string;
  /** Lower-case header name: passes when present. */
  header?: string;
  jsonPath?: ReadonlyArray<string | number>;
  /** With jsonPath: the expected value; absent: any non-null value passes. */
  equals?: { value: unknown };
  onStatus: ReadonlySet<number> | null;
}

export interface PreparedCapture {
  variable: string;
  header?: string;
  jsonPath?: ReadonlyArray<string | number>;
  /** The name of a cookie the response sets. */
  cookie?: string;
  /** Counted like a check: passes when the value was found. */
  checkName: string;
}

/** A request template resolved for firing: run variables substituted, origin split off. */
export interface PreparedRequest {
  index: number; // name slot in the Recorder
  origin: string;
  method: Dispatcher.HttpMethod;
  path: Template;
  headers: Record<string, Template>;
  /** Static body, or a template with flow variables; null for none or a streamed one. */
  body: Buffer | Template | null;
  /** A body streamed per request (a multipart upload, a file), with its Content-Length. */
  streamed: StreamedBody | null;
  timeoutMs: number;
  expect: ReadonlySet<number> | null; // null: 2xx are ok
  /** Redirects followed at most (0..10); absent: none. */
  maxRedirects?: number;
  /** When an attempt is tried again (retry.ts); absent or null: never. */
  retry?: RetryPolicy | null;
  checks: readonly PreparedCheck[];
  captures: readonly PreparedCapture[];
  /** Flow variables appear somewhere: render per fire. */
  templated: boolean;
  /** A check or capture reads the JSON body. */
  readsBody: boolean;
  /** Built on the first fire of a request without flow variables, then reused (undici does not change it). */
  dispatchOptions?: DispatchOptions;
}

export type DispatchOptions = Dispatcher.DispatchOptions & { origin: string };

/** Flow variables of one iteration. */
export type Scope = Map<string, string>;
/** A request's outcome reached its iteration: the status (0: no answer) and whether it was the expected one. */
export type Done = (status: number, ok: boolean) => void;
