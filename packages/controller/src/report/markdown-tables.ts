// The Markdown report's parts that the full report (markdown.ts) and an error
// run's report (error-report.ts) share: table cells, a scope's Metric | Value |
// Target | Status table with its thresholds on their rows, and the Target
// Monitors section. Every figure is printed by core's units.ts.

import {
  formatCount,
  formatDuration,
  formatLatency,
  formatMonitorRate,
  formatMonitorValue,
  formatPercent,
  formatRate,
  formatThresholdValue,
  NO_DATA,
} from '@barrage/core';
import type { MonitorSample } from '../monitor/monitor-stats.ts';
import type { RequestSummary, Summary } from '../results/summary.ts';
import type { MonitorDef } from '../scenario/scenario.ts';
import { type Metric, type ThresholdResult, targetOf } from '../scenario/thresholds.ts';

/** A threshold's result beside the report row it belongs to and its metric. */
export interface Judged {
  r: ThresholdResult;
  key: string | undefined;
  metric: Metric;
}

export const ok = (b: boolean) => (b ? '✅' : '❌');
const pct = formatPercent;
/** Text from scenarios and agents inside a table cell: pipes escaped, line breaks flattened. */
export const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

/** Requests as the scenario made them: attempts less the retried ones. */
const logical = (s: RequestSummary) => s.requests - (s.retries ?? 0);

/** Answers with a status: latency exists only for them (a summary from before `responses` counts its statuses). */
export const answered = (s: RequestSummary) => s.responses ?? Object.values(s.status).reduce((n, c) => n + c, 0);

/** Which report row a threshold metric belongs to. */
export function rowKey(m: Metric): string | undefined {
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
  const n = answered(s);
  const ms = (v: number) => formatLatency(v, n);
  const out: Row[] = [
    { key: 'requests', metric: 'Total Requests', value: formatCount(s.requests) },
    // Of logical requests: a retried attempt is part of its request.
    { key: 'success', metric: 'Success Rate', value: logical(s) > 0 ? pct(s.ok / logical(s)) : NO_DATA },
    {
      key: 'errors',
      metric: 'Errors',
      value: s.requests > 0 ? `${formatCount(s.failed)} (${pct(s.failed / s.requests)})` : '0',
    },
    { key: 'avg', metric: 'Average Latency', value: ms(l.mean) },
    { key: 'min', metric: 'Min Latency', value: ms(l.min) },
    { key: 'med', metric: 'P50 Latency', value: ms(l.p50) },
    { key: 'p90', metric: 'P90 Latency', value: ms(l.p90) },
    { key: 'p95', metric: 'P95 Latency', value: ms(l.p95) },
    { key: 'p99', metric: 'P99 Latency', value: ms(l.p99) },
    { key: 'max', metric: 'Max Latency', value: ms(l.max) },
    { key: 'rps', metric: 'Responses/sec', value: formatRate(s.rps) },
  ];
  if (s.serviceTimeMs)
    out.push({ key: 'svc', metric: 'P95 Service Time (from the actual send)', value: ms(s.serviceTimeMs.p95) });
  if (s.rateLimited > 0)
    out.push({
      key: '429',
      metric: 'Rate Limited (429)',
      value: `${formatCount(s.rateLimited)} (${pct(s.rateLimited / Math.max(1, s.requests))})`,
    });
  if (s.rateLimited > 0)
    out.push({
      key: 'retry',
      metric: 'Retry-After Header',
      value: `${formatCount(s.retryAfterPresent)} of ${formatCount(s.rateLimited)}`,
    });
  if (s.dropped > 0) out.push({ key: 'dropped', metric: 'Dropped (never sent)', value: formatCount(s.dropped) });
  if ((s.redirects ?? 0) > 0)
    out.push({ key: 'redirects', metric: 'Redirects Followed', value: formatCount(s.redirects) });
  if ((s.sessionRetries ?? 0) > 0)
    out.push({
      key: 'refreshed',
      metric: 'Session Refreshed, Retried',
      value: `${formatCount(s.sessionRetries ?? 0)} (failed: ${formatCount(s.failed)})`,
    });
  if (s.retries !== undefined)
    out.push({
      key: 'retries',
      metric: 'Retries (attempts tried again)',
      value: `${formatCount(s.retries)} (gave up: ${formatCount(s.giveUps ?? 0)}, before Retry-After: ${formatCount(s.retriesBeforeRetryAfter ?? 0)})`,
    });
  if (s.retryAfterMs !== undefined && Object.keys(s.retryAfterMs).length > 0)
    out.push({
      key: 'retryAfterWaits',
      metric: 'Retry-After Asked (ms, up to)',
      value: Object.entries(s.retryAfterMs)
        .map(([k, v]) => `≤${k} ${formatCount(v)}`)
        .join(', '),
    });
  const net = Object.entries(s.errors).filter(([, v]) => v > 0);
  if (net.length > 0)
    out.push({ key: 'net', metric: 'Network Errors', value: net.map(([k, v]) => `${k} ${formatCount(v)}`).join(', ') });
  if (s.tlsReasons !== undefined)
    out.push({
      key: 'tls',
      metric: 'TLS Failures by Reason',
      value: Object.entries(s.tlsReasons)
        .map(([k, v]) => `${k} ${formatCount(v)}`)
        .join(', '),
    });
  return out;
}

