// The next hop of a redirect as the Requester sends it, by core's redirect rule
// (redirect-rule.ts, shared with the controller's setup steps). Pure, so the
// Requester's hop loop stays small: it asks here, and measures every hop in its own handler (undici's
// redirect interceptor hides hops, cannot replay a streamed upload and sends a
// cross-origin hop through the first origin's Pool).
import { redirectTarget } from '@barrage/core';
import type { Dispatcher } from 'undici';

export { MAX_REDIRECTS, REDIRECT_STATUSES } from '@barrage/core';

/** One hop as sent: the Requester dispatches it and keeps it for the next redirect. */
export interface Hop {
  origin: string;
  method: Dispatcher.HttpMethod;
  path: string;
  headers: Record<string, string>;
  /** The body is sent again (307/308); false: the hop has none. */
  keepBody: boolean;
}

/**
 * The next hop for `status` with `location`, or null when it is not a redirect to follow
 * (not a redirect status, no Location, a Location that is no http(s) URL).
 */
export function nextHop(from: Hop, status: number, location: string | string[] | undefined): Hop | null {
  const to = redirectTarget(from.origin + from.path, from.method, from.headers, status, location);
  if (to === null) return null;
  return {
    origin: to.url.origin,
    method: to.method as Dispatcher.HttpMethod,
    path: `${to.url.pathname}${to.url.search}`,
    headers: to.headers,
    keepBody: from.keepBody && !to.toGet,
  };
}
