// Honest verdicts with real processes: a run against a port nobody listens on
// is failed (exit 99) with a note in words and no throughput, with or without
// thresholds; a short run gets short intervals, so it has a series to draw.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli, startTarget } from '../helpers/processes.ts';

/** A loopback port that was free a moment ago and has no listener now. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function scenarioFile(dir: string, thresholds: string): string {
  const file = join(dir, `s-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    `name: refused
requests: [{ name: health, path: /health, timeout: 2s }]
${thresholds}
scenarios: [{ name: burst, executor: shared-iterations, vus: 2, iterations: 60 }]
`,
  );
  return file;
}

for (const [label, thresholds] of [
  ['no thresholds', ''],
  ['rps > 10', "thresholds: ['rps>10']"],
] as const) {
  test(`every connection refused (${label}): failed, exit 99, a note that says so, no throughput`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'barrage-refused-'));
    const port = await closedPort();
    const out = join(dir, 'out.json');
    const r = await runCli(bins.controller, [
      'start',
      '--scenario',
      scenarioFile(dir, thresholds),
      '--target',
      `http://127.0.0.1:${port}`,
      '--local-agents',
      '1',
      '--db',
      join(dir, 'runs.db'),
      '--out',
      out,
    ]);
    const s = JSON.parse(readFileSync(out, 'utf8')) as Summary;
    assert.equal(r.code, 99, r.stderr);
    assert.equal(s.run.status, 'failed');
    assert.equal(s.run.notes[0], 'the target refused all 60 connections');
    assert.equal(s.totals.requests, 60);
    assert.equal(s.totals.errors.refused, 60);
    assert.equal(s.totals.responses, 0);
    assert.equal(s.totals.rps, 0);
    if (thresholds !== '') assert.deepEqual(s.thresholds[0], { expr: 'rps>10', scope: 'all', value: 0, ok: false });
    assert.match(r.stdout + r.stderr, /the target refused all 60 connections/);
    assert.doesNotMatch(r.stdout + r.stderr, /\bpassed\b/);
  });
}

test('a burst of 150 requests gets 100 ms intervals: the store holds its series at that length', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-short-'));
  const db = join(dir, 'runs.db');
  const out = join(dir, 'out.json');
  const file = join(dir, 'burst.yaml');
  // No latency thresholds: this test is about the series, not this machine's speed.
  writeFileSync(
    file,
    `name: burst
requests: [{ name: health, path: /health }]
scenarios: [{ name: burst, executor: shared-iterations, vus: 10, iterations: 150 }]
`,
  );
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    file,
    '--target',
    target.url,
    '--local-agents',
    '1',
    '--db',
    db,
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(out, 'utf8')) as Summary;
  assert.equal(s.totals.requests, 150);
  assert.equal((await target.stats()).total, 150, 'the target saw every request once');
  const store = new DatabaseSync(db, { readOnly: true });
  t.after(() => store.close());
  const run = store.prepare('SELECT interval_ms FROM runs WHERE id = ?').get(s.run.id) as { interval_ms: number };
  assert.equal(run.interval_ms, 100);
  const rows = store
    .prepare('SELECT interval, requests FROM intervals WHERE run_id = ? ORDER BY interval')
    .all(s.run.id) as Array<{
    interval: number;
    requests: number;
  }>;
  assert.equal(
    rows.reduce((n, row) => n + row.requests, 0),
    s.totals.requests,
    'the intervals add up to the totals',
  );
  // The last interval must end no earlier than the active window: 100 ms each, from the start.
  assert.ok(
    (rows.at(-1)!.interval + 1) * 100 >= s.run.activeWindowMs,
    `${rows.length} intervals for ${s.run.activeWindowMs} ms`,
  );
  t.diagnostic(
    `burst: ${s.totals.requests} requests in ${s.run.activeWindowMs} ms over ${rows.length} intervals of 100 ms`,
  );
});
