// The Markdown report, laid out like the seed's baseline report: header,
// executive summary, environment, then per load model its configuration and a
// Metric | Value | Target | Status table, a rate-limit section, monitor
// timelines, failed thresholds as bottlenecks, notes. Pure: every figure comes
// from the summary (the same the API serves), the scenario and the monitor
// series; nothing is measured here, and core's units.ts prints every figure. A
// run that ended in error gets error-report.ts instead.

import {
  formatCount,
  formatDuration,
  formatLatency,
  formatMonitorValue,
  formatPercent,
  formatRate,
  formatThresholdValue,
  NO_DATA,
} from '@barrage/core';
import type { LoadScenario } from '../scenario/scenario.ts';
import { errorReport } from './error-report.ts';
import { answered, dataTable, esc, type Judged, metricTable, monitorSection, ok, rowKey } from './markdown-tables.ts';
import type { ReportInput } from './report-input.ts';

function modelLine(m: LoadScenario): string {
  const rate = (x: number) => `${Number(x.toFixed(4))}/s`;
  switch (m.executor) {
    case 'constant-vus':
      return `${m.vus} VUs for ${m.durationMs / 1000} s`;
    case 'shared-iterations':
      return `${m.vus} VUs sharing ${m.iterations} iterations (at most ${m.durationMs / 1000} s)`;
    case 'per-vu-iterations':
      return `${m.vus} VUs x ${m.iterations} iterations (at most ${m.durationMs / 1000} s)`;
    case 'ramping-vus':
      return `VUs ${m.startTarget} -> ${m.stages.map((s) => `${s.target} over ${s.durationMs / 1000} s`).join(' -> ')}`;
    case 'constant-arrival-rate':
      return `${rate(m.startTarget)} for ${m.durationMs / 1000} s (open model, up to ${m.maxInFlight} in flight)`;
    case 'ramping-arrival-rate':
      return `rate ${rate(m.startTarget)} -> ${m.stages.map((s) => `${rate(s.target)} over ${s.durationMs / 1000} s`).join(' -> ')} (open model, up to ${m.maxInFlight} in flight)`;
  }
}

