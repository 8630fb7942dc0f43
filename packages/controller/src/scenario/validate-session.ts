// A load model's `session:` checked against the rest of the scenario: its step
// and teardown names exist, refresh.every is at least 1s, refresh.on does not
// take 429 (rate limiting is counted on its own), rampUp is for closed models,
// and the variables: a session step may use what an earlier session step
// captures, a teardown step what the session or an earlier teardown step
// captures, and the model's requests and flows may use the session's captures.
// Every problem with its path (SCENARIO_INVALID); the session normalised.
import { didYouMean, LOAD_MODELS } from '@barrage/core';
import type { ScenarioInput, ScenarioModelInput } from './input.ts';
import { boundedMs } from './limits.ts';
import type { MixEntry, RequestDef, Scenario, SessionDef } from './scenario.ts';
import { parseDuration } from './units.ts';

/** What the checks read: request names (their index), the normalised requests, and each request's flow variables. */
export interface SessionChecks {
  byName: ReadonlyMap<string, number>;
  requests: readonly RequestDef[];
  /** Per request (by index): [path, variable] of each flow variable it uses. */
  flowNeeds: ReadonlyArray<ReadonlyArray<readonly [string, string]>>;
}

/** Names used as session or teardown steps by some model: out of the default mix, as flow steps are. */
export function sessionStepNames(input: ScenarioInput): Set<string> {
  return new Set(input.scenarios.flatMap((s) => [...(s.session?.steps ?? []), ...(s.session?.teardown ?? [])]));
}

const capturesOf = (names: readonly string[], c: SessionChecks) =>
  names.flatMap((n) => {
    const k = c.byName.get(n);
    return k === undefined ? [] : c.requests[k]!.captures.map((x) => x.variable);
  });

/** Variables captured by some model's session steps (the flow checks leave these to the model's own check). */
export function sessionVariables(input: ScenarioInput, c: SessionChecks): Set<string> {
  return new Set(input.scenarios.flatMap((s) => capturesOf(s.session?.steps ?? [], c)));
}

/** Variables model `s`'s session captures (empty without a session). */
export function modelSessionVariables(s: ScenarioModelInput, c: SessionChecks): Set<string> {
  return new Set(capturesOf(s.session?.steps ?? [], c));
}

/**
 * Model `s` (at /scenarios/i) with mix `mix`: its session normalised, or undefined without one.
 * `sessionVars` are every model's session captures: a request of the mix that needs one this
 * model's session does not capture (nor an earlier step of its flow) is a problem.
 */
export function validateSession(
  s: ScenarioModelInput,
  i: number,
  mix: readonly MixEntry[],
  sessionVars: ReadonlySet<string>,
  c: SessionChecks,
  problems: string[],
): SessionDef | undefined {
  const here = `/scenarios/${i}/session`;
  const own = modelSessionVariables(s, c);
  // The model's requests: session captures count as captured before every iteration.
  for (const e of mix) {
    const known = new Set(own);
    for (const step of e.steps) {
      const k = c.byName.get(step);
      if (k === undefined) continue;
      for (const [path, n] of c.flowNeeds[k]!)
        if (sessionVars.has(n) && !known.has(n))
          problems.push(
            `/scenarios/${i}: ${step} uses \${${n}} (${path}), which this model's session does not capture${s.session === undefined ? ' (it has no session:)' : ''}${e.steps.length > 1 ? ` and no earlier step of ${e.name} captures` : ''}`,
          );
      for (const x of c.requests[k]!.captures) known.add(x.variable);
    }
  }
  const w = s.session;
  if (w === undefined) return undefined;
  const names = (list: readonly string[], key: string, before: Set<string>) =>
    list.filter((n, j) => {
      const k = c.byName.get(n);
      if (k === undefined) {
        problems.push(`${here}/${key}/${j}: no request named ${n}${didYouMean(n, c.byName.keys())}`);
        return false;
      }
      for (const [path, v] of c.flowNeeds[k]!)
        if (!before.has(v))
          problems.push(
            `${here}/${key}/${j}: ${n} uses \${${v}} (${path}), which no earlier ${key === 'steps' ? 'session step' : 'session or teardown step'} captures`,
          );
      for (const x of c.requests[k]!.captures) before.add(x.variable);
      return true;
    });
  const steps = names(w.steps, 'steps', new Set());
  const teardown = names(w.teardown ?? [], 'teardown', new Set(own));
  const everyMs = w.refresh?.every === undefined ? 0 : parseDuration(w.refresh.every);
  if (w.refresh?.every !== undefined) {
    if (everyMs < 1000) problems.push(`${here}/refresh/every: ${w.refresh.every} is too short; write at least 1s`);
    boundedMs(everyMs, `${here}/refresh/every`, problems);
  }
  const refreshOn = w.refresh?.on ?? [];
  if (refreshOn.includes(429))
    problems.push(
      `${here}/refresh/on: 429 is rate limiting, counted on its own (rateLimited); it cannot refresh a session`,
    );
  const rampUpMs = w.rampUp === undefined ? 0 : parseDuration(w.rampUp);
  if (w.rampUp !== undefined && LOAD_MODELS[s.executor].kind === 'open')
    problems.push(
      `${here}/rampUp: ${s.executor} has no VUs to ramp up (its sessions live in in-flight slots and log in on first use); remove rampUp`,
    );
  boundedMs(rampUpMs, `${here}/rampUp`, problems);
  return { steps, everyMs, refreshOn: [...refreshOn], rampUpMs, teardown };
}

/**
 * Request names only sessions send (session and teardown steps in no model's mix): kept out of
 * thresholds scoped to all requests unless a threshold names them (the summary's totals keep them).
 */
export function sessionOnlyNames(sc: Scenario): Set<string> {
  const inMix = new Set(sc.scenarios.flatMap((m) => m.mix.flatMap((e) => e.steps)));
  const out = new Set<string>();
  for (const m of sc.scenarios)
    for (const n of [...(m.session?.steps ?? []), ...(m.session?.teardown ?? [])]) if (!inMix.has(n)) out.add(n);
  return out;
}
