// The Markdown report, laid out like the seed's baseline report: header,
// executive summary, environment, then per load model its configuration and a
// Metric | Value | Target | Status table, a rate-limit section, monitor
// timelines, failed thresholds as bottlenecks, notes. Pure: every figure comes
// from the summary (the same the API serves), the scenario and the monitor
// series; nothing is measured here.

import type { StoredInterval } from '../merge/interval-figures.ts';
import type { MonitorSample } from '../monitor/monitor-stats.ts';
import type { RequestSummary, Summary } from '../results/summary.ts';
import type { LoadScenario, Scenario } from '../scenario/scenario.ts';
import { type Metric, type ThresholdResult, targetOf } from '../scenario/thresholds.ts';

export interface ReportInput {
  summary: Summary;
  scenario: Scenario;
  /** The base URL the run used (after --target). */
  target: string | undefined;
  monitorSamples: Readonly<Record<string, readonly MonitorSample[]>>;
  /** The merged intervals, for the HTML report's charts (the Markdown report does not use them). */
  series?: { intervalMs: number; intervals: readonly StoredInterval[] };
}

const ok = (b: boolean) => (b ? '✅' : '❌');
const ms = (v: number) =>
  v >= 1000 ? `${(v / 1000).toFixed(2)}s` : `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}ms`;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
/** Text from scenarios and agents inside a table cell: pipes escaped, line breaks flattened. */
const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

function bytes(v: number): string {
  const a = Math.abs(v);
  if (a >= 1024 ** 3) return `${(v / 1024 ** 3).toFixed(2)}GB`;
  if (a >= 1024 ** 2) return `${(v / 1024 ** 2).toFixed(1)}MB`;
  if (a >= 1024) return `${(v / 1024).toFixed(1)}KB`;
  return String(v);
}

/** Which report row a threshold metric belongs to. */
function rowKey(m: Metric): string | undefined {
  switch (m.kind) {
    case 'latency':
      return m.stat === 'p' ? (m.percentile === 50 ? 'med' : `p${m.percentile}`) : m.stat;
    case 'rate':
      return m.of === 'ok'
        ? 'success'
        : m.of === 'failed'
          ? 'errors'
          : m.of === 'retry_after'
            ? 'retry'
            : m.of === 429 || m.of === 'rate_limited'
              ? '429'
              : undefined;
    case 'count':
      return m.of === 'requests'
        ? 'requests'
        : m.of === 429 || m.of === 'rate_limited'
          ? '429'
          : m.of === 'dropped'
            ? 'dropped'
            : m.of === 'failed'
              ? 'errors'
              : undefined;
    case 'rps':
      return 'rps';
    case 'monitor':
      return undefined;
  }
}

interface Row {
  key: string;
  metric: string;
  value: string;
}

function rows(s: RequestSummary): Row[] {
  const l = s.latencyMs;
  const out: Row[] = [
    { key: 'requests', metric: 'Total Requests', value: String(s.requests) },
    { key: 'success', metric: 'Success Rate', value: s.requests > 0 ? pct(s.ok / s.requests) : '-' },
    { key: 'errors', metric: 'Errors', value: s.requests > 0 ? `${s.failed} (${pct(s.failed / s.requests)})` : '0' },
    { key: 'avg', metric: 'Average Latency', value: ms(l.mean) },
    { key: 'min', metric: 'Min Latency', value: ms(l.min) },
    { key: 'med', metric: 'P50 Latency', value: ms(l.p50) },
    { key: 'p90', metric: 'P90 Latency', value: ms(l.p90) },
    { key: 'p95', metric: 'P95 Latency', value: ms(l.p95) },
    { key: 'p99', metric: 'P99 Latency', value: ms(l.p99) },
    { key: 'max', metric: 'Max Latency', value: ms(l.max) },
    { key: 'rps', metric: 'Requests/sec', value: `${s.rps} RPS` },
  ];
  if (s.serviceTimeMs)
    out.push({ key: 'svc', metric: 'P95 Service Time (from the actual send)', value: ms(s.serviceTimeMs.p95) });
  if (s.rateLimited > 0)
    out.push({
      key: '429',
      metric: 'Rate Limited (429)',
      value: `${s.rateLimited} (${pct(s.rateLimited / Math.max(1, s.requests))})`,
    });
  if (s.rateLimited > 0)
    out.push({ key: 'retry', metric: 'Retry-After Header', value: `${s.retryAfterPresent} of ${s.rateLimited}` });
  if (s.dropped > 0) out.push({ key: 'dropped', metric: 'Dropped (never sent)', value: String(s.dropped) });
  const net = Object.entries(s.errors).filter(([, v]) => v > 0);
  if (net.length > 0)
    out.push({ key: 'net', metric: 'Network Errors', value: net.map(([k, v]) => `${k} ${v}`).join(', ') });
  return out;
}

