// A run that ended in error says why wherever it is looked at: `controller
// runs` (the reason last on its line), `controller report` (a report that
// leads with the reason, exit 0; JUnit an error case carrying it) and the
// summary JSON the API serves (status error, the reason, the partial counts).
// The dashboard's page is test/system/dashboard-figures.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Summary } from '@barrage/controller';
import { bins, runCli, startCli, startTarget } from '../helpers/processes.ts';

const REASON = /CTRL_SETUP_FAILED: setup step login failed: HTTP 401/;

test('a run whose setup failed: its reason in runs, report (md and JUnit) and the summary JSON', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-error-run-'));
  const db = join(dir, 'runs.db');
  // The sample target answers a wrong password with 401: the setup step, and the run, fail before any load.
  writeFileSync(
    join(dir, 's.yaml'),
    `
name: setup-fails
requests: [{ name: health, path: /health }]
setup: [{ name: login, method: POST, path: /api/auth/login, json: { username: nobody, password: wrong }, expect: [200] }]
scenarios: [{ name: s, executor: shared-iterations, vus: 1, iterations: 5 }]
`,
  );
  const start = await runCli(bins.controller, [
    ...['start', '--scenario', join(dir, 's.yaml'), '--target', target.url],
    ...['--local-agents', '1', '--db', db, '--quiet'],
  ]);
  assert.equal(start.code, 1, start.stderr);
  assert.match(start.stderr, REASON);

  const runs = await runCli(bins.controller, ['runs', '--db', db]);
  assert.equal(runs.code, 0, runs.stderr);
  const line = runs.stdout.split('\n').find((l) => l.includes('setup-fails'));
  assert.ok(line !== undefined, runs.stdout);
  assert.match(line, /^\S+ {2}\S+ {2}error +– {2}setup-fails {2}CTRL_SETUP_FAILED: setup step login failed: HTTP 401$/);
  const id = line.split(' ')[0]!;

  const md = await runCli(bins.controller, ['report', id, '--db', db]);
  assert.equal(md.code, 0, md.stderr);
  assert.equal(md.stderr, '');
  const lead = md.stdout.indexOf('## ❌ The run ended in error');
  assert.ok(lead > 0 && lead < md.stdout.indexOf('## What Was Recorded'), md.stdout);
  assert.match(md.stdout, /^> CTRL_SETUP_FAILED: setup step login failed: HTTP 401$/m);
  assert.match(md.stdout, /^No request was recorded\.$/m);
  const junit = await runCli(bins.controller, ['report', id, '--db', db, '--format', 'junit']);
  assert.equal(junit.code, 0, junit.stderr);
  assert.match(
    junit.stdout,
    /<testcase classname="barrage\.setup-fails" name="run"[^>]*>\s*<error type="error" message="run error: CTRL_SETUP_FAILED: setup step login failed: HTTP 401">/,
  );
  assert.match(junit.stdout, /errors="1"/);

  const serve = startCli(bins.controller, ['serve', '--port', '0', '--db', db]);
  t.after(() => serve.kill());
  const api = (await serve.waitForStderr(/API (http:\/\/\S+)/))[1]!;
  const res = await fetch(`${api}/runs/${id}/summary`);
  assert.equal(res.status, 200);
  const s = (await res.json()) as Summary;
  assert.equal(s.run.status, 'error');
  assert.match(s.run.error ?? '', REASON);
  assert.equal(s.totals.requests, 0);
  assert.deepEqual(s.thresholds, []);
  const html = await fetch(`${api}/runs/${id}/report.html`);
  assert.equal(html.status, 200);
  assert.match(await html.text(), /The run ended in error[\s\S]*CTRL_SETUP_FAILED: setup step login failed: HTTP 401/);
});
