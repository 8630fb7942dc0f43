// Tells a TLS failure (the target's certificate refused, the handshake failed,
// the server refused our client certificate) from other network errors, and
// names its reason: the OpenSSL or Node code, a bounded vocabulary the summary
// counts per request name. Under TLS 1.3 a server that refuses the client's
// certificate says so in an alert after the handshake; undici then reports only
// "other side closed", so the alert is remembered per socket (by local port)
// and looked up when that socket's request fails.
import { certificateErrorCode } from '@barrage/core';

/** Codes of TLS failures that are not certificate verdicts: handshake alerts, protocol and key errors. */
const TLS_CODE = /^(ERR_SSL_|ERR_TLS_|ERR_OSSL_)[A-Z0-9_]{1,80}$/;
/** A reason is a code; anything else is cut to this shape before it is counted. */
const REASON = /^[A-Z0-9_]{1,64}$/;

/** The TLS reason of `err` (or of its cause), if it is a TLS failure. */
export function tlsFailureReason(err: unknown): string | undefined {
  const cert = certificateErrorCode(err);
  if (cert !== undefined) return cert;
  for (
    let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e != null && depth < 4;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === 'string' && TLS_CODE.test(e.code)) return e.code.slice(0, 64);
  }
  return undefined;
}

/** A reason as counted: a code, or OTHER for anything else. */
export const boundedReason = (r: string) => (REASON.test(r) ? r : 'OTHER');

/** TLS alerts seen on sockets, by local port; bounded, an entry replaced when its port connects again. */
export class TlsAlerts {
  private readonly byPort = new Map<number, string>();
  private static readonly MAX = 1024;

  /** A socket connected: whatever its port saw before is stale. */
  connected(localPort: number | undefined): void {
    if (localPort !== undefined) this.byPort.delete(localPort);
  }

  /** A socket reported an error: kept when it is a TLS failure. */
  failed(localPort: number | undefined, err: unknown): void {
    const reason = tlsFailureReason(err);
    if (localPort === undefined || reason === undefined) return;
    if (this.byPort.size >= TlsAlerts.MAX) this.byPort.delete(this.byPort.keys().next().value!);
    this.byPort.set(localPort, reason);
  }

  /** The TLS reason of a request's error: its own, or the alert its socket saw (undici's `err.socket.localPort`). */
  reasonOf(err: unknown): string | undefined {
    const own = tlsFailureReason(err);
    if (own !== undefined) return own;
    const port = (err as { socket?: { localPort?: unknown } } | null)?.socket?.localPort;
    return typeof port === 'number' ? this.byPort.get(port) : undefined;
  }
}