/** A Metric | Value | Target | Status table for one scope, with its thresholds placed on their rows. */
function metricTable(s: RequestSummary, judged: Array<{ r: ThresholdResult; key: string | undefined }>): string[] {
  const lines = ['| Metric | Value | Target | Status |', '|--------|-------|--------|--------|'];
  const used = new Set<ThresholdResult>();
  for (const row of rows(s)) {
    const mine = judged.filter((j) => j.key === row.key);
    mine.forEach((j) => used.add(j.r));
    const target = mine.length > 0 ? mine.map((j) => esc(targetOf(j.r.expr))).join(', ') : '-';
    const status = mine.length > 0 ? ok(mine.every((j) => j.r.ok)) : '-';
    lines.push(`| ${row.metric} | ${esc(row.value)} | ${target} | ${status} |`);
  }
  for (const j of judged) {
    if (!used.has(j.r))
      lines.push(
        `| \`${esc(j.r.expr)}\` | ${Number.isNaN(j.r.value) || j.r.value === null ? 'n/a' : j.r.value} | ${esc(targetOf(j.r.expr))} | ${ok(j.r.ok)} |`,
      );
  }
  return lines;
}

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

/** Up to `n` samples spread evenly over the series, first and last included. */
function spread<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  return Array.from({ length: n }, (_v, i) => xs[Math.round((i * (xs.length - 1)) / (n - 1))]!);
}

