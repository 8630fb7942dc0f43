// The report of a run that ended without a summary of its own (status error,
// or interrupted): it leads with why, then shows what the run recorded before
// it stopped (results/partial-summary.ts), so `controller report`, the API's
// report.md/report.html and the dashboard say what went wrong instead of
// "not finished". Its scenario may never have validated: nothing here needs it.
import { formatCount, formatDuration } from '@barrage/core';
import { esc, metricTable, monitorSection } from './markdown-tables.ts';
import type { ReportInput } from './report-input.ts';

export function errorReport(input: ReportInput): string {
  const { summary: s } = input;
  const r = s.run;
  const t = s.totals;
  const out: string[] = [];
  out.push(`# Performance Report: ${input.scenario?.name ?? r.scenario}`, '');
  out.push(`**Date:** ${r.startedAt.slice(0, 19).replace('T', ' ')} UTC  `);
  out.push(`**Run:** \`${r.id}\` — status **${r.status}**  `);
  out.push(`**Target:** ${input.target ?? '(absolute URLs)'}`, '');
  out.push('---', '', `## ❌ The run ended ${r.status === 'error' ? 'in error' : r.status}`, '');
  const reason = r.error ?? 'the stored scenario no longer validates, so only the summary is shown';
  out.push(...reason.split(/\r?\n/).map((l) => `> ${l}`), '');
  out.push(
    'No summary was computed for it: what follows is what the run recorded before it stopped (counts summed over its stored intervals; latency percentiles need the merged histogram, which it never wrote).',
    '',
  );
  out.push('## What Was Recorded', '');
  if (t.requests === 0 && t.dropped === 0) out.push('No request was recorded.', '');
  else {
    out.push(`- ${formatCount(t.requests)} requests over ${formatDuration(r.activeWindowMs)}`, '');
    out.push(...metricTable(t, []), '');
  }
  if (r.agents.length > 0) {
    out.push('| Agent | Requests |', '|-------|----------|');
    for (const a of r.agents) out.push(`| ${esc(a.name)} | ${formatCount(a.requests)} |`);
    out.push('');
  }
  out.push(...monitorSection(s, input.scenario?.monitors ?? [], [], input.monitorSamples));
  if (r.notes.length > 0) {
    out.push('## Notes', '');
    for (const n of r.notes) out.push(`- ${n}`);
  }
  out.push('');
  return out.join('\n');
}
