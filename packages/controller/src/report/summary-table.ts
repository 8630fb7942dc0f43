// The end-of-run summary as a readable text table, one row per request name,
// then checks, the first 429, and the agents. Columns for dropped arrivals and
// service time appear only when the run has them.
import type { RequestSummary, Summary } from '../results/summary.ts';
import { targetOf } from '../scenario/thresholds.ts';

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

/** A value that a JSON round trip turned from NaN into null, or NaN itself. */
const missing = (n: number | null | undefined): n is null | undefined =>
  n === null || n === undefined || Number.isNaN(n);
const fmt = (n: number) => (missing(n) ? 'n/a' : n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

interface Columns {
  dropped: boolean;
  service: boolean;
}

function header(c: Columns): string[] {
  return [
    'request',
    'reqs',
    'rps',
    'ok',
    '429',
    'retry-after',
    ...(c.dropped ? ['dropped'] : []),
    'p50 ms',
    'p90 ms',
    'p95 ms',
    'p99 ms',
    'max ms',
    ...(c.service ? ['svc p50', 'svc p99'] : []),
    'status',
    'errors',
  ];
}

function row(name: string, s: RequestSummary, c: Columns): string[] {
  const l = s.latencyMs;
  const errors =
    Object.entries(s.errors)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${k}:${v}`)
      .join(' ') || '-';
  return [
    name,
    String(s.requests),
    fmt(s.rps),
    s.requests > 0 ? `${((100 * s.ok) / s.requests).toFixed(1)}%` : '-',
    String(s.rateLimited),
    String(s.retryAfterPresent),
    ...(c.dropped ? [String(s.dropped)] : []),
    fmt(l.p50),
    fmt(l.p90),
    fmt(l.p95),
    fmt(l.p99),
    fmt(l.max),
    ...(c.service ? (s.serviceTimeMs ? [fmt(s.serviceTimeMs.p50), fmt(s.serviceTimeMs.p99)] : ['-', '-']) : []),
    Object.entries(s.status)
      .map(([k, v]) => `${k}:${v}`)
      .join(' ') || '-',
    errors,
  ];
}

export function formatSummary(s: Summary): string {
  const r = s.run;
  const head = `barrage · ${r.scenario} · ${r.status} · ${r.agents.length} agent(s) · ${(r.activeWindowMs / 1000).toFixed(2)} s · start skew ${r.startSkewMs.toFixed(2)} ms`;
  const all = [s.totals, ...Object.values(s.requests)];
  const cols: Columns = {
    dropped: all.some((q) => q.dropped > 0),
    service: all.some((q) => q.serviceTimeMs !== undefined),
  };
  const cells = [header(cols)];
  for (const [name, q] of Object.entries(s.requests)) cells.push(row(name, q, cols));
  if (Object.keys(s.requests).length > 1) cells.push(row('TOTAL', s.totals, cols));
  const numeric = cells[0]!.map((h) => h !== 'request' && h !== 'status' && h !== 'errors');
  const lines = [head, '', pad(cells, (i) => numeric[i]!)];
  if (cols.service)
    lines.push(
      'latency is measured from the intended send (open models: coordinated omission corrected); svc = service time from the actual send',
    );
  const checks = Object.entries(s.requests).flatMap(([name, q]) =>
    Object.entries(q.checks).map(([check, c]) => [
      name,
      check,
      `${c.passes}/${c.passes + c.fails} passed`,
      c.passes + c.fails > 0 ? `${((100 * c.passes) / (c.passes + c.fails)).toFixed(1)}%` : '-',
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
        missing(t.value) ? 'n/a' : String(t.value),
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
    const num = (v: number) =>
      missing(v)
        ? 'n/a'
        : Math.abs(v) >= 1e6
          ? `${(v / 1024 / 1024).toFixed(1)}Mi`
          : Number.isInteger(v)
            ? String(v)
            : v.toFixed(3);
    const rows = monitors.map(([n, m]) => [
      n,
      String(m.samples),
      num(m.first),
      num(m.last),
      num(m.min),
      num(m.max),
      num(m.avg),
      num(m.growth),
      num(m.rate),
      String(m.errors),
    ]);
    lines.push(
      '',
      pad(
        [['monitor', 'samples', 'first', 'last', 'min', 'max', 'avg', 'growth', 'rate/s', 'failed polls'], ...rows],
        (i) => i > 0,
      ),
    );
  }
  if (s.totals.firstRateLimitedAfter !== null) {
    const perName = Object.entries(s.requests).filter(([, q]) => q.firstRateLimitedAfter !== null);
    const detail =
      Object.keys(s.requests).length > 1
        ? `; ${perName.map(([n, q]) => `${n}: after ${q.firstRateLimitedAfter} ${n} request(s)`).join(', ')}`
        : '';
    lines.push(
      '',
      `first 429 after ${s.totals.firstRateLimitedAfter} request(s)${detail} (answered before limiting began, cluster-wide)`,
    );
  }
  const agents = [['agent', 'host', 'share', 'reqs', 'start offset', 'status']];
  for (const a of r.agents) {
    agents.push([
      a.name,
      a.host,
      a.share.toFixed(3),
      String(a.requests),
      `${a.startOffsetMs.toFixed(2)} ms`,
      Object.entries(a.status)
        .map(([k, v]) => `${k}:${v}`)
        .join(' ') || '-',
    ]);
  }
  lines.push(
    '',
    pad(agents, (i) => i >= 2 && i <= 4),
  );
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}
