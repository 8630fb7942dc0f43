// Turns an Assign from the controller into requests ready to fire: validated
// (the controller is authenticated, but bytes are still bytes), variables
// substituted once, URLs split into origin and path.
import type { barrage } from '@barrage/proto';
import type { Dispatcher } from 'undici';
import { AgentErrors } from './errors.ts';
import type { PreparedRequest } from './executor.ts';

export interface PreparedScenario {
  name: string;
  executor: number;
  vus: number;
  iterations: number;
  durationMs: number;
  startOffsetMs: number;
  gracefulStopMs: number;
  requests: PreparedRequest[];
  weights: number[];
}

const MAX_VUS = 100_000;
const METHOD = /^[A-Z]{1,16}$/;

/** Replaces ${name} with a variable's value; unknown names are an error, not an empty string. */
export function substitute(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = vars.get(name);
    if (v === undefined) throw new AgentErrors.BAD_ASSIGN(`variable \${${name}} is not defined`);
    return v;
  });
}

/** Validates and prepares every scenario of an Assign. `names` collects request names in slot order. */
export function prepareAssignment(a: barrage.v1.Assign.$Properties, names: string[]): PreparedScenario[] {
  const bad = (why: string) => new AgentErrors.BAD_ASSIGN(why);
  if (!a.runId) throw bad('run id missing');
  const vars = new Map((a.vars ?? []).map((v) => [v.name ?? '', v.value ?? '']));
  const slot = new Map<string, number>();
  return (a.scenarios ?? []).map((s, si) => {
    const where = `scenario ${si}`;
    const vus = s.vus ?? 0;
    if (!Number.isInteger(vus) || vus < 0 || vus > MAX_VUS) throw bad(`${where}: vus ${vus}`);
    const durationMs = s.durationMs ?? 0;
    if (!(durationMs > 0)) throw bad(`${where}: duration must be > 0`);
    const requests = (s.requests ?? []).map((r, ri): PreparedRequest => {
      const name = r.name ?? '';
      if (!name) throw bad(`${where} request ${ri}: name missing`);
      const method = r.method ?? '';
      if (!METHOD.test(method)) throw bad(`${where} request ${ri}: method ${JSON.stringify(method)}`);
      let url: URL;
      try { url = new URL(substitute(r.url ?? '', vars)); } catch (err) {
        if (err instanceof AgentErrors.BAD_ASSIGN) throw err;
        throw bad(`${where} request ${ri}: invalid URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad(`${where} request ${ri}: scheme ${url.protocol}`);
      let index = slot.get(name);
      if (index === undefined) { index = names.length; names.push(name); slot.set(name, index); }
      const headers: Record<string, string> = {};
      for (const h of r.headers ?? []) headers[(h.name ?? '').toLowerCase()] = substitute(h.value ?? '', vars);
      const body = r.body && r.body.length > 0 ? Buffer.from(substitute(Buffer.from(r.body).toString('utf8'), vars)) : null;
      const expect = r.expectStatus && r.expectStatus.length > 0 ? new Set(r.expectStatus) : null;
      return {
        index, origin: url.origin, method: method as Dispatcher.HttpMethod, path: url.pathname + url.search,
        headers, body, timeoutMs: r.timeoutMs || 60_000, expect,
      };
    });
    if (requests.length === 0 && vus > 0) throw bad(`${where}: no requests`);
    const weights = (s.requests ?? []).map((r) => (r.weight && r.weight > 0 ? r.weight : 1));
    return {
      name: s.name ?? `scenario-${si}`, executor: s.executor ?? 0, vus, iterations: s.iterations ?? 0,
      durationMs, startOffsetMs: s.startOffsetMs ?? 0, gracefulStopMs: s.gracefulStopMs ?? 30_000, requests, weights,
    };
  });
}
