// The checks of a scenario's monitors, every problem with its path: names,
// URLs, intervals, and the metric or JSON path each reads. Those may hold
// ${env:NAME} or ${env:NAME:-default} (a metric named differently on another
// target); the text is checked with the defaults filled in, and again once the
// run resolves it (monitor/monitor-plan.ts). No other variable may appear: the
// monitors are polled before setup runs.
import { VARIABLE } from '@barrage/core';
import { parseReading } from '../monitor/monitor-reading.ts';
import type { ScenarioInput } from './input.ts';
import { boundedMs, MAX_SCENARIO_MS } from './limits.ts';
import type { MonitorDef } from './scenario.ts';
import { referenceProblems } from './templated-fields.ts';
import { RESERVED_NAMES } from './thresholds.ts';
import { parseDuration } from './units.ts';
import { parsesAsUrl } from './urls.ts';

/** The scenario's monitors, normalised; what is wrong with them goes to `problems`. */
export function validateMonitors(input: ScenarioInput, problems: string[]): MonitorDef[] {
  const names = new Set<string>();
  return (input.monitors ?? []).flatMap((m, i): MonitorDef[] => {
    const at = `/monitors/${i}`;
    if (names.has(m.name)) problems.push(`${at}/name: duplicate monitor name ${m.name}`);
    if (RESERVED_NAMES.has(m.name))
      problems.push(`${at}/name: ${m.name} is reserved (rate(${m.name}) means the requests')`);
    names.add(m.name);
    if (m.url !== undefined && !parsesAsUrl(m.url)) problems.push(`${at}/url: not a valid URL`);
    const kind = m.prometheus !== undefined ? 'prometheus' : 'json';
    const text = m.prometheus ?? m.json;
    if (text !== undefined) problems.push(...readingProblems(kind, text, `${at}/${kind}`));
    (m.alternatives ?? []).forEach((a, j) => {
      try {
        parseReading(kind, a);
      } catch (err) {
        problems.push(`${at}/alternatives/${j}: ${(err as Error).message}`);
      }
    });
    const intervalMs = parseDuration(m.interval ?? '1s');
    if (intervalMs < 100 || intervalMs > MAX_SCENARIO_MS) problems.push(`${at}/interval: between 100ms and 24 days`);
    const timeoutMs = boundedMs(parseDuration(m.timeout ?? '5s'), `${at}/timeout`, problems);
    return [
      {
        name: m.name,
        url: m.url,
        path: m.path,
        json: m.json,
        prometheus: m.prometheus,
        alternatives: [...(m.alternatives ?? [])],
        optional: m.optional ?? false,
        intervalMs,
        timeoutMs,
      },
    ];
  });
}

/** A metric or JSON path: env references only, and it parses once their defaults are filled in. */
function readingProblems(kind: 'prometheus' | 'json', text: string, path: string): string[] {
  const out = referenceProblems(path, text);
  let unresolved = false;
  for (const m of text.matchAll(VARIABLE)) {
    if (!m[1]!.startsWith('env:') || m[2] !== undefined)
      out.push(
        `${path}: only \${env:NAME} and \${env:NAME:-default} may appear in a monitor's metric or path (monitors are polled before setup), not ${m[0]}`,
      );
    else if (!m[1]!.includes(':-')) unresolved = true;
  }
  if (out.length > 0 || unresolved) return out;
  try {
    parseReading(
      kind,
      text.replace(VARIABLE, (_w, ref: string) => ref.split(':-').slice(1).join(':-')),
    );
  } catch (err) {
    out.push(`${path}: ${(err as Error).message}`);
  }
  return out;
}
