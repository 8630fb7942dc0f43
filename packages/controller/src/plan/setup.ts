// Run variables: the scenario's `vars`, its ${env:NAME} references (read from
// the controller's environment), and the captures of its setup steps, which run
// once, on the controller, before agents start (log in, capture
// $.access_token). Every agent substitutes them. They are secrets: never
// logged, never stored, never named in an error with their value.

import { compileTemplate, readJsonPath, render, variablesIn } from '@barrage/core';
import { type Dispatcher, request } from 'undici';
import { ControllerErrors } from '../errors.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { substitutedTexts } from '../scenario/templated-fields.ts';
import { requestUrl } from '../scenario/urls.ts';

export interface RunVar {
  name: string;
  value: string;
  secret: boolean;
}

const MAX_SETUP_BODY = 1024 * 1024;

/**
 * ${env:NAME} and ${env:NAME:-default} references of the scenario, resolved. An unset
 * or empty NAME takes the default; without one it is an error naming NAME (only).
 */
export function resolveEnv(s: Scenario, env: Readonly<Record<string, string | undefined>>): Map<string, string> {
  const out = new Map<string, string>();
  const missing = new Set<string>();
  for (const text of substitutedTexts(s.source)) {
    for (const ref of variablesIn(text)) {
      const m = /^env:([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(ref);
      if (m === null) continue;
      const value = env[m[1]!];
      if (value !== undefined && value !== '') out.set(ref, value);
      else if (m[2] !== undefined) out.set(ref, m[2]);
      else missing.add(m[1]!);
    }
  }
  if (missing.size > 0) {
    const names = [...missing].sort();
    const first = names[0]!;
    throw new ControllerErrors.SCENARIO_ENV_MISSING(
      `${names.join(', ')}; set it in this shell (export ${first}=…), or pass --set ${first}=… to controller start, or give the scenario a default (\${env:${first}:-value})`,
    );
  }
  return out;
}

/**
 * Resolves the run's variables: env references, `vars`, then each setup step in order. A
 * setup step whose captures are all already given (by `vars`, say from a token in the
 * environment) is skipped.
 */
export async function runSetup(
  s: Scenario,
  baseUrl: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<RunVar[]> {
  const vars = resolveEnv(s, env);
  const fill = (text: string) => render(compileTemplate(text, vars, new Set()), null)!;
  for (const [name, value] of Object.entries(s.vars)) vars.set(name, fill(value));
  for (const step of s.setup) {
    if (step.captures.length > 0 && step.captures.every((c) => (vars.get(c.variable) ?? '') !== '')) continue;
    const fail = (why: string) => new ControllerErrors.SETUP_FAILED(step.name, why);
    const headers = Object.fromEntries(Object.entries(step.headers).map(([k, v]) => [k, fill(v)]));
    let res: Dispatcher.ResponseData;
    try {
      res = await request(fill(requestUrl(step, baseUrl)), {
        method: step.method as 'POST',
        headers,
        body: step.body === undefined ? undefined : fill(step.body),
        headersTimeout: step.timeoutMs,
        bodyTimeout: step.timeoutMs,
      });
    } catch (err) {
      throw fail((err as Error).message);
    }
    // Keep at most MAX_SETUP_BODY; a longer body is read to its end and discarded.
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.body) {
      if (size <= MAX_SETUP_BODY) chunks.push(c as Buffer);
      size += (c as Buffer).length;
    }
    const buf = Buffer.concat(chunks);
    const ok =
      step.expect.length > 0 ? step.expect.includes(res.statusCode) : res.statusCode >= 200 && res.statusCode < 400;
    if (!ok) throw fail(`HTTP ${res.statusCode}`);
    if (step.captures.length === 0) continue;
    let doc: unknown;
    const json = () => {
      if (doc !== undefined) return doc;
      if (size > MAX_SETUP_BODY) throw fail('response body too large to capture from');
      try {
        doc = JSON.parse(buf.toString('utf8'));
      } catch {
        throw fail('response is not JSON');
      }
      return doc;
    };
    for (const c of step.captures) {
      const name = c.header?.toLowerCase();
      const h = name !== undefined && Object.hasOwn(res.headers, name) ? res.headers[name] : undefined;
      const v = c.header !== undefined ? (Array.isArray(h) ? h[0] : h) : readJsonPath(json(), c.json!);
      if (v === undefined || v === null || typeof v === 'object')
        throw fail(`${c.header !== undefined ? `header ${c.header}` : c.json} did not yield a value`);
      vars.set(c.variable, String(v));
    }
  }
  return [...vars].map(([name, value]) => ({ name, value, secret: true }));
}
