// What a run's sessions did to its verdict. Session steps (a login) are not the
// load: a run whose logins were answered but whose own requests never went
// (every session failed, a capture path wrong) got no expected answer, and is
// `failed`; a run where some sessions failed says how many, and how many steps
// were not sent for want of one, so a pass on the rest never hides them. Pure.
import { formatCount } from '@barrage/core';
import type { RequestSummary } from '../merge/request-figures.ts';

/** Why the load (the names that are not session-only) got no expected answer, when its iterations never went. */
export function noSessionVerdict(
  load: RequestSummary,
  sessions: readonly [string, RequestSummary][],
): string | undefined {
  if (sessions.length === 0 || load.requests > 0 || load.dropped === 0) return undefined;
  const sent = sessions.reduce((a, [, s]) => a + s.requests, 0);
  return `no request of the load was sent: ${formatCount(load.dropped)} steps were dropped for want of a session (${sessionFigures(sessions)}${sent === 0 ? '; no session step was sent' : ''})`;
}

/** Session steps that failed: no expected answer, or an answer whose capture found nothing. */
const failedSteps = (s: RequestSummary): number =>
  s.requests -
  s.ok +
  Object.entries(s.checks).reduce((a, [name, c]) => a + (name.startsWith('capture ') ? c.fails : 0), 0);

/** A note when some session steps failed; undefined when every one worked. */
export function sessionNote(load: RequestSummary, sessions: readonly [string, RequestSummary][]): string | undefined {
  const bad = sessions.reduce((a, [, s]) => a + failedSteps(s), 0);
  if (bad === 0) return undefined;
  const dropped =
    load.dropped > 0
      ? `; a VU (or in-flight slot) without a session sends nothing and tries it again before its next iteration: ${formatCount(load.dropped)} steps were not sent (dropped)`
      : '';
  return `sessions: ${formatCount(bad)} session step(s) failed (${sessionFigures(sessions)})${dropped}`;
}

const sessionFigures = (sessions: readonly [string, RequestSummary][]): string =>
  sessions
    .map(([name, s]) => {
      const statuses = Object.entries(s.status)
        .map(([code, n]) => `${code} ×${formatCount(n)}`)
        .join(', ');
      const captures = Object.entries(s.checks)
        .filter(([check, c]) => check.startsWith('capture ') && c.fails > 0)
        .map(([check, c]) => `; ${check} found nothing ${formatCount(c.fails)} time(s)`)
        .join('');
      return `${name}: ${formatCount(s.ok)} ok of ${formatCount(s.requests)}${statuses ? ` (${statuses})` : ''}${captures}`;
    })
    .join('; ');
