// The scenario schema's transport keys: which HTTP version a request speaks
// (`http`, `maxStreams`; per request, per model, or in defaults) and how a load
// model uses its connections (`keepAlive`, `pipelining`, `connections: perVU`).
// docs/scenarios.md "HTTP/2" and "Connections"; read by transport.ts.

export const TRANSPORT_DEFAULTS = Object.freeze({ http: '1.1', keepAlive: true, pipelining: 1 });
export const MAX_STREAMS = 1000;
export const MAX_PIPELINING = 100;

/** YAML reads `http: 2` as a number and `http: "2"` as text: both are taken. */
export const httpSchema = {
  description: `HTTP version: 1.1, or 2 (by ALPN on https, with prior knowledge (h2c) on http) (default ${TRANSPORT_DEFAULTS.http})`,
  enum: ['1.1', '2', 1.1, 2],
} as const;

export const maxStreamsSchema = {
  type: 'integer',
  description: 'HTTP/2: concurrent streams per connection (default 100, or what the server allows)',
  minimum: 1,
  maximum: MAX_STREAMS,
} as const;

/** A load model's transport keys (beside `connections`, which also takes perVU). */
export const modelTransportProps = {
  http: httpSchema,
  maxStreams: maxStreamsSchema,
  keepAlive: {
    type: 'boolean',
    description: 'false: a new connection for every request (HTTP/1.1) (default true)',
  },
  pipelining: {
    type: 'integer',
    description: `HTTP/1.1 requests in flight on one connection (default ${TRANSPORT_DEFAULTS.pipelining})`,
    minimum: 1,
    maximum: MAX_PIPELINING,
  },
} as const;

/** HTTP version on the wire (RequestSpec.http): 11 or 2. */
export type HttpVersion = 11 | 2;

/** A load model's transport as transport.ts reads it. */
export interface ModelTransport {
  keepAlive: boolean;
  pipelining: number;
  perVU: boolean;
  /** By request name (the model's mix, session and teardown steps). */
  http: Record<string, { version: HttpVersion; maxStreams: number }>;
}