export function markdownReport(input: ReportInput): string {
  const { summary: s, scenario } = input;
  // A run without a summary of its own (error, interrupted) leads with why.
  if (s.run.error !== undefined || scenario === undefined) return errorReport(input);
  const r = s.run;
  const pct = formatPercent;
  // The summary's threshold results are in the scenario's order.
  const judged: Judged[] = s.thresholds.map((res, i) => ({
    r: res,
    key: rowKey(scenario.thresholds[i]!.metric),
    metric: scenario.thresholds[i]!.metric,
  }));
  const failed = s.thresholds.filter((t) => !t.ok);
  const out: string[] = [];
  out.push(`# Performance Report: ${scenario.name}`, '');
  out.push(`**Date:** ${r.startedAt.slice(0, 19).replace('T', ' ')} UTC  `);
  out.push(`**Run:** \`${r.id}\` — status **${r.status}**  `);
  out.push(`**Target:** ${input.target ?? '(absolute URLs)'}  `);
  out.push(
    `**Test Tool:** barrage (${r.agents.length} agent${r.agents.length === 1 ? '' : 's'}, results merged exactly across them)`,
    '',
  );
  if (scenario.description) out.push(`> ${scenario.description.replace(/\s*\n\s*/g, ' ')}`, '');
  out.push('---', '', '## Executive Summary', '');
  const t = s.totals;
  out.push(
    `- ${ok(failed.length === 0)} ${s.thresholds.length === 0 ? 'no thresholds were set' : failed.length === 0 ? `all ${s.thresholds.length} thresholds passed` : `${failed.length} of ${s.thresholds.length} thresholds failed`}`,
  );
  out.push(
    `- ${formatCount(t.requests)} requests in ${formatDuration(r.activeWindowMs)} (${formatRate(t.rps)} answered); success rate ${t.requests > 0 ? pct(t.ok / t.requests) : NO_DATA}; P95 latency ${formatLatency(t.latencyMs.p95, answered(t))}`,
  );
  if (t.rateLimited > 0)
    out.push(
      `- rate limiting: ${formatCount(t.rateLimited)} × 429, triggered after ${formatCount(t.firstRateLimitedAfter)} requests; Retry-After on ${formatCount(t.retryAfterPresent)} of ${formatCount(t.rateLimited)}`,
    );
  if (t.dropped > 0)
    out.push(`- ${formatCount(t.dropped)} requests dropped (never sent: the in-flight cap was reached)`);
  for (const [name, m] of Object.entries(s.monitors)) {
    const v = (x: number) => formatMonitorValue(name, x);
    if (m.samples > 0)
      out.push(
        `- monitor ${name}: ${v(m.first)} → ${v(m.last)} (growth ${v(m.growth)}, peak ${v(m.max)}; ${formatCount(m.samples)} samples)`,
      );
  }
  if (r.notes.length > 0) out.push(`- ⚠️ ${r.notes.length} note(s) below qualify these figures`);
  out.push('', '---', '', '## Test Environment', '');
  out.push(
    `- **Agents:** ${r.agents.length}; start skew ${formatDuration(r.startSkewMs)} (all agents start on one instant of the controller's clock)`,
  );
  out.push(`- **Active window:** ${r.startedAt} → ${r.endedAt}`, '');
  out.push(
    '| Agent | Host | Cores | Share | Requests | Start offset | Clock offset |',
    '|-------|------|-------|-------|----------|--------------|--------------|',
  );
  for (const a of r.agents)
    out.push(
      `| ${esc(a.name)} | ${esc(a.hostname || a.host)} (${esc(a.host)}) | ${a.cpus} | ${a.share} | ${formatCount(a.requests)} | ${formatDuration(a.startOffsetMs)} | ${formatDuration(a.clockOffsetMs)} |`,
    );
  out.push(...dataTable(s.data));
  out.push('', '---', '', '## Test Results', '');
  const single = Object.keys(s.requests).length === 1;

  scenario.scenarios.forEach((m, i) => {
    const names = [...new Set(m.mix.flatMap((e) => e.steps))];
    out.push(`### ${i + 1}. ${m.name}`, '', '**Test Configuration:**');
    out.push(
      `- Model: \`${m.executor}\` — ${modelLine(m)}${m.startTimeMs > 0 ? `, starting ${m.startTimeMs / 1000} s into the run` : ''}${m.thinkTimeMs > 0 ? `, think time ${m.thinkTimeMs} ms` : ''}`,
    );
    for (const e of m.mix) {
      const steps = e.steps
        .map((n) => {
          const q = scenario.requests.find((x) => x.name === n)!;
          return `${q.method} ${q.path ?? q.url}`;
        })
        .join(' → ');
      out.push(
        `- ${e.steps.length > 1 ? 'Flow' : 'Request'} \`${e.name}\`${m.mix.length > 1 ? ` (weight ${e.weight})` : ''}: ${steps}`,
      );
    }
    out.push('');
    for (const name of names) {
      const q = s.requests[name];
      if (q === undefined) continue;
      if (names.length > 1) out.push(`**Results — \`${name}\`:**`, '');
      else out.push('**Results:**', '');
      // With one request name in the whole run, "all requests" is this one: its thresholds go here.
      const scoped = judged.filter(
        (j) => j.r.scope === name || (single && j.r.scope === 'all' && j.metric.kind !== 'monitor'),
      );
      out.push(...metricTable(q, scoped), '');
      if (q.rateLimited > 0) {
        out.push('**Rate Limiting:**', '');
        out.push(
          `- Rate limit triggered after ${formatCount(q.firstRateLimitedAfter)} requests (answered before the first 429 arrived, cluster-wide)`,
        );
        out.push(
          `- ${formatCount(q.rateLimited)} requests limited (429); Retry-After header present on ${formatCount(q.retryAfterPresent)} of them (${pct(q.retryAfterPresent / q.rateLimited)})`,
          '',
        );
      }
      const checks = Object.entries(q.checks);
      if (checks.length > 0) {
        out.push('| Check | Passed | Failed |', '|-------|--------|--------|');
        for (const [c, v] of checks) out.push(`| ${esc(c)} | ${formatCount(v.passes)} | ${formatCount(v.fails)} |`);
        out.push('');
      }
    }
  });

  const overall = judged.filter((j) => j.r.scope === 'all' && j.metric.kind !== 'monitor');
  if (!single) {
    out.push('### All requests', '', ...metricTable(t, overall), '');
  }
  out.push(...monitorSection(s, scenario.monitors, judged, input.monitorSamples));
  out.push('---', '', '## Bottlenecks', '');
  if (failed.length === 0) out.push('No threshold failed.');
  for (const f of failed)
    out.push(
      `- ❌ \`${f.expr}\` (${f.scope}): measured ${f.value === null || Number.isNaN(f.value) ? 'no value' : formatThresholdValue(f.expr, f.value)}`,
    );
  if (r.notes.length > 0) {
    out.push('', '## Notes', '');
    for (const n of r.notes) out.push(`- ${n}`);
  }
  out.push('');
  return out.join('\n');
}
