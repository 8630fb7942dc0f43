// Where a redirect leads and what the next hop sends, by the rules browsers and
// undici follow (fetch's "HTTP-redirect fetch"): 303, and 301/302 after a POST,
// become a GET without a body; 307 and 308 resend the method and body; a hop to
// another origin drops the credentials. Pure, so the Requester's hop loop stays
// small: it asks here, and measures every hop in its own handler (undici's
// redirect interceptor hides hops, cannot replay a streamed upload and sends a
// cross-origin hop through the first origin's Pool).
import type { Dispatcher } from 'undici';

/** The redirect statuses followed (300 and 304 are answers, not redirects). */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Redirects followed at most per request (the default, and the cap of `redirects:`). */
export const MAX_REDIRECTS = 10;

/** One hop as sent: the Requester dispatches it and keeps it for the next redirect. */
export interface Hop {
  origin: string;
  method: Dispatcher.HttpMethod;
  path: string;
  headers: Record<string, string>;
  /** The body is sent again (307/308); false: the hop has none. */
  keepBody: boolean;
}

/** Sent only to the origin they were meant for (fetch drops them on a cross-origin hop). */
const CREDENTIALS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/**
 * The next hop for `status` with `location`, or null when it is not a redirect to follow
 * (not a redirect status, no Location, a Location that is no http(s) URL).
 */
export function nextHop(from: Hop, status: number, location: string | string[] | undefined): Hop | null {
  if (!REDIRECT_STATUSES.has(status)) return null;
  const loc = Array.isArray(location) ? location[0] : location;
  if (loc === undefined || loc === '') return null;
  let url: URL;
  try {
    url = new URL(loc, from.origin + from.path);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const toGet =
    (status === 303 && from.method !== 'HEAD') || ((status === 301 || status === 302) && from.method === 'POST');
  const crossOrigin = url.origin !== from.origin;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(from.headers)) {
    const name = k.toLowerCase();
    if (name === 'host') continue;
    if (toGet && name.startsWith('content-')) continue;
    if (crossOrigin && CREDENTIALS.has(name)) continue;
    headers[k] = v;
  }
  return {
    origin: url.origin,
    method: toGet ? 'GET' : from.method,
    path: `${url.pathname}${url.search}`,
    headers,
    keepBody: from.keepBody && !toGet,
  };
}
