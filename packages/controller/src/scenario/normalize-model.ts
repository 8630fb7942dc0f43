// A load model as written (rates per timeUnit, durations as text) turned into
// what the planner reads: durations in ms, rates per second, stages, caps.
import { ArrivalSchedule, LOAD_MODELS } from '@barrage/core';
import type { ScenarioModelInput } from './input.ts';
import { boundedMs, MAX_SCENARIO_MS } from './limits.ts';
import type { LoadScenario, MixEntry } from './scenario.ts';
import { MODEL_DEFAULTS } from './schema-models.ts';
import { REQUEST_DEFAULTS } from './schema-requests.ts';
import { normalizeRetry, type RetryDef } from './schema-retry.ts';
import { parseDuration } from './units.ts';

const MAX_ARRIVALS = 1_000_000_000;

/** `redirects`, `cookies`: the scenario's defaults (defaults.redirects, defaults.cookies), for a model that sets none. */
export function normalizeModel(
  s: ScenarioModelInput,
  i: number,
  mix: MixEntry[],
  problems: string[],
  redirects: number = REQUEST_DEFAULTS.redirects,
  cookies = true,
  retry?: RetryDef,
): LoadScenario {
  const m = {
    ...modelOf(s, i, mix, problems),
    redirects: s.redirects ?? redirects,
    ...retryOf(s, i, problems, retry),
    cookies: s.cookies ?? cookies,
    data: [] as string[],
  };
  if (!(m.durationMs > 0)) problems.push(`/scenarios/${i}: the model must run for more than 0s`);
  if (m.startTimeMs + m.durationMs + m.gracefulStopMs > MAX_SCENARIO_MS)
    problems.push(`/scenarios/${i}: startTime + duration + gracefulStop must stay under 24 days`);
  if (m.executor === 'ramping-vus' && m.vus > 100_000) problems.push(`/scenarios/${i}/stages: at most 100000 VUs`);
  if (m.executor === 'ramping-vus' && m.vus === 0) problems.push(`/scenarios/${i}/stages: the ramp never has a VU`);
  boundedMs(m.thinkTimeMs, `/scenarios/${i}/thinkTime`, problems);
  if (LOAD_MODELS[m.executor].kind === 'open' && m.durationMs > 0 && m.durationMs <= MAX_SCENARIO_MS) {
    const total = new ArrivalSchedule(m.startTarget, m.stages).total;
    if (total === 0) problems.push(`/scenarios/${i}: the rate and duration give no arrivals`);
    if (total > MAX_ARRIVALS) problems.push(`/scenarios/${i}: ${total} arrivals; at most ${MAX_ARRIVALS} per scenario`);
  }
  return m;
}

/** The model's own `retry:`, else the defaults' (already normalized); none: its requests are not retried. */
function retryOf(s: ScenarioModelInput, i: number, problems: string[], retry?: RetryDef): { retry?: RetryDef } {
  if (s.retry !== undefined) return { retry: normalizeRetry(s.retry, `/scenarios/${i}/retry`, problems) };
  return retry === undefined ? {} : { retry };
}

function modelOf(
  s: ScenarioModelInput,
  i: number,
  mix: MixEntry[],
  problems: string[],
): Omit<LoadScenario, 'redirects' | 'cookies' | 'data' | 'retry'> {
  const unitMs = parseDuration(s.timeUnit ?? MODEL_DEFAULTS.timeUnit);
  if (unitMs <= 0) problems.push(`/scenarios/${i}/timeUnit: must be more than 0`);
  const perSecond = (rate: number) => (rate * 1000) / Math.max(1, unitMs);
  const stages = (s.stages ?? []).map((st, j) => {
    if (s.executor === 'ramping-vus' && !Number.isInteger(st.target))
      problems.push(`/scenarios/${i}/stages/${j}/target: VUs must be a whole number`);
    return {
      durationMs: parseDuration(st.duration),
      target: s.executor === 'ramping-vus' ? st.target : perSecond(st.target),
    };
  });
  const base = {
    name: s.name,
    executor: s.executor,
    mix,
    startTimeMs: parseDuration(s.startTime ?? MODEL_DEFAULTS.startTime),
    gracefulStopMs: parseDuration(s.gracefulStop ?? MODEL_DEFAULTS.gracefulStop),
    vus: s.vus ?? 0,
    iterations: s.iterations ?? 0,
    thinkTimeMs: parseDuration(s.thinkTime ?? MODEL_DEFAULTS.thinkTime),
    // perVU (transport.ts): each VU its own connections; the shared count stays the default.
    connections: typeof s.connections === 'number' ? s.connections : 0,
    maxInFlight: 0,
    startTarget: 0,
    stages: [] as LoadScenario['stages'],
  };
  switch (s.executor) {
    case 'constant-vus':
      return { ...base, durationMs: parseDuration(s.duration!) };
    case 'shared-iterations':
    case 'per-vu-iterations':
      return { ...base, durationMs: parseDuration(s.maxDuration ?? MODEL_DEFAULTS.maxDuration) };
    case 'ramping-vus': {
      const durationMs = stages.reduce((a, st) => a + st.durationMs, 0);
      const startTarget = s.startVUs ?? MODEL_DEFAULTS.startVUs;
      return { ...base, durationMs, startTarget, stages, vus: Math.max(startTarget, ...stages.map((st) => st.target)) };
    }
    case 'constant-arrival-rate': {
      const durationMs = parseDuration(s.duration!);
      const rate = perSecond(s.rate!);
      return {
        ...base,
        durationMs,
        startTarget: rate,
        stages: [{ durationMs, target: rate }],
        maxInFlight: s.maxInFlight ?? MODEL_DEFAULTS.maxInFlight,
      };
    }
    case 'ramping-arrival-rate': {
      const durationMs = stages.reduce((a, st) => a + st.durationMs, 0);
      return {
        ...base,
        durationMs,
        startTarget: perSecond(s.startRate ?? MODEL_DEFAULTS.startRate),
        stages,
        maxInFlight: s.maxInFlight ?? MODEL_DEFAULTS.maxInFlight,
      };
    }
  }
}
