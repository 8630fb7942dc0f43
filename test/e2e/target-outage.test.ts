// A target outage mid-run: the sample target is stopped for 3 s and started
// again on the same port while an open model fires from 2 agent processes.
// The run completes; the refused requests are counted as errors by kind; a
// threshold sees them; and barrage's totals equal what the two target
// lifetimes answered plus what was refused.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, startCli, startTarget } from '../helpers/processes.ts';

test('target stopped for 3 s: the run goes on, errors counted by kind, totals reconcile with both lifetimes of the target', async (t) => {
  const first = await startTarget();
  const port = new URL(first.url).port;
  const dir = mkdtempSync(join(tmpdir(), 'barrage-outage-'));
  writeFileSync(
    join(dir, 's.yaml'),
    `
name: outage
requests: [{ name: health, path: /health, timeout: 2s }]
thresholds: ['rate(ok)>0.99']
scenarios: [{ name: open, executor: constant-arrival-rate, rate: 50, duration: 9s, maxInFlight: 200 }]
`,
  );
  const c = startCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 's.yaml'),
    '--target',
    first.url,
    '--local-agents',
    '2',
    '--out',
    join(dir, 'out.json'),
  ]);
  t.after(() => c.kill());
  await c.waitForStderr(/\[\s+2s\] reqs [1-9]/); // load is flowing
  const before = (await first.stop())!;
  // The outage itself: 3 s without a target (this is the fault being injected, not a wait for an event).
  await new Promise((r) => setTimeout(r, 3_000));
  const second = await startTarget(['--port', port]);
  t.after(() => second.stop());
  const code = await c.exited;
  const s = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Summary;
  const after = await second.stats();
  assert.equal(code, 99, 'the threshold saw the outage');
  assert.equal(s.run.status, 'failed');
  assert.equal(s.thresholds[0]!.ok, false);
  assert.equal(s.totals.requests + s.totals.dropped, 450, 'every scheduled arrival was fired or dropped');
  assert.ok(s.totals.errors.refused >= 50, `refused: ${JSON.stringify(s.totals.errors)}`);
  const answered = before.total + after.total;
  assert.equal(s.totals.status['200'], answered, 'the 200s equal what both lifetimes of the target answered');
  assert.equal(
    s.totals.requests,
    answered + s.totals.errors.timeout + s.totals.errors.refused + s.totals.errors.reset + s.totals.errors.other,
  );
  t.diagnostic(
    `outage: ${s.totals.requests} requests; target answered ${before.total} before and ${after.total} after; errors ${JSON.stringify(s.totals.errors)}; dropped ${s.totals.dropped}`,
  );
});
