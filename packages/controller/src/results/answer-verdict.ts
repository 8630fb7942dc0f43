// Whether a run got any expected answer at all, and if not, what happened
// instead, in words. A run where nothing answered as expected is `failed`
// whatever its thresholds: an empty or all-refused run must never read as a
// pass. Pure.
import { formatCount } from '@barrage/core';
import type { RequestSummary } from '../merge/request-figures.ts';

const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;

/**
 * Why no request got an expected answer, or undefined when some did. An expected answer is
 * an `ok` response, or a 429 when a request of the run lists 429 in its `expect`.
 */
export function nothingAnswered(t: RequestSummary, expects429: boolean): string | undefined {
  if (t.ok > 0 || (expects429 && t.rateLimited > 0)) return undefined;
  if (t.requests === 0)
    return t.dropped > 0
      ? `no request was sent: all ${plural(t.dropped, 'arrival')} were dropped (the in-flight cap was reached)`
      : 'no request was sent';
  const e = t.errors;
  const answered = t.responses;
  if (answered === 0) {
    const all = t.requests;
    if (e.refused === all) return `the target refused all ${plural(all, 'connection')}`;
    if (e.timeout === all) return `all ${plural(all, 'request')} timed out without an answer`;
    if (e.reset === all) return `the target reset all ${plural(all, 'connection')}`;
    if (e.tls === all) return `TLS failed for all ${plural(all, 'request')} (see tlsReasons)`;
    const parts = [
      e.refused > 0 ? `${formatCount(e.refused)} refused` : '',
      e.timeout > 0 ? `${formatCount(e.timeout)} timed out` : '',
      e.reset > 0 ? `${formatCount(e.reset)} reset` : '',
      e.tls > 0 ? `${formatCount(e.tls)} failed TLS` : '',
      e.other > 0 ? `${formatCount(e.other)} failed otherwise` : '',
    ].filter((p) => p !== '');
    return `none of ${plural(all, 'request')} got an answer: ${parts.join(', ')}`;
  }
  const statuses = Object.entries(t.status)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([code, n]) => `${code} ×${formatCount(n)}`)
    .join(', ');
  const lost = t.requests - answered;
  return `no request got an expected answer: ${plural(answered, 'response')} (${statuses})${lost > 0 ? `, ${plural(lost, 'request')} without an answer` : ''}`;
}
