// End to end with real processes: sample target + controller + 3 agent
// processes run the built-in ratelimit-150. Every figure is reconciled with
// what the target itself counted.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli, startTarget } from '../helpers/processes.ts';

test('ratelimit-150 on 3 agents: totals equal what the target saw', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const out = join(mkdtempSync(join(tmpdir(), 'barrage-e2e-')), 'summary.json');
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    'ratelimit-150',
    '--target',
    target.url,
    '--local-agents',
    '3',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(out, 'utf8')) as Summary;
  const seen = await target.stats();
  const sessions = seen.routes['GET /api/sessions/']!;

  assert.equal(s.totals.requests, 150);
  assert.equal(s.totals.requests, (sessions['200'] ?? 0) + (sessions['429'] ?? 0));
  assert.equal(seen.total, 151, 'the target saw the 150 requests and the one setup login');
  assert.deepEqual(s.totals.status, sessions, "the 200/429 split equals the target's");
  assert.equal(s.totals.ok, sessions['200']);
  assert.equal(s.totals.rateLimited, sessions['429']);
  assert.equal(s.totals.failed, 0);
  assert.equal(s.totals.retryAfterPresent, s.totals.rateLimited, 'every 429 carried Retry-After');
  // 100/min per IP, one spent by the login: the server admitted 99 before its first 429,
  // and barrage must say exactly that although 10 requests were in flight at a time.
  assert.equal(s.totals.rateLimited, 51);
  assert.equal(s.totals.firstRateLimitedAfter, sessions['200']);
  assert.equal(s.totals.firstRateLimitedAfter, 99);
  assert.equal(s.requests.sessions!.firstRateLimitedAfter, 99, 'one request name: the same count');
  assert.equal(s.requests.sessions!.requests, 150);

  assert.equal(s.run.status, 'passed');
  assert.equal(s.run.agents.length, 3);
  assert.equal(
    s.run.agents.reduce((n, a) => n + a.requests, 0),
    150,
    'per-agent requests add up',
  );
  assert.ok(
    Math.abs(s.run.agents.reduce((n, a) => n + a.share, 0) - 1) <= 0.0015,
    'shares (rounded to 3 decimals) cover the whole',
  );
  assert.ok(s.run.startSkewMs >= 0);
  const l = s.totals.latencyMs;
  assert.ok(l.min > 0 && l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max);
  assert.match(r.stdout, /sessions\s+150\s/);
  assert.match(r.stdout, /first 429 after 99 request\(s\) \(answered before limiting began/);
});
