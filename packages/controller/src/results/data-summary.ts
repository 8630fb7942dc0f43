// The summary's `data` section: per data source, how its rows were used —
// in all and per agent — and, for sources whose rows are each given once
// (unique, perVU), how many were never used (an agent lost mid-run, a model
// that ended early). Figures come from the agents' reports, merged once each.
import type { AgentTotals } from '../merge/run-aggregate.ts';

/** A data source as the summary needs it. */
export interface DataSourceFacts {
  name: string;
  mode: string;
  rows: number;
}

export interface DataSummary {
  mode: string;
  /** Rows in the source. */
  rows: number;
  /** unique: rows used; perVU: VUs given their row; circular, random: iterations that read a row. */
  used: number;
  /** Per agent name, the same count. */
  byAgent: Record<string, number>;
  /** unique, perVU: rows nobody used. */
  unused?: number;
}

export function dataSummary(
  sources: readonly DataSourceFacts[],
  agents: ReadonlyMap<string, AgentTotals>,
  agentName: (id: string) => string,
): Record<string, DataSummary> {
  return Object.fromEntries(
    sources.map((d) => {
      const byAgent: Record<string, number> = {};
      let used = 0;
      for (const [id, a] of agents) {
        const n = a.dataRows.get(d.name) ?? 0;
        if (n === 0) continue;
        byAgent[agentName(id)] = (byAgent[agentName(id)] ?? 0) + n;
        used += n;
      }
      const once = d.mode === 'unique' || d.mode === 'perVU';
      return [
        d.name,
        { mode: d.mode, rows: d.rows, used, byAgent, ...(once ? { unused: Math.max(0, d.rows - used) } : {}) },
      ];
    }),
  );
}
