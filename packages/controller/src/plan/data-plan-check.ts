// A perVU source against the VU numbers a plan really gives out. The scenario
// check counts the model's VUs (its peak, or an open model's in-flight cap),
// but a ramp's VU numbers are the agents' peak shares added up, which can pass
// the cluster's peak (each share peaks at its own instant), and in-flight caps
// are rounded up per agent. Once the agents are known, before any request,
// a plan whose numbering passes the rows is refused with both numbers, unless
// the source says onExhausted: stop. Pure.
import type { Scenario } from '../scenario/scenario.ts';
import { planRun } from './assignments.ts';

/** One problem line per (model, perVU source) whose rows the plan's VU numbering passes. */
export function perVuShortfalls(
  scenario: Scenario,
  agents: ReadonlyArray<{ id: string; weight: number; workers?: number }>,
): string[] {
  const sources = scenario.data.filter((d) => d.mode === 'perVU' && !d.stopWhenExhausted);
  if (sources.length === 0 || agents.length === 0) return [];
  // Only the numbering is read: any base URL will do for requests written with a path.
  const plans = planRun({ runId: 'check', scenario, baseUrl: 'http://127.0.0.1', agents, vars: [], intervalMs: 1000 });
  const out: string[] = [];
  scenario.scenarios.forEach((m, i) => {
    const span = Math.max(0, ...plans.map((p) => p.assign.scenarios?.find((s) => s.name === m.name)?.vuSpan ?? 0));
    for (const d of sources)
      if (m.data.includes(d.name) && span > d.rows.length)
        out.push(
          `/scenarios/${i}: ${m.name} over these ${agents.length} agents numbers ${span} users (each agent's peak share, or in-flight slots, added up), but data source ${d.name} has ${d.rows.length} rows (${d.origin}); give more rows, or set onExhausted: stop on the source`,
        );
  });
  return out;
}
