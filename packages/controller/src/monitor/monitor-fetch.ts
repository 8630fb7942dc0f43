// One monitor poll on the wire: GET the URL within its timeout, at most 1 MiB
// of answer, a 2xx status. What goes wrong becomes a PollFailure with a short
// reason the summary counts ("HTTP 404", "timeout after 2000 ms",
// "connection refused"); and where the polls went, for the summary's
// monitorRequests: origin and path only (no userinfo, no query, which may hold secrets).
import { request } from 'undici';
import { PollFailure } from './monitor-reading.ts';

const MAX_BODY = 1024 * 1024;

/** The body of a 2xx answer to GET `url`, or a PollFailure saying why not. */
export async function fetchMonitorBody(url: string, timeoutMs: number): Promise<string> {
  try {
    const res = await request(url, { signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.body) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) {
        res.body.destroy();
        throw new PollFailure('answer larger than 1 MiB');
      }
      chunks.push(c as Buffer);
    }
    if (res.statusCode < 200 || res.statusCode > 299) throw new PollFailure(`HTTP ${res.statusCode}`);
    return Buffer.concat(chunks).toString('utf8');
  } catch (err) {
    throw err instanceof PollFailure ? err : new PollFailure(networkReason(err, timeoutMs));
  }
}

const BY_CODE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  UND_ERR_SOCKET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || /TIMEOUT/.test(e.code ?? ''))
    return `timeout after ${timeoutMs} ms`;
  const code = e.code ?? e.cause?.code ?? '';
  return BY_CODE[code] ?? (code || String(e.message ?? err).slice(0, 100));
}

/** Where a monitor's polls go, as the summary names it: origin and path, without userinfo or query. */
export function monitorUrlKey(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
