// The end-of-run summary as a readable text table, one row per request name,
// then checks, thresholds, monitors, the first 429, the data sources (rows used
// per agent) and the agents. Columns for refreshed sessions, dropped arrivals,
// redirects followed, HTTP/2 answers and service time appear only when the run has them. Every figure is printed by
// core's units.ts, with its unit, as in the reports and on the dashboard.
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
import type { AgentSummary, RequestSummary, Summary } from '../results/summary.ts';
import { targetOf } from '../scenario/thresholds.ts';
import { answered } from './markdown-tables.ts';

function pad(cells: string[][], rightAlign: (col: number) => boolean): string {
  const widths = cells[0]!.map((_c, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (rightAlign(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

interface Columns {
  dropped: boolean;
  redirects: boolean;
  /** Answers that refreshed the VU's session and were retried (neither ok nor failed). */
  refreshed: boolean;
  service: boolean;
  /** Retried attempts, give-ups and retries sent before Retry-After (docs/scenarios.md "Retries"). */
  retries: boolean;
  /** Answers that came over HTTP/2 (only when some name used it). */
  h2: boolean;
}

function header(c: Columns): string[] {
  return [
    'request',
    'reqs',
    'resp/s',
    'ok',
    '429',
    'retry-after',
    ...(c.refreshed ? ['refreshed', 'failed'] : []),
    ...(c.retries ? ['retries', 'gave up', 'early'] : []),
    ...(c.dropped ? ['dropped'] : []),
    ...(c.redirects ? ['redirects'] : []),
    ...(c.h2 ? ['h2'] : []),
    'p50',
    'p90',
    'p95',
    'p99',
    'max',
    ...(c.service ? ['svc p50', 'svc p99'] : []),
    'status',
    'errors',
  ];
}

function row(name: string, s: RequestSummary, c: Columns): string[] {
  const l = s.latencyMs;
  const n = answered(s);
  const ms = (v: number) => formatLatency(v, n);
  const errors =
    Object.entries(s.errors)
      .filter(([, v]) => v > 0)
      // A TLS failure shows its commonest reason (the summary's tlsReasons has them all).
      .map(([k, v]) => `${k}:${v}${k === 'tls' && s.tlsReasons ? `(${Object.keys(s.tlsReasons)[0]})` : ''}`)
      .join(' ') || '-';
  return [
    name,
    formatCount(s.requests),
    formatRate(s.rps),
    // Of logical requests: retried attempts are parts of theirs.
    s.requests - (s.retries ?? 0) > 0 ? formatPercent(s.ok / (s.requests - (s.retries ?? 0))) : NO_DATA,
    formatCount(s.rateLimited),
    formatCount(s.retryAfterPresent),
    ...(c.refreshed ? [formatCount(s.sessionRetries ?? 0), formatCount(s.failed)] : []),
    ...(c.retries
      ? [formatCount(s.retries ?? 0), formatCount(s.giveUps ?? 0), formatCount(s.retriesBeforeRetryAfter ?? 0)]
      : []),
    ...(c.dropped ? [formatCount(s.dropped)] : []),
    ...(c.redirects ? [formatCount(s.redirects)] : []),
    ...(c.h2 ? [formatCount(s.protocols?.h2 ?? 0)] : []),
    ms(l.p50),
    ms(l.p90),
    ms(l.p95),
    ms(l.p99),
    ms(l.max),
    ...(c.service ? (s.serviceTimeMs ? [ms(s.serviceTimeMs.p50), ms(s.serviceTimeMs.p99)] : ['-', '-']) : []),
    Object.entries(s.status)
      .map(([k, v]) => `${k}:${v}`)
      .join(' ') || '-',
    errors,
  ];
}

/** A line per source address under its agent (agent --source-ips): its requests and statuses. */
const sourceRows = (by: AgentSummary['bySource']): string[][] =>
  Object.entries(by ?? {}).map(([addr, c]) => [
    `  from ${addr}`,
    '',
    '',
    formatCount(c.requests),
    '',
    '',
    [...Object.entries(c.status).map(([k, v]) => `${k}:${v}`), ...(c.errors > 0 ? [`errors:${c.errors}`] : [])].join(
      ' ',
    ) || '-',
  ]);

export function formatSummary(s: Summary): string {
  const r = s.run;
  const head = `barrage · ${r.scenario} · ${r.status} · ${r.agents.length} agent(s) · ${formatDuration(r.activeWindowMs)} · start skew ${formatDuration(r.startSkewMs)}`;
  const all = [s.totals, ...Object.values(s.requests)];
  const cols: Columns = {
    dropped: all.some((q) => q.dropped > 0),
    // ok then no longer says all the rest failed: refreshed answers and failures get a column each.
    refreshed: all.some((q) => (q.sessionRetries ?? 0) > 0),
    // A partial summary (a run in error) has no redirect count: null.
    redirects: all.some((q) => (q.redirects ?? 0) > 0),
    service: all.some((q) => q.serviceTimeMs !== undefined),
    retries: all.some((q) => q.retries !== undefined),
    h2: all.some((q) => (q.protocols?.h2 ?? 0) > 0),
  };
  const cells = [header(cols)];
  for (const [name, q] of Object.entries(s.requests)) cells.push(row(name, q, cols));
  if (Object.keys(s.requests).length > 1) cells.push(row('TOTAL', s.totals, cols));
  const numeric = cells[0]!.map((h) => h !== 'request' && h !== 'status' && h !== 'errors');
  const lines = [head, ...(r.error === undefined ? [] : [`error: ${r.error}`]), '', pad(cells, (i) => numeric[i]!)];
  if (cols.service)
    lines.push(
      'latency is measured from the intended send (open models: coordinated omission corrected); svc = service time from the actual send',
    );
  const checks = Object.entries(s.requests).flatMap(([name, q]) =>
    Object.entries(q.checks).map(([check, c]) => [
      name,
      check,
      `${formatCount(c.passes)}/${formatCount(c.passes + c.fails)} passed`,
      c.passes + c.fails > 0 ? formatPercent(c.passes / (c.passes + c.fails)) : NO_DATA,
    ]),
  );
  if (checks.length > 0)
    lines.push(
      '',
      pad([['request', 'check', 'result', ''], ...checks], (i) => i >= 2),
    );
  if (s.thresholds.length > 0) {
    const rows = s.thresholds.map((t) => {
      const target = targetOf(t.expr);
      return [
        t.expr.slice(0, t.expr.length - target.length),
        t.scope,
        target,
        formatThresholdValue(t.expr, t.value),
        t.ok ? 'pass' : 'FAIL',
      ];
    });
    lines.push(
      '',
      pad([['threshold', 'scope', 'target', 'value', 'status'], ...rows], (i) => i === 3),
    );
  }
  const monitors = Object.entries(s.monitors);
  if (monitors.length > 0) {
    const rows = monitors.map(([n, m]) => {
      const num = (v: number) => formatMonitorValue(n, v);
      return [
        n,
        formatCount(m.samples),
        num(m.first),
        num(m.last),
        num(m.min),
        num(m.max),
        num(m.avg),
        num(m.growth),
        formatMonitorRate(n, m.rate),
        formatCount(m.failedPolls ?? m.errors),
      ];
    });
    lines.push(
      '',
      pad(
        [['monitor', 'samples', 'first', 'last', 'min', 'max', 'avg', 'growth', 'change/s', 'failed polls'], ...rows],
        (i) => i > 0,
      ),
    );
  }
  if (s.totals.firstRateLimitedAfter !== null) {
    const perName = Object.entries(s.requests).filter(([, q]) => q.firstRateLimitedAfter !== null);
    const detail =
      Object.keys(s.requests).length > 1
        ? `; ${perName.map(([n, q]) => `${n}: after ${formatCount(q.firstRateLimitedAfter)} ${n} request(s)`).join(', ')}`
        : '';
    lines.push(
      '',
      `first 429 after ${formatCount(s.totals.firstRateLimitedAfter)} request(s)${detail} (answered before limiting began, cluster-wide)`,
    );
  }
  const data = Object.entries(s.data ?? {});
  if (data.length > 0) {
    const rows = data.map(([n, d]) => [
      n,
      d.mode,
      formatCount(d.rows),
      formatCount(d.used),
      d.unused === undefined ? NO_DATA : formatCount(d.unused),
      Object.entries(d.byAgent)
        .map(([a, k]) => `${a}:${k}`)
        .join(' ') || '-',
    ]);
    lines.push(
      '',
      pad([['data', 'mode', 'rows', 'used', 'unused', 'by agent'], ...rows], (i) => i >= 2 && i <= 4),
    );
  }
  const agents = [['agent', 'host', 'share', 'reqs', 'conns opened', 'start offset', 'status']];
  for (const a of r.agents) {
    agents.push([
      a.name,
      a.host,
      a.share.toFixed(3),
      formatCount(a.requests),
      a.connectionsOpened === undefined ? NO_DATA : formatCount(a.connectionsOpened),
      formatDuration(a.startOffsetMs),
      Object.entries(a.status)
        .map(([k, v]) => `${k}:${v}`)
        .join(' ') || '-',
    ]);
    agents.push(...sourceRows(a.bySource));
  }
  lines.push(
    '',
    pad(agents, (i) => i >= 2 && i <= 5),
  );
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}
