// `controller start` as a user runs it, locally and through `--controller`:
// --set supplies an ${env:} value (and never shows it: not in the output, the
// reports or the store's bytes), --report repeats and a directory gets every
// format named after the run, the run's dashboard URL is printed, and without
// --db the run lands in the per-user store ($XDG_DATA_HOME/barrage/barrage.db).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bins, runCli, startTarget } from '../helpers/processes.ts';
import { serveWithAgents } from '../helpers/serve-cluster.ts';

const SECRET = 'h4-s3cr3t-value-93f1c2';

function scratch(): { dir: string; scenario: string } {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-cli-comfort-'));
  const scenario = join(dir, 'comfort.yaml');
  writeFileSync(
    scenario,
    [
      'name: comfort',
      'requests:',
      '  - { name: health, path: /health, expect: [200], headers: { x-api-key: "${env:COMFORT_KEY}" } }',
      'thresholds: ["rate(ok)==1"]',
      'scenarios: [{ name: c, executor: shared-iterations, vus: 2, iterations: 10, maxDuration: 30s }]',
      '',
    ].join('\n'),
  );
  return { dir, scenario };
}

function assertReports(dir: string, runId: string, extra: string[]): void {
  for (const ext of ['.md', '.html', '.json', '.junit.xml']) {
    const file = join(dir, 'reports', `${runId}${ext}`);
    assert.ok(existsSync(file), `${file} written`);
    assert.ok(!readFileSync(file, 'latin1').includes(SECRET), `${file} holds no secret`);
  }
  for (const f of extra) assert.ok(existsSync(join(dir, f)), `${f} written`);
}

test('start: --set, repeated --report and a report directory, the dashboard URL, the per-user store', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const { dir, scenario } = scratch();
  const data = join(dir, 'data');
  const env = { BARRAGE_DB: '', XDG_DATA_HOME: data, COMFORT_KEY: '' };
  const args = ['start', '--scenario', scenario, '--target', target.url, '--quiet'];

  const unset = await runCli(bins.controller, args, { env });
  assert.equal(unset.code, 1, unset.stderr);
  assert.match(unset.stderr, /SCENARIO_ENV_MISSING.*COMFORT_KEY/);

  const reports = ['--report', `${dir}/reports/`, '--report', join(dir, 'r.md'), '--report', join(dir, 'r.html')];
  const done = await runCli(bins.controller, [...args, '--set', `COMFORT_KEY=${SECRET}`, ...reports], { env });
  assert.equal(done.code, 0, done.stderr);
  const m = /^run (\S+): \S+ · dashboard (http:\/\/127\.0\.0\.1:\d+\/runs\/(\S+)) /m.exec(done.stderr);
  assert.ok(m, done.stderr);
  assert.equal(m[3], m[1], 'the dashboard URL is the run’s');
  assertReports(dir, m[1]!, ['r.md', 'r.html']);
  const store = join(data, 'barrage', 'barrage.db');
  assert.ok(existsSync(store), 'the run is in $XDG_DATA_HOME/barrage/barrage.db');
  for (const text of [done.stdout, done.stderr, readFileSync(store, 'latin1')]) assert.ok(!text.includes(SECRET));
  const runs = await runCli(bins.controller, ['runs'], { env });
  assert.match(runs.stdout, new RegExp(`^${m[1]}\\s.*comfort`, 'm'));
});

test('start --controller: --set travels with the run, reports and the dashboard URL as locally', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const cluster = await serveWithAgents(t, { token: 'comfort-token', agents: ['a1'] });
  const { dir, scenario } = scratch();
  const done = await runCli(
    bins.controller,
    [
      'start',
      '--controller',
      cluster.origin,
      '--scenario',
      scenario,
      '--target',
      target.url,
      '--set',
      `COMFORT_KEY=${SECRET}`,
      '--report',
      `${dir}/reports/`,
      '--quiet',
    ],
    { env: { BARRAGE_TOKEN: 'comfort-token', COMFORT_KEY: '' } },
  );
  assert.equal(done.code, 0, done.stderr);
  const m = /^run (\S+): (\S+) · dashboard (\S+)$/m.exec(done.stderr);
  assert.ok(m, done.stderr);
  assert.equal(m[2], `${cluster.api}/runs/${m[1]}`);
  assert.equal(m[3], `${cluster.origin}/runs/${m[1]}`);
  assertReports(dir, m[1]!, []);
  assert.ok(!(done.stdout + done.stderr + cluster.serve.stderr).includes(SECRET));
});
