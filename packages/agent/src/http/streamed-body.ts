// A request body the agent streams instead of holding: a multipart upload or
// a file from disk. Opened once per request (its flow variables filled in),
// it knows its exact length up front, so the request carries a Content-Length
// and never chunked encoding; a redirect that keeps the body streams the same
// opened body again.
import type { Readable } from 'node:stream';
import type { TemplateScope } from '@barrage/core';

/** One request's body: its length in bytes and a fresh stream of exactly that many. */
export interface OpenedBody {
  readonly length: number;
  stream(): Readable;
}

export interface StreamedBody {
  /** Flow variables appear in it: the request needs its iteration's scope. */
  readonly templated: boolean;
  /** The body for one request; undefined when a flow variable it needs was not captured. */
  open(scope: TemplateScope | null): OpenedBody | undefined;
}
