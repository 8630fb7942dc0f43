// A request (or setup step) as written turned into what the planner sends:
// headers merged with the defaults and checked, the body and its type, captures,
// named checks, a generated upload's size; every problem noted with its path.
import { FORBIDDEN_HEADERS, isSendableHeaderValue, parseJsonPath, VARIABLE } from '@barrage/core';
import type { RequestInput, ScenarioInput } from './input.ts';
import { boundedMs } from './limits.ts';
import type { CheckDef, RequestDef } from './scenario.ts';
import { REQUEST_DEFAULTS } from './schema-requests.ts';
import { mergedHeaders } from './templated-fields.ts';
import { parseDuration, parseSize } from './units.ts';
import { parsesAsUrl } from './urls.ts';

function checkName(c: NonNullable<RequestInput['checks']>[number]): string {
  const on = c.status ? ` on ${c.status.join(',')}` : '';
  if (c.header !== undefined) return `header ${c.header}${on}`;
  return `${c.json} ${c.equals === undefined ? 'exists' : `== ${JSON.stringify(c.equals)}`}${on}`;
}

export function normalizeRequest(r: RequestInput, input: ScenarioInput, path: string, problems: string[]): RequestDef {
  if (r.url !== undefined && /^https?:\/\/[^/?#]*@/.test(r.url))
    problems.push(`${path}/url: credentials in the URL are not sent; use an authorization header`);
  if (r.url !== undefined && !parsesAsUrl(r.url)) problems.push(`${path}/url: not a valid URL`);
  const own = new Set<string>();
  for (const k of Object.keys(r.headers ?? {})) {
    const name = k.toLowerCase();
    if (own.has(name)) problems.push(`${path}/headers/${k}: given twice (header names are case-insensitive)`);
    own.add(name);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(mergedHeaders(input.defaults?.headers, r.headers))) {
    // An upload sets its own content type and length; a default one does not apply to it.
    if (r.multipart !== undefined && (k === 'content-type' || k === 'content-length') && !own.has(k)) continue;
    if (FORBIDDEN_HEADERS.has(k))
      problems.push(`${path}/headers/${k}: barrage cannot send this header (HTTP/1.1 framing is set by the client)`);
    if (!isSendableHeaderValue(v.replace(VARIABLE, '')))
      problems.push(`${path}/headers/${k}: the value has characters a header cannot carry (controls, or beyond \\xff)`);
    headers[k] = v;
  }
  let body: string | undefined;
  let contentType: string | undefined;
  // A variable inside a JSON body lands inside a JSON string: its value is escaped for one.
  if (r.json !== undefined) {
    body = JSON.stringify(r.json).replace(VARIABLE, (m, name: string, filter?: string) =>
      filter ? m : `\${${name}|json}`,
    );
    contentType = 'application/json';
  } else if (r.body !== undefined) {
    body = r.body;
    contentType = 'text/plain; charset=utf-8';
  }
  if (contentType !== undefined && headers['content-type'] === undefined) headers['content-type'] = contentType;
  if (r.multipart !== undefined) {
    if (r.method === undefined || r.method === 'GET' || r.method === 'HEAD')
      problems.push(`${path}/method: a multipart upload needs POST, PUT or PATCH`);
    for (const h of ['content-type', 'content-length'])
      if (own.has(h)) problems.push(`${path}/headers/${h}: set by the multipart upload`);
  }
  const captures = Object.entries(r.capture ?? {}).map(([variable, c]) =>
    typeof c === 'string'
      ? { variable, json: c }
      : 'json' in c
        ? { variable, json: c.json }
        : 'cookie' in c
          ? { variable, cookie: c.cookie }
          : { variable, header: c.header },
  );
  for (const c of captures)
    if (c.cookie !== undefined && path.startsWith('/setup/'))
      problems.push(
        `${path}/capture/${c.variable}: a cookie capture works in requests only (setup steps keep no cookies)`,
      );
  const checkPath = (p: string | undefined, where: string) => {
    if (p === undefined) return;
    try {
      parseJsonPath(p);
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message} (supported: $.a.b, $.items[0], $['odd-key'])`);
    }
  };
  for (const c of captures) checkPath(c.json, `${path}/capture/${c.variable}`);
  (r.checks ?? []).forEach((c, j) => checkPath(c.json, `${path}/checks/${j}/json`));
  const checks: CheckDef[] = [];
  const checkNames = new Set(captures.map((c) => `capture ${c.variable}`));
  (r.checks ?? []).forEach((c, j) => {
    const name = c.name ?? checkName(c);
    if (checkNames.has(name)) problems.push(`${path}/checks/${j}: duplicate check name ${JSON.stringify(name)}`);
    checkNames.add(name);
    checks.push({
      name,
      header: c.header,
      json: c.json,
      equals: c.equals === undefined ? undefined : { value: c.equals },
      status: c.status ?? [],
    });
  });
  let multipart: RequestDef['multipart'];
  if (r.multipart !== undefined) {
    multipart = {
      size: parseSize(r.multipart.size),
      field: r.multipart.field ?? REQUEST_DEFAULTS.multipartField,
      filename: r.multipart.filename ?? REQUEST_DEFAULTS.multipartFilename,
      contentType: r.multipart.contentType ?? REQUEST_DEFAULTS.multipartContentType,
      fields: { ...r.multipart.fields },
    };
    if (multipart.size > 10 * 1024 ** 3) problems.push(`${path}/multipart/size: at most 10GB`);
  }
  return {
    name: r.name,
    method: r.method ?? REQUEST_DEFAULTS.method,
    url: r.url,
    path: r.path,
    headers,
    query: Object.fromEntries(Object.entries(r.query ?? {}).map(([k, v]) => [k, String(v)])),
    body,
    contentType,
    multipart,
    timeoutMs: boundedMs(
      parseDuration(r.timeout ?? input.defaults?.timeout ?? REQUEST_DEFAULTS.timeout),
      `${path}/timeout`,
      problems,
    ),
    expect: r.expect ?? [],
    redirects: r.redirects,
    weight: r.weight ?? REQUEST_DEFAULTS.weight,
    captures,
    checks,
  };
}
