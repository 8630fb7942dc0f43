// A `form:` body as the planner sends it: application/x-www-form-urlencoded
// text in which every name and value is percent-encoded exactly once. The
// literal text is encoded here; a ${variable} gets the |uri filter, so its
// value is encoded when it is filled in (core's template.ts), never twice.
import { VARIABLE } from '@barrage/core';

/** Percent-encodes literal text the way the |uri filter encodes a value. */
const encodeLiteral = (s: string) => encodeURIComponent(s.toWellFormed());

/** One name or value: literals encoded now, each variable marked |uri; a |json filter is a problem. */
function encodePart(text: string, where: string, problems: string[]): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(VARIABLE)) {
    out += encodeLiteral(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] === 'json')
      problems.push(`${where}: \${${m[1]}|json} would not be url-encoded; write \${${m[1]}} (form values are encoded)`);
    out += `\${${m[1]}|uri}`;
  }
  return out + encodeLiteral(text.slice(last));
}

/** `name=value&…` in the order written; each problem with its path under `path`. */
export function formBody(fields: Record<string, string | number | boolean>, path: string, problems: string[]): string {
  return Object.entries(fields)
    .map(
      ([k, v]) =>
        `${encodePart(k, `${path}/${k} (name)`, problems)}=${encodePart(String(v), `${path}/${k}`, problems)}`,
    )
    .join('&');
}