export function markdownReport(input: ReportInput): string {
  const { summary: s, scenario } = input;
  const r = s.run;
  // The summary's threshold results are in the scenario's order.
  const judged = s.thresholds.map((res, i) => ({
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
    `- ${t.requests} requests in ${(r.activeWindowMs / 1000).toFixed(2)} s (${t.rps} RPS); success rate ${t.requests > 0 ? pct(t.ok / t.requests) : '-'}; P95 latency ${ms(t.latencyMs.p95)}`,
  );
  if (t.rateLimited > 0)
    out.push(
      `- rate limiting: ${t.rateLimited} × 429, triggered after ${t.firstRateLimitedAfter ?? '?'} requests; Retry-After on ${t.retryAfterPresent} of ${t.rateLimited}`,
    );
  if (t.dropped > 0) out.push(`- ${t.dropped} requests dropped (never sent: the in-flight cap was reached)`);
  for (const [name, m] of Object.entries(s.monitors)) {
    if (m.samples > 0)
      out.push(
        `- monitor ${name}: ${fmtMonitor(name, m.first)} → ${fmtMonitor(name, m.last)} (growth ${fmtMonitor(name, m.growth)}, peak ${fmtMonitor(name, m.max)})`,
      );
  }
  if (r.notes.length > 0) out.push(`- ⚠️ ${r.notes.length} note(s) below qualify these figures`);
  out.push('', '---', '', '## Test Environment', '');
  out.push(
    `- **Agents:** ${r.agents.length}; start skew ${r.startSkewMs} ms (all agents start on one instant of the controller's clock)`,
  );
  out.push(`- **Active window:** ${r.startedAt} → ${r.endedAt}`, '');
  out.push(
    '| Agent | Host | Cores | Share | Requests | Start offset | Clock offset |',
    '|-------|------|-------|-------|----------|--------------|--------------|',
  );
  for (const a of r.agents)
    out.push(
      `| ${esc(a.name)} | ${esc(a.hostname || a.host)} (${esc(a.host)}) | ${a.cpus} | ${a.share} | ${a.requests} | ${a.startOffsetMs} ms | ${a.clockOffsetMs} ms |`,
    );
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
          `- Rate limit triggered after ${q.firstRateLimitedAfter ?? '?'} requests (answered before the first 429 arrived, cluster-wide)`,
        );
        out.push(
          `- ${q.rateLimited} requests limited (429); Retry-After header present on ${q.retryAfterPresent} of them (${pct(q.retryAfterPresent / q.rateLimited)})`,
          '',
        );
      }
      const checks = Object.entries(q.checks);
      if (checks.length > 0) {
        out.push('| Check | Passed | Failed |', '|-------|--------|--------|');
        for (const [c, v] of checks) out.push(`| ${esc(c)} | ${v.passes} | ${v.fails} |`);
        out.push('');
      }
    }
  });

  const overall = judged.filter((j) => j.r.scope === 'all' && j.metric.kind !== 'monitor');
  if (!single) {
    out.push('### All requests', '', ...metricTable(t, overall), '');
  }
  const monitors = Object.entries(s.monitors);
  if (monitors.length > 0) {
    out.push('---', '', '## Target Monitors', '');
    for (const [name, m] of monitors) {
      const def = scenario.monitors.find((x) => x.name === name);
      out.push(
        `### ${name}`,
        '',
        `Polled every ${(def?.intervalMs ?? 1000) / 1000} s from \`${def?.path ?? def?.url}\` (${def?.prometheus ? `Prometheus \`${def.prometheus}\`` : `JSON \`${def?.json}\``}).`,
        '',
      );
      const mine = judged.filter((j) => j.metric.kind === 'monitor' && j.metric.monitor === name);
      out.push('| Metric | Value | Target | Status |', '|--------|-------|--------|--------|');
      const row = (label: string, stat: string, v: number) => {
        const th = mine.filter((j) => j.metric.kind === 'monitor' && j.metric.stat === stat);
        out.push(
          `| ${label} | ${fmtMonitor(name, v)} | ${th.length > 0 ? th.map((j) => esc(targetOf(j.r.expr))).join(', ') : '-'} | ${th.length > 0 ? ok(th.every((j) => j.r.ok)) : '-'} |`,
        );
      };
      row('Initial', 'first', m.first);
      row('Final', 'last', m.last);
      row('Growth', 'growth', m.growth);
      row('Peak', 'max', m.max);
      row('Average', 'avg', m.avg);
      row('Change per second', 'rate', m.rate);
      out.push(`| Samples | ${m.samples}${m.errors > 0 ? ` (${m.errors} failed polls)` : ''} | - | - |`, '');
      const series = input.monitorSamples[name] ?? [];
      if (series.length > 0) {
        out.push(`**Timeline:**`, '', '| Time | Value |', '|------|-------|');
        for (const p of spread(series, 12)) out.push(`| ${(p.t / 1000).toFixed(1)} s | ${fmtMonitor(name, p.value)} |`);
        const trend =
          m.growth === 0 || Math.abs(m.growth) <= 0.05 * Math.abs(m.first)
            ? 'Stable'
            : m.growth > 0
              ? 'Rising'
              : 'Falling';
        out.push('', `**Trend:** ${trend}`, '');
      }
    }
  }
  out.push('---', '', '## Bottlenecks', '');
  if (failed.length === 0) out.push('No threshold failed.');
  for (const f of failed)
    out.push(
      `- ❌ \`${f.expr}\` (${f.scope}): measured ${Number.isNaN(f.value) || f.value === null ? 'no value' : f.value}`,
    );
  if (r.notes.length > 0) {
    out.push('', '## Notes', '');
    for (const n of r.notes) out.push(`- ${n}`);
  }
  out.push('');
  return out.join('\n');
}

/** Monitor values: bytes for memory-like names, plain otherwise. */
function fmtMonitor(name: string, v: number): string {
  if (v === null || Number.isNaN(v)) return 'n/a';
  if (/rss|mem|bytes|heap/i.test(name)) return bytes(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}
