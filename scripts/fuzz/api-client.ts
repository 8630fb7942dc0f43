// Minimal REST client for the fuzzer: every call carries the bearer token and
// a deadline, and comes back as an answer or a failure, never a throw.
import type { Controller } from './controller-process.ts';

export interface Answer {
  status: number;
  /** The parsed JSON body, or undefined when it is not JSON. */
  json: unknown;
  text: string;
  headers: Headers;
  ms: number;
}

export type Outcome = { answer: Answer } | { failure: string; ms: number; timedOut: boolean; cutAtLimit: boolean };

/** The API's body limit (api/server.ts). Past it the controller answers 413 and closes without reading the rest. */
export const API_BODY_LIMIT = 1024 * 1024;
/** How a write fails when the peer closed first: the 413 may be lost in the reset (TCP drops what was unread). */
const CUT = new Set(['EPIPE', 'ECONNRESET']);

export async function call(
  ctl: Controller,
  method: string,
  path: string,
  o: { body?: string | Uint8Array; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Outcome> {
  const t0 = performance.now();
  try {
    const res = await fetch(ctl.http + path, {
      method,
      body: o.body,
      signal: AbortSignal.timeout(o.timeoutMs ?? 15_000),
      headers: {
        authorization: `Bearer ${ctl.token}`,
        ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...o.headers,
      },
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { answer: { status: res.status, json, text, headers: res.headers, ms: performance.now() - t0 } };
  } catch (err) {
    const e = err as Error & { cause?: Error };
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
    const size = o.body === undefined ? 0 : typeof o.body === 'string' ? Buffer.byteLength(o.body) : o.body.length;
    const cause = (e.cause as (Error & { code?: string }) | undefined)?.code;
    return {
      cutAtLimit: size > API_BODY_LIMIT && cause !== undefined && CUT.has(cause),
      failure: `${e.name}: ${e.message}${e.cause ? ` (${e.cause.message})` : ''}`,
      ms: performance.now() - t0,
      timedOut,
    };
  }
}

/** The body's error code when it is a coded error body for this status. */
export function codeOf(a: Answer): string | undefined {
  const b = a.json as { code?: unknown; message?: unknown; statusCode?: unknown } | undefined;
  if (b === undefined || typeof b.code !== 'string' || typeof b.message !== 'string' || b.statusCode !== a.status)
    return undefined;
  return b.code;
}
