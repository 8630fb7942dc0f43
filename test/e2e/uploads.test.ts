// The built-in upload-50mb, by name, on 2 agent processes: 10 concurrent 50 MB
// multipart uploads reach the sample target, which counts every file part's
// bytes as it streams past. (Agent memory under this load: bench/upload-memory.ts.)

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli, startTarget } from '../helpers/processes.ts';

test('upload-50mb: 10 concurrent 50 MB uploads arrive whole, with the sizes barrage says it sent', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const out = join(mkdtempSync(join(tmpdir(), 'barrage-upload-')), 'summary.json');
  const r = await runCli(
    bins.controller,
    ['start', '--scenario', 'upload-50mb', '--target', target.url, '--local-agents', '2', '--out', out],
    { timeoutMs: 300_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(out, 'utf8')) as Summary;
  const seen = await target.stats();
  const size = 50 * 1024 * 1024;
  assert.equal(s.totals.requests, 10);
  assert.deepEqual(s.totals.status, { 201: 10 });
  assert.deepEqual(seen.routes['POST /api/sessions/upload'], { 201: 10 });
  assert.equal(seen.uploads.length, 10);
  for (const u of seen.uploads)
    assert.deepEqual(u, { field: 'file', filename: 'session.mp3', contentType: 'audio/mpeg', bytes: size });
  // What went on the wire: each body is the 50 MB file plus its multipart framing.
  assert.ok(
    s.totals.bytesSent > 10 * size && s.totals.bytesSent < 10 * (size + 1024),
    `bytes sent ${s.totals.bytesSent}`,
  );
  t.diagnostic(
    `p50 ${s.totals.latencyMs.p50} ms, max ${s.totals.latencyMs.max} ms per 50 MB upload; ${s.totals.bytesSent} bytes sent`,
  );
});