/** A Metric | Value | Target | Status table for one scope, with its thresholds placed on their rows. */
export function metricTable(s: RequestSummary, judged: readonly Pick<Judged, 'r' | 'key'>[]): string[] {
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
        `| \`${esc(j.r.expr)}\` | ${formatThresholdValue(j.r.expr, j.r.value)} | ${esc(targetOf(j.r.expr))} | ${ok(j.r.ok)} |`,
      );
  }
  return lines;
}

/** Up to `n` samples spread evenly over the series, first and last included. */
function spread<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  return Array.from({ length: n }, (_v, i) => xs[Math.round((i * (xs.length - 1)) / (n - 1))]!);
}

/** The Target Monitors section: per monitor its figures, thresholds, samples and failed polls, and a timeline. */
export function monitorSection(
  s: Summary,
  defs: readonly MonitorDef[],
  judged: readonly Judged[],
  monitorSamples: Readonly<Record<string, readonly MonitorSample[]>>,
): string[] {
  const out: string[] = [];
  const monitors = Object.entries(s.monitors);
  if (monitors.length > 0) {
    out.push('---', '', '## Target Monitors', '');
    const polled = Object.entries(s.monitorRequests ?? {});
    if (polled.length > 0)
      out.push(
        `Monitor requests: ${polled.map(([url, n]) => `\`${url}\` ${formatCount(n)}`).join(', ')} (polls on one URL are shared).`,
        '',
      );
    for (const [name, m] of monitors) {
      const def = defs.find((x) => x.name === name);
      out.push(
        `### ${name}`,
        '',
        `Polled every ${(def?.intervalMs ?? 1000) / 1000} s from \`${def?.path ?? def?.url}\` (${def?.prometheus ? `Prometheus \`${def.prometheus}\`` : `JSON \`${def?.json}\``}).`,
        '',
      );
      const mine = judged.filter((j) => j.metric.kind === 'monitor' && j.metric.monitor === name);
      out.push('| Metric | Value | Target | Status |', '|--------|-------|--------|--------|');
      const v = (x: number) => formatMonitorValue(name, x);
      const row = (label: string, stat: string, value: string) => {
        const th = mine.filter((j) => j.metric.kind === 'monitor' && j.metric.stat === stat);
        out.push(
          `| ${label} | ${value} | ${th.length > 0 ? th.map((j) => esc(targetOf(j.r.expr))).join(', ') : '-'} | ${th.length > 0 ? ok(th.every((j) => j.r.ok)) : '-'} |`,
        );
      };
      row('Initial', 'first', v(m.first));
      row('Final', 'last', v(m.last));
      row('Growth', 'growth', v(m.growth));
      row('Peak', 'max', v(m.max));
      row('Average', 'avg', v(m.avg));
      row('Change per second', 'rate', formatMonitorRate(name, m.rate));
      out.push(`| Samples | ${formatCount(m.samples)} | - | - |`);
      // Why polls failed, when they did (a summary from before the reasons has only the count).
      const failedPolls = m.failedPolls ?? m.errors;
      if (failedPolls > 0) {
        const why = Object.entries(m.failures ?? {}).map(([reason, n]) => `${esc(reason)} × ${formatCount(n)}`);
        out.push(
          `| Failed polls | ${formatCount(failedPolls)}${why.length > 0 ? `: ${why.join('; ')}` : ''} | - | - |`,
        );
      }
      out.push('');
      const series = monitorSamples[name] ?? [];
      if (series.length > 0) {
        out.push(`**Timeline:**`, '', '| Time | Value |', '|------|-------|');
        for (const p of spread(series, 12)) out.push(`| ${formatDuration(p.t)} | ${v(p.value)} |`);
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
  return out;
}

/** Test data: per source its mode and rows, how many were used (in all and per agent) and left unused. */
export function dataTable(data: Summary['data']): string[] {
  const sources = Object.entries(data ?? {});
  if (sources.length === 0) return [];
  return [
    '',
    '| Data source | Mode | Rows | Used | Unused | By agent |',
    '|-------------|------|------|------|--------|----------|',
    ...sources.map(
      ([n, d]) =>
        `| ${esc(n)} | ${d.mode} | ${formatCount(d.rows)} | ${formatCount(d.used)} | ${d.unused === undefined ? NO_DATA : formatCount(d.unused)} | ${
          Object.entries(d.byAgent)
            .map(([a, k]) => `${esc(a)}: ${formatCount(k)}`)
            .join(', ') || NO_DATA
        } |`,
    ),
  ];
}
