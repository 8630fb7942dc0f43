// constant-vus across 2 agent processes on a weighted mix: per-name counts
// equal the target's per-route counts, and the mix follows the weights.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli, startTarget } from '../helpers/processes.ts';

const scenario = `
name: mix-2s
baseUrl: http://127.0.0.1:1
requests:
  - { name: health, path: /health, weight: 2 }
  - { name: ready, path: /ready, weight: 1 }
  - { name: live, path: /live, weight: 1 }
scenarios:
  - { name: steady, executor: constant-vus, vus: 8, duration: 2s }
`;

test('constant-vus on 2 agents reconciles per request name with the target', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-e2e-'));
  writeFileSync(join(dir, 'mix.yaml'), scenario);
  const r = await runCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 'mix.yaml'),
    '--target',
    target.url,
    '--local-agents',
    '2',
    '--out',
    join(dir, 's.json'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')) as Summary;
  const seen = await target.stats();
  assert.equal(s.totals.requests, seen.total);
  for (const [name, route] of [
    ['health', 'GET /health'],
    ['ready', 'GET /ready'],
    ['live', 'GET /live'],
  ] as const) {
    assert.deepEqual(s.requests[name]!.status, seen.routes[route], name);
  }
  // Each VU's smooth round-robin is exact per 4 requests, so the mix is within one request per VU of 2:1:1.
  const { health, ready, live } = s.requests as Record<string, { requests: number }>;
  assert.ok(
    Math.abs(health!.requests - 2 * ready!.requests) <= 8 * 2,
    `health ${health!.requests} vs ready ${ready!.requests}`,
  );
  assert.ok(Math.abs(ready!.requests - live!.requests) <= 8, `ready ${ready!.requests} vs live ${live!.requests}`);
  assert.equal(s.totals.failed, 0);
  assert.ok(s.totals.rps > 0);
  assert.equal(s.run.agents.length, 2);
  assert.deepEqual(
    s.run.agents.map((a) => a.share),
    [0.5, 0.5],
  );
  // From the first agent's actual start (which may lag the planned instant on a busy host)
  // to the last completion after the 2 s end.
  assert.ok(s.run.activeWindowMs >= 1_900, `active window ${s.run.activeWindowMs}`);
});
