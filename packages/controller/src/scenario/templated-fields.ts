// The text fields of a scenario that may hold ${variables}, and what is wrong
// with a reference in them. Pure.
import { VARIABLE } from '@barrage/core';
import type { RequestInput, ScenarioInput } from './input.ts';

/** The text fields of a request that may hold ${variables}, with their paths. */
export function templatedFields(
  r: RequestInput,
  defaults: Record<string, string> | undefined,
  path: string,
): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (r.url !== undefined) out.push([`${path}/url`, r.url]);
  if (r.path !== undefined) out.push([`${path}/path`, r.path]);
  for (const [k, v] of Object.entries(r.query ?? {})) out.push([`${path}/query/${k}`, String(v)]);
  for (const [h, v] of Object.entries(mergedHeaders(defaults, r.headers))) out.push([`${path}/headers/${h}`, v]);
  if (r.json !== undefined) out.push([`${path}/json`, JSON.stringify(r.json)]);
  if (r.body !== undefined) out.push([`${path}/body`, r.body]);
  for (const k of Object.keys(r.query ?? {})) out.push([`${path}/query/${k} (name)`, k]);
  for (const [k, v] of Object.entries(r.multipart?.fields ?? {}))
    out.push([`${path}/multipart/fields/${k}`, v], [`${path}/multipart/fields/${k} (name)`, k]);
  for (const k of ['filename', 'field', 'contentType'] as const) {
    const v = r.multipart?.[k];
    if (v !== undefined) out.push([`${path}/multipart/${k}`, v]);
  }
  (r.multipart?.parts ?? []).forEach((p, i) => {
    for (const k of ['filename', 'field', 'contentType'] as const) {
      const v = p[k];
      if (v !== undefined) out.push([`${path}/multipart/parts/${i}/${k}`, v]);
    }
  });
  for (const [k, v] of Object.entries(r.form ?? {}))
    out.push([`${path}/form/${k}`, String(v)], [`${path}/form/${k} (name)`, k]);
  return out;
}

export const isEnv = (v: string) => v.startsWith('env:');

/** Default headers overlaid by a request's own, names lower-cased (a request's header wins whatever its case). */
export function mergedHeaders(
  defaults: Record<string, string> | undefined,
  own: Record<string, string> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(defaults ?? {})) out[k.toLowerCase()] = v;
  for (const [k, v] of Object.entries(own ?? {})) out[k.toLowerCase()] = v;
  return out;
}

const ENV_DEFAULT = /^env:[A-Za-z_][A-Za-z0-9_]*:-(.*)$/s;

/** `${` that is not a variable reference, and env defaults that cannot be carried safely. */
export function referenceProblems(path: string, text: string): string[] {
  const out: string[] = [];
  const known = new Set([...text.matchAll(VARIABLE)].map((m) => m.index));
  for (const m of text.matchAll(/\$\{/g)) {
    if (!known.has(m.index))
      out.push(
        `${path}: ${JSON.stringify(text.slice(m.index, m.index + 40))} is not a variable reference (\${name}, \${name|uri}, \${name|json}, \${env:NAME}, \${env:NAME:-default}, or a generator: \${seq}, \${randomInt(1,10)})`,
      );
  }
  for (const m of text.matchAll(VARIABLE)) {
    const d = ENV_DEFAULT.exec(m[1]!);
    if (d && /["\\\x00-\x1f]/.test(d[1]!))
      out.push(
        `${path}: the default of \${${m[1]!.split(':-')[0]}} may not contain quotes, backslashes or control characters`,
      );
  }
  return out;
}

/** Every text of the document in which ${...} is substituted: vars, the requests' templated fields, and monitors' metrics and paths. */
export function substitutedTexts(input: ScenarioInput): string[] {
  const requests = [...(input.setup ?? []), ...input.requests];
  return [
    ...Object.values(input.vars ?? {}),
    ...requests.flatMap((r) => templatedFields(r, input.defaults?.headers, '').map(([, t]) => t)),
    ...(input.monitors ?? []).flatMap((m) => [m.prometheus ?? m.json ?? '']),
  ];
}
