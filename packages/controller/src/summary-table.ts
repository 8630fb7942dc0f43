// The end-of-run summary as a readable text table, one row per request name.
import type { RequestSummary, Summary } from './summary.ts';

function pad(cells: string[][], rightAlign: (col: number) => boolean): string {
  const widths = cells[0]!.map((_c, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => (rightAlign(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

function row(name: string, s: RequestSummary): string[] {
  const l = s.latencyMs;
  const errors = Object.entries(s.errors).filter(([, v]) => v > 0).map(([k, v]) => `${k}:${v}`).join(' ') || '-';
  return [
    name, String(s.requests), fmt(s.rps), s.requests > 0 ? `${((100 * s.ok) / s.requests).toFixed(1)}%` : '-',
    String(s.rateLimited), String(s.retryAfterPresent),
    fmt(l.p50), fmt(l.p90), fmt(l.p95), fmt(l.p99), fmt(l.max),
    Object.entries(s.status).map(([k, v]) => `${k}:${v}`).join(' ') || '-', errors,
  ];
}

export function formatSummary(s: Summary): string {
  const r = s.run;
  const head = `barrage · ${r.scenario} · ${r.status} · ${r.agents.length} agent(s) · ${(r.activeWindowMs / 1000).toFixed(2)} s · start skew ${r.startSkewMs.toFixed(2)} ms`;
  const cells = [['request', 'reqs', 'rps', 'ok', '429', 'retry-after', 'p50 ms', 'p90 ms', 'p95 ms', 'p99 ms', 'max ms', 'status', 'errors']];
  for (const [name, q] of Object.entries(s.requests)) cells.push(row(name, q));
  if (Object.keys(s.requests).length > 1) cells.push(row('TOTAL', s.totals));
  const lines = [head, '', pad(cells, (i) => i > 0 && i < 11)];
  if (s.totals.firstRateLimitedAfter !== null) {
    const perName = Object.entries(s.requests).filter(([, q]) => q.firstRateLimitedAfter !== null);
    const detail = Object.keys(s.requests).length > 1 ? `; ${perName.map(([n, q]) => `${n}: after ${q.firstRateLimitedAfter} ${n} request(s)`).join(', ')}` : '';
    lines.push('', `first 429 after ${s.totals.firstRateLimitedAfter} request(s)${detail} (answered before limiting began, cluster-wide)`);
  }
  const agents = [['agent', 'host', 'share', 'reqs', 'start offset', 'status']];
  for (const a of r.agents) {
    agents.push([a.name, a.host, a.share.toFixed(3), String(a.requests), `${a.startOffsetMs.toFixed(2)} ms`, Object.entries(a.status).map(([k, v]) => `${k}:${v}`).join(' ') || '-']);
  }
  lines.push('', pad(agents, (i) => i >= 2 && i <= 4));
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}
