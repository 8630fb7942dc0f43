// Run variables: the scenario's `vars`, its ${env:NAME} references (read from
// the controller's environment), and the captures of its setup steps, which run
// once, on the controller, before agents start (log in, capture
// $.access_token). Every agent substitutes them. They are secrets: never
// logged, never stored, never named in an error with their value. A setup step
// follows redirects as the agents' requests do (a login often 307s to a
// trailing slash), so a scenario does not log in by one rule and load by another.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import {
  compileTemplate,
  MAX_REDIRECTS,
  readJsonPath,
  redirectTarget,
  render,
  TargetAllowlist,
  variablesIn,
} from '@barrage/core';
import { type Dispatcher, request } from 'undici';
import { ControllerErrors } from '../errors.ts';
import type { Scenario, SetupStep } from '../scenario/scenario.ts';
import { substitutedTexts } from '../scenario/templated-fields.ts';
import { requestUrl } from '../scenario/urls.ts';

export interface RunVar {
  name: string;
  value: string;
  secret: boolean;
}

const MAX_SETUP_BODY = 1024 * 1024;

interface SetupHop {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** The hop a redirect leads to (core's redirect rule), or null when `status`/`location` is not one to follow. */
export function nextSetupHop(from: SetupHop, status: number, location: string | string[] | undefined): SetupHop | null {
  const to = redirectTarget(from.url, from.method, from.headers, status, location);
  return to === null
    ? null
    : { url: to.url, method: to.method, headers: to.headers, body: to.toGet ? undefined : from.body };
}

/**
 * Why the allowlist refuses a redirect's target, or undefined. The first hop was admitted
 * with the scenario (plan/target-policy.ts); a Location is the target's to choose, so each
 * hop is judged again, its name and (unlike admission, which leaves an unresolvable name
 * to the agents) the addresses it resolves to here, since the controller itself connects.
 */
async function refusedHop(allow: TargetAllowlist, url: URL): Promise<string | undefined> {
  const host = url.hostname;
  const why = allow.checkHost(host);
  if (why !== undefined || isIP(host.replace(/^\[|\]$/g, '')) !== 0) return why;
  let addresses: string[];
  try {
    addresses = (await lookup(host, { all: true })).map((a) => a.address);
  } catch (err) {
    return `${host} does not resolve (${(err as Error).message})`;
  }
  for (const a of addresses) {
    const refused = allow.checkAddress(host, a);
    if (refused !== undefined) return refused;
  }
  return undefined;
}

/**
 * "POST /login → 307 → /login/", the first origin left out of paths on it. Run variables
 * are secrets, so the first hop is shown as written (its `${…}` unfilled) and no hop's
 * query string is shown.
 */
function chainText(step: SetupStep, first: SetupHop, hops: ReadonlyArray<{ status: number; to: SetupHop }>): string {
  const where = (h: SetupHop) =>
    h.url.origin === first.url.origin ? h.url.pathname : `${h.url.origin}${h.url.pathname}`;
  let text = `${first.method} ${(step.path ?? step.url ?? '').replace(/[?#].*$/s, '')}`;
  let method = first.method;
  for (const { status, to } of hops) {
    text += ` → ${status} → ${to.method === method ? '' : `${to.method} `}${where(to)}`;
    method = to.method;
  }
  return text;
}

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
  allow: TargetAllowlist = new TargetAllowlist(),
): Promise<RunVar[]> {
  const vars = resolveEnv(s, env);
  const fill = (text: string) => render(compileTemplate(text, vars, new Set()), null)!;
  for (const [name, value] of Object.entries(s.vars)) vars.set(name, fill(value));
  for (const step of s.setup) {
    if (step.captures.length > 0 && step.captures.every((c) => (vars.get(c.variable) ?? '') !== '')) continue;
    const fail = (why: string) => new ControllerErrors.SETUP_FAILED(step.name, why);
    const headers = Object.fromEntries(Object.entries(step.headers).map(([k, v]) => [k, fill(v)]));
    let hop: SetupHop;
    try {
      hop = {
        url: new URL(fill(requestUrl(step, baseUrl))),
        method: step.method,
        headers,
        body: step.body === undefined ? undefined : fill(step.body),
      };
    } catch (err) {
      throw fail((err as Error).message);
    }
    const first = hop;
    const hops: Array<{ status: number; to: SetupHop }> = [];
    let res: Dispatcher.ResponseData;
    for (;;) {
      try {
        res = await request(hop.url, {
          method: hop.method as 'POST',
          headers: hop.headers,
          body: hop.body,
          headersTimeout: step.timeoutMs,
          bodyTimeout: step.timeoutMs,
        });
      } catch (err) {
        throw fail(`${hops.length > 0 ? `${chainText(step, first, hops)}: ` : ''}${(err as Error).message}`);
      }
      const next = hops.length < MAX_REDIRECTS ? nextSetupHop(hop, res.statusCode, res.headers.location) : null;
      if (next === null) break;
      // A redirect's own body is nobody's: drain it so its connection is reused.
      await res.body.dump();
      hops.push({ status: res.statusCode, to: next });
      const refused = await refusedHop(allow, next.url);
      if (refused !== undefined) throw fail(`${chainText(step, first, hops)} refused: ${refused}`);
      hop = next;
    }
    // Keep at most MAX_SETUP_BODY; a longer body is read to its end and discarded.
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.body) {
      if (size <= MAX_SETUP_BODY) chunks.push(c as Buffer);
      size += (c as Buffer).length;
    }
    const buf = Buffer.concat(chunks);
    // As on the agents: 2xx, or exactly the listed statuses; a 3xx left unfollowed
    // (no usable Location, the limit reached) is ok only when listed.
    const ok =
      step.expect.length > 0 ? step.expect.includes(res.statusCode) : res.statusCode >= 200 && res.statusCode < 300;
    if (!ok)
      throw fail(
        hops.length > 0 ? `${chainText(step, first, hops)} answered ${res.statusCode}` : `HTTP ${res.statusCode}`,
      );
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
