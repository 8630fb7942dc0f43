// The fuzzer of `npm run fuzz`, seeded and small: a live controller process
// takes mutated frames (outside and inside a run) and mutated scenarios, and
// must answer every one with an acceptance or a coded rejection, keep its
// run totals equal to the reports it accepted, and stay up. Histogram bombs
// must each get their rejection. No timing is asserted: the machine may be busy.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFuzzSummary } from '../../scripts/fuzz/fuzz-summary.ts';
import { runFuzz } from '../../scripts/fuzz/run-fuzz.ts';

test('a seeded fuzz run: every frame and scenario accepted or refused with a code, the controller unharmed', {
  timeout: 180_000,
}, async () => {
  const r = await runFuzz({ seed: 20_260_101, frames: 3000, scenarios: 300, bombReps: 1, concurrency: 8 });
  const summary = formatFuzzSummary(r);
  assert.equal(r.crashed, undefined, summary);
  assert.deepEqual(r.tally.anomalies, [], summary);
  assert.equal(r.tally.anomalyCount, 0, summary);
  assert.equal(r.healthStatus, 200, summary);
  assert.equal(r.sentinelAlive, true, summary);
  assert.deepEqual(r.errorLines, [], summary);
  assert.ok(r.tally.get('frames.sent') >= 3000, summary);
  assert.ok(r.tally.get('scenarios.sent') >= 300, summary);
  // Both ways a frame can be refused happened, and reports were merged inside the run.
  assert.ok(r.tally.under('frames.closed.').length > 0 && r.tally.under('frames.kept.').length > 0, summary);
  assert.ok(r.tally.get('frames.reports-merged') > 0, summary);
  for (const [k, v] of Object.entries(r.inRun!.expected)) {
    assert.equal((r.inRun!.live as Record<string, number> | undefined)?.[k], v, `live ${k}\n${summary}`);
    assert.equal((r.inRun!.summary as Record<string, number> | undefined)?.[k], v, `summary ${k}\n${summary}`);
  }
  for (const b of r.bombs) assert.equal(b.result, b.expect, `${b.name}\n${summary}`);
});
