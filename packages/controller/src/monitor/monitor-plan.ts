// The monitors a run polls, resolved: each one's absolute URL, and what it
// reads once its ${env:NAME:-default} references are filled in (with the
// alternatives it may fall back to when the default is missing). The
// preflight (monitor-preflight.ts) decides which reading each uses and which
// optional ones are left out; the poller takes the result. Pure.
import { VARIABLE } from '@barrage/core';
import type { MonitorDef } from '../scenario/scenario.ts';
import { parseReading, type Reading } from './monitor-reading.ts';

/** A monitor ready to poll. */
export interface ActiveMonitor {
  name: string;
  /** The URL polled (monitors with the same one share each poll). */
  url: string;
  reading: Reading;
  intervalMs: number;
  timeoutMs: number;
}

/** An optional monitor whose first poll failed: not polled, shown with why. */
export interface LeftOutMonitor {
  name: string;
  /** The short reason, counted in its failures. */
  reason: string;
}

export interface MonitorPlan {
  active: ActiveMonitor[];
  leftOut: LeftOutMonitor[];
  /** What the preflight found worth saying: a fallback used, an optional monitor left out. */
  notes: string[];
  /** Requests sent so far per monitor URL (origin + path): the preflight's. */
  requests: Record<string, number>;
}

/** A monitor resolved but not yet checked: the readings it may use, the written one first. */
export interface MonitorCandidate {
  def: MonitorDef;
  url: string;
  /** The written reading, or why it does not parse once resolved. */
  reading: Reading | string;
  /** Tried when the written one is missing, only if it kept its default (an explicit choice is not second-guessed). */
  alternatives: Reading[];
  /** The ${env:NAME} the reading comes from, to name in messages. */
  envNames: string[];
}

/** Each monitor's URL and readings, with env references filled from `env` (ref -> value, as resolveEnv gives). */
export function monitorCandidates(
  defs: readonly MonitorDef[],
  baseUrl: string | undefined,
  env: ReadonlyMap<string, string>,
): MonitorCandidate[] {
  return defs.map((def) => {
    const kind = def.prometheus !== undefined ? 'prometheus' : 'json';
    const written = (def.prometheus ?? def.json)!;
    const defaultOf = (whole: string, ref: string) => /:-(.*)$/s.exec(ref)?.[1] ?? whole;
    const resolved = written.replace(VARIABLE, (whole, ref: string) => env.get(ref) ?? defaultOf(whole, ref));
    const defaulted = written.replace(VARIABLE, defaultOf);
    let reading: Reading | string;
    try {
      reading = parseReading(kind, resolved);
    } catch (err) {
      reading = `${kind === 'prometheus' ? 'metric' : 'JSON path'} ${resolved}: ${(err as Error).message}`;
    }
    const alternatives = resolved === defaulted ? def.alternatives.map((a) => parseReading(kind, a)) : [];
    const envNames = [...written.matchAll(VARIABLE)].map((m) => m[1]!.slice(4).split(':-')[0]!);
    return { def, url: def.url ?? (baseUrl ?? '').replace(/\/$/, '') + def.path!, reading, alternatives, envNames };
  });
}

/** The plan without a preflight: every monitor as written, env references at their defaults (runs started without one, as in tests). */
export function uncheckedPlan(defs: readonly MonitorDef[], baseUrl: string | undefined): MonitorPlan {
  const active = monitorCandidates(defs, baseUrl, new Map()).flatMap((c) =>
    typeof c.reading === 'string'
      ? []
      : [
          {
            name: c.def.name,
            url: c.url,
            reading: c.reading,
            intervalMs: c.def.intervalMs,
            timeoutMs: c.def.timeoutMs,
          },
        ],
  );
  return { active, leftOut: [], notes: [], requests: {} };
}
