// URLs in scenarios: a base URL (--target, the API's `target`) and what it may
// hold, whether a URL parses, and a request's final URL, built as text so that
// ${variables} reach the agent unencoded. Pure.
import { VARIABLE } from '@barrage/core';
import type { RequestDef, Scenario } from './scenario.ts';

/** A --target or API `target`: an http(s) base URL without query or fragment. */
export function isTargetUrl(url: string): boolean {
  return /^https?:\/\/[^/]+/.test(url) && baseUrlProblems(url, 'target').length === 0;
}

/** Whether a request, setup step or monitor uses a path, and so needs a base URL. */
export function usesPaths(s: Scenario): boolean {
  return [...s.setup, ...s.requests, ...s.monitors].some((r) => r.path !== undefined);
}

/** A base URL is scheme, host, optional port and path prefix: no query or fragment, a host that parses. */
export function baseUrlProblems(url: string, path: string): string[] {
  if (/[?#]/.test(url)) return [`${path}: a base URL has no query or fragment`];
  return parsesAsUrl(url) ? [] : [`${path}: not a valid URL`];
}

/** Whether a URL (its variables standing for a word) parses, with a host. */
export function parsesAsUrl(url: string): boolean {
  try {
    return new URL(url.replace(VARIABLE, 'x')).hostname !== '';
  } catch {
    return false;
  }
}
/**
 * A request's final URL against the run's base URL (which --target may have replaced).
 * Built as text, not with URL, so ${variables} reach the agent unencoded.
 */
export function requestUrl(r: RequestDef, baseUrl: string | undefined): string {
  let url = withoutFragment(r.url ?? baseUrl!.replace(/\/$/, '') + r.path!);
  const query = Object.entries(r.query)
    .map(([k, v]) => `${encodeKeepingVariables(k)}=${encodeKeepingVariables(v)}`)
    .join('&');
  if (query) url += (url.includes('?') ? '&' : '?') + query;
  return url;
}

/** A request's path (or URL) and query as written, ${…} and all: what a note may show of a URL holding a secret. */
export function writtenPath(r: RequestDef): string {
  const query = Object.entries(r.query)
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const at = r.path ?? r.url ?? '';
  return query ? `${at}${at.includes('?') ? '&' : '?'}${query}` : at;
}

/** Percent-encodes text for a query string; its ${variables} get the uri filter, so their values are encoded too. */
function encodeKeepingVariables(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(VARIABLE)) {
    out += encodeURIComponent(text.slice(last, m.index)) + (m[2] === undefined ? `\${${m[1]}|uri}` : m[0]);
    last = m.index + m[0].length;
  }
  return out + encodeURIComponent(text.slice(last));
}

/** A URL without its #fragment (never sent); a # inside a ${variable} is not one. */
function withoutFragment(url: string): string {
  let last = 0;
  for (const m of url.matchAll(VARIABLE)) {
    const hash = url.slice(last, m.index).indexOf('#');
    if (hash >= 0) return url.slice(0, last + hash);
    last = m.index + m[0].length;
  }
  const hash = url.indexOf('#', last);
  return hash >= 0 ? url.slice(0, hash) : url;
}
