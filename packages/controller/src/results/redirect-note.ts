// The run note for requests that were redirected: a path written without the
// trailing slash the server wants (FastAPI's 307 to `/api/sessions/`) still
// "works", at the cost of a hop on every request. The note names the first
// redirect seen per request name, so the user can write the path it leads to.
import type { RequestTotals } from '../merge/request-totals.ts';

/** The path and query of a URL as the agent reported it (the whole text when it is no URL). */
function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

/**
 * Each secret (run variables, secret data columns) in `text`, as written or
 * percent-encoded, replaced by [secret]: a URL the agents rendered may carry one.
 */
export function withoutSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 3) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('[secret]');
  }
  return out;
}

/** Whether `text` holds a secret as written or in any percent-encoding (an agent encodes a path its own way). */
function holdsSecret(text: string, secrets: readonly string[]): boolean {
  let decoded = text;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    // not percent-encoded throughout: the text as it is
  }
  return secrets.some((s) => s.length >= 3 && (text.includes(s) || decoded.includes(s)));
}

/**
 * One note per request name that followed redirects, in name order. A URL that
 * holds a secret is shown as written in the scenario (`written`: path and query
 * with their ${…}), a Location that holds one is not shown, and what is left is masked.
 */
export function redirectNotes(
  byName: ReadonlyMap<string, RequestTotals>,
  secrets: readonly string[] = [],
  written: ReadonlyMap<string, string> = new Map(),
): string[] {
  const notes: string[] = [];
  for (const [name, t] of [...byName].sort((a, b) => a[0].localeCompare(b[0]))) {
    const r = t.firstRedirect;
    if (t.redirects === 0 || r === null) continue;
    const n = t.redirects;
    const url = pathOf(r.url ?? '');
    const from = holdsSecret(url, secrets) ? (written.get(name) ?? '(a URL holding a secret)') : url;
    const to = holdsSecret(r.location ?? '', secrets) ? '(a URL holding a secret)' : r.location;
    notes.push(
      withoutSecrets(
        `${name}: ${n} ${n === 1 ? 'response was a redirect' : 'responses were redirects'}, followed: ` +
          `${r.method} ${from} → ${r.status} → ${to} ` +
          '(write the path the server redirects to, or set redirects: 0)',
        secrets,
      ),
    );
  }
  return notes;
}
