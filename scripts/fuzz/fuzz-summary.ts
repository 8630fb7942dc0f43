// The table `npm run fuzz` prints: what was sent, how every frame and
// scenario was answered (by error code), the histogram bombs' timings, the
// liveness checks, and every anomaly with what it takes to replay it.
import type { FuzzResult } from './run-fuzz.ts';

const BOMB_GOAL_MS = 5;
const n = (x: number) => x.toLocaleString('en-US');
const ms = (x: number) => (x < 10 ? x.toFixed(3) : x.toFixed(1));

export function formatFuzzSummary(r: FuzzResult): string {
  const t = r.tally;
  const out: string[] = [];
  const row = (label: string, value: string | number, extra = '') =>
    out.push(`  ${label.padEnd(44)} ${String(typeof value === 'number' ? n(value) : value).padStart(10)}  ${extra}`);
  const group = (prefix: string) =>
    t
      .under(prefix)
      .map(([k, v]) => `${k} ${n(v)}`)
      .join(', ');
  out.push(
    `barrage fuzz · seed ${r.seed} · ${(r.durationMs / 1000).toFixed(1)} s (${Object.entries(r.phaseMs)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
      .join(', ')})`,
  );
  out.push('', 'protocol frames');
  row(
    'frames sent',
    t.get('frames.sent'),
    `over ${n(t.get('frames.connections'))} idle connections plus the run's agents`,
  );
  row('accepted (barrier answered, no ErrorReport)', t.get('frames.accepted'));
  for (const [code, v] of t.under('frames.closed.')) row(`rejected, connection closed: ${code}`, v);
  for (const [code, v] of t.under('frames.kept.')) row(`rejected, connection kept: ${code}`, v);
  for (const [code, v] of t.under('frames.ws.'))
    row(
      `closed by ws itself: close code ${code}`,
      v,
      code === '1009' ? '(message past 4 MiB maxPayload)' : code === '1008' ? '(more than 16384 fragments)' : '',
    );
  row('closed as replaced (same agent id)', t.get('frames.replaced'));
  row('anything else', t.get('frames.anomaly'));
  row('mutations', '', group('frames.op.'));
  if (r.inRun) {
    const e = r.inRun.expected;
    row(
      'run: reports accepted and merged',
      t.get('frames.reports-merged'),
      `run ${r.inRun.runId ?? '-'} ended ${group('frames.run-status.') || '?'}`,
    );
    row(
      'run: totals of the accepted reports',
      '',
      `requests ${n(e.requests)}, ok ${n(e.ok)}, rateLimited ${n(e.rateLimited)}, failed ${n(e.failed)}, dropped ${n(e.dropped)}`,
    );
    const same = (x: unknown) =>
      JSON.stringify(x) === JSON.stringify(e) ? 'equal' : `DIFFERENT: ${JSON.stringify(x)}`;
    row(
      'run: live totals / summary totals',
      '',
      `${same(r.inRun.live && pick(r.inRun.live))} / ${same(r.inRun.summary && pick(r.inRun.summary))}`,
    );
    row('run: views (summary, reports, histograms)', '', group('frames.run-views.'));
  }
  out.push('', 'scenarios (POST /api/v1/runs)');
  row('scenarios sent', t.get('scenarios.sent'), `incl. ${r.scenarios?.bombs.length ?? 0} fixed bombs`);
  row(
    '202 (valid: run started, then stopped)',
    t.get('scenarios.202'),
    group('scenarios.run-ended.') ? `runs ended ${group('scenarios.run-ended.')}` : '',
  );
  for (const [key, v] of t
    .under('scenarios.')
    .filter(([k]) => /^\d{3}\./.test(k))
    .sort())
    row(key.replace('.', ' '), v);
  row('no answer in time / connection failed', t.get('scenarios.hang') + t.get('scenarios.failed'));
  row('closed unread at the 1 MiB body limit (no anomaly)', t.get('scenarios.closed-at-limit'));
  if (r.scenarios) {
    out.push('  bombs:');
    for (const b of r.scenarios.bombs)
      out.push(
        `    ${b.label.replace(/^bomb\//, '').padEnd(50)} ${String(b.status).padStart(3)} ${b.code.padEnd(24)} ${ms(b.ms).padStart(8)} ms`,
      );
    out.push(
      `  slowest answers: ${r.scenarios.slowest
        .slice(0, 5)
        .map((s) => `${s.label} ${ms(s.ms)} ms`)
        .join('; ')}`,
    );
  }
  if (r.overflow) {
    out.push('', 'merge overflow (valid reports until the merged histogram passes 2^53)');
    row('reports sent', r.overflow.reportsSent, `in ${r.overflow.seconds.toFixed(1)} s: ${r.overflow.outcome}`);
  }
  out.push('', `histogram bombs (decodeEnvelope + validateReport + merge, in-process; goal < ${BOMB_GOAL_MS} ms)`);
  out.push(
    `  ${'bomb'.padEnd(62)} ${'bytes'.padStart(9)}  ${'result'.padEnd(24)} ${'median ms'.padStart(9)} ${'max ms'.padStart(8)} ${'reps'.padStart(5)}`,
  );
  for (const b of r.bombs) {
    const flag = !b.ok
      ? `  WRONG: expected ${b.expect}`
      : b.expect === 'accepted'
        ? '  (legal: merged)'
        : b.medianMs >= BOMB_GOAL_MS
          ? '  over goal'
          : '';
    out.push(
      `  ${b.name.padEnd(62)} ${n(b.frameBytes).padStart(9)}  ${b.result.padEnd(24)} ${ms(b.medianMs).padStart(9)} ${ms(b.maxMs).padStart(8)} ${String(b.reps).padStart(5)}${flag}`,
    );
  }
  out.push('', 'controller');
  row('process', r.crashed === undefined ? 'alive' : `DIED: ${r.crashed}`);
  row('GET /api/v1/health', r.healthStatus === 200 ? '200 ok' : `FAILED (${r.healthStatus})`);
  row('sentinel agent (connected throughout)', r.sentinelAlive ? 'connected, answers' : 'LOST');
  row('error-level log lines', r.errorLines.length);
  for (const l of r.errorLines.slice(0, 10)) out.push(`    ${l.slice(0, 300)}`);
  row(
    'Node warnings printed',
    r.warnings.length,
    r.warnings.length > 0 ? `(first: ${r.warnings[0]!.slice(0, 160)})` : '',
  );
  out.push('', `anomalies: ${t.anomalyCount}`);
  for (const a of t.anomalies) out.push(`  - ${a.slice(0, 400)}`);
  out.push('', r.ok ? 'RESULT: ok' : `RESULT: FAILED (replay with --seed ${r.seed})`);
  return out.join('\n');
}

function pick(x: Record<string, unknown>): Record<string, unknown> {
  return { requests: x.requests, ok: x.ok, rateLimited: x.rateLimited, failed: x.failed, dropped: x.dropped };
}
