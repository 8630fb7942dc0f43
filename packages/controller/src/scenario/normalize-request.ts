// A request (or setup step) as written turned into what the planner sends:
// headers merged with the defaults and checked, the body and its type, captures,
// named checks, a generated upload's size; every problem noted with its path.
import { basename } from 'node:path';
import { FORBIDDEN_HEADERS, isSendableHeaderValue, parseJsonPath, VARIABLE } from '@barrage/core';
import { formBody } from './form-body.ts';
import type { RequestInput, ScenarioInput } from './input.ts';
import { boundedMs } from './limits.ts';
import type { CheckDef, MultipartDef, RequestDef } from './scenario.ts';
import { REQUEST_DEFAULTS } from './schema-requests.ts';
import { normalizeRetry } from './schema-retry.ts';
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
    // An upload, a form or a file sets its own content type and length; a default one does not apply to it.
    const typed = r.multipart !== undefined || r.form !== undefined || r.bodyFile !== undefined;
    if (typed && (k === 'content-type' || k === 'content-length') && !own.has(k)) continue;
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
  } else if (r.form !== undefined) {
    body = formBody(r.form, `${path}/form`, problems);
    contentType = 'application/x-www-form-urlencoded';
  } else if (r.bodyFile !== undefined) {
    contentType = REQUEST_DEFAULTS.multipartContentType;
  }
  if (contentType !== undefined && headers['content-type'] === undefined) headers['content-type'] = contentType;
  if (r.multipart !== undefined || r.bodyFile !== undefined) {
    const what = r.multipart !== undefined ? 'a multipart upload' : 'a bodyFile';
    if (r.method === undefined || r.method === 'GET' || r.method === 'HEAD')
      problems.push(`${path}/method: ${what} needs POST, PUT or PATCH`);
    for (const h of r.multipart !== undefined ? ['content-type', 'content-length'] : ['content-length'])
      if (own.has(h))
        problems.push(
          `${path}/headers/${h}: set by the ${r.multipart !== undefined ? 'multipart upload' : 'bodyFile'}`,
        );
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
  const multipart =
    r.multipart === undefined ? undefined : normalizeMultipart(r.multipart, `${path}/multipart`, problems);
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
    ...(r.bodyFile === undefined ? {} : { bodyFile: { path: r.bodyFile, size: 0, sha256: '' } }),
    timeoutMs: boundedMs(
      parseDuration(r.timeout ?? input.defaults?.timeout ?? REQUEST_DEFAULTS.timeout),
      `${path}/timeout`,
      problems,
    ),
    expect: r.expect ?? [],
    redirects: r.redirects,
    ...(r.retry === undefined ? {} : { retry: normalizeRetry(r.retry, `${path}/retry`, problems) }),
    weight: r.weight ?? REQUEST_DEFAULTS.weight,
    captures,
    checks,
  };
}

/** Generated content is bounded like a file: what one request may send. */
const MAX_PART_BYTES = 10 * 1024 ** 3;

/** One generated file (size), or parts: files from disk (read by body-files.ts) and generated ones. */
function normalizeMultipart(m: NonNullable<RequestInput['multipart']>, path: string, problems: string[]): MultipartDef {
  const size = (s: string, where: string) => {
    const n = parseSize(s);
    if (n > MAX_PART_BYTES) problems.push(`${where}: at most 10GB`);
    return n;
  };
  if ((m.size === undefined) === (m.parts === undefined))
    problems.push(
      `${path}: give size (one generated file) or parts, ${m.size === undefined ? 'one of them' : 'not both'}`,
    );
  if (m.parts !== undefined)
    for (const k of ['field', 'filename', 'contentType'] as const)
      if (m[k] !== undefined) problems.push(`${path}/${k}: with parts, each part names its own ${k}`);
  const parts = (m.parts ?? []).map((p, i) => {
    const where = `${path}/parts/${i}`;
    if ((p.file === undefined) === (p.size === undefined))
      problems.push(
        `${where}: give file (from disk) or size (generated), ${p.file === undefined ? 'one of them' : 'not both'}`,
      );
    return {
      field: p.field,
      filename: p.filename ?? (p.file === undefined ? REQUEST_DEFAULTS.multipartFilename : basename(p.file)),
      contentType: p.contentType ?? REQUEST_DEFAULTS.multipartContentType,
      size: p.size === undefined ? 0 : size(p.size, `${where}/size`),
      ...(p.file === undefined ? {} : { file: { path: p.file, size: 0, sha256: '' } }),
    };
  });
  return {
    size: m.size === undefined ? 0 : size(m.size, `${path}/size`),
    field: m.field ?? REQUEST_DEFAULTS.multipartField,
    filename: m.filename ?? REQUEST_DEFAULTS.multipartFilename,
    contentType: m.contentType ?? REQUEST_DEFAULTS.multipartContentType,
    fields: { ...m.fields },
    parts,
  };
}
