// Where a redirect leads and what the next hop sends, by the rules browsers and
// undici follow (fetch's "HTTP-redirect fetch"): 303, and 301/302 after a POST,
// become a GET without a body; 307 and 308 resend the method and body; a hop to
// another origin drops the credentials. One rule for the agents' requests and
// the controller's setup steps. Pure.

/** The redirect statuses followed (300 and 304 are answers, not redirects). */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Redirects followed at most per request (the default, and the cap of `redirects:`). */
export const MAX_REDIRECTS = 10;

/** Sent only to the origin they were meant for (fetch drops them on a cross-origin hop). */
const CREDENTIALS = new Set(['authorization', 'cookie', 'proxy-authorization']);

export interface RedirectTarget {
  url: URL;
  method: string;
  headers: Record<string, string>;
  /** The redirect turned the request into a GET: its body is not sent again. */
  toGet: boolean;
}

/**
 * Where `status` with `location` leads from the request (`fromUrl`, `method`, `headers`), or
 * null when it is not a redirect to follow (not a redirect status, no Location, a Location
 * that is no http(s) URL).
 */
export function redirectTarget(
  fromUrl: string | URL,
  method: string,
  headers: Readonly<Record<string, string>>,
  status: number,
  location: string | string[] | undefined,
): RedirectTarget | null {
  if (!REDIRECT_STATUSES.has(status)) return null;
  const loc = Array.isArray(location) ? location[0] : location;
  if (loc === undefined || loc === '') return null;
  let url: URL;
  try {
    url = new URL(loc, fromUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const toGet = (status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST');
  const crossOrigin = url.origin !== new URL(fromUrl).origin;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (name === 'host') continue;
    if (toGet && name.startsWith('content-')) continue;
    if (crossOrigin && CREDENTIALS.has(name)) continue;
    out[k] = v;
  }
  return { url, method: toGet ? 'GET' : method, headers: out, toGet };
}
