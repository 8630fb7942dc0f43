// The CLI's refusals: a bad scenario exits 1 naming every bad field; a wrong
// agent token is refused while the controller keeps serving the right agent.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bins, runCli, startCli, startTarget } from '../helpers/processes.ts';

test('a bad scenario exits 1 and names each bad field by path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-cli-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    `
name: bad
baseUrl: http://127.0.0.1:1
requests:
  - { name: a, method: FETCH, path: /x, bogus: 1 }
scenarios:
  - { name: s, executor: constant-vus, vus: 0, duration: 1s }
`,
  );
  const r = await runCli(bins.controller, ['start', '--scenario', file, '--local-agents', '1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /SCENARIO_INVALID/);
  assert.match(r.stderr, /\/requests\/0\/method: "FETCH" is not one of GET, HEAD, POST/);
  assert.match(r.stderr, /\/requests\/0\/bogus: unknown property/);
  assert.match(r.stderr, /\/scenarios\/0\/vus: must be >= 1/);
});

test('an unknown scenario name exits 1 listing the built-ins', async () => {
  const r = await runCli(bins.controller, ['start', '--scenario', 'no-such-thing', '--local-agents', '1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /SCENARIO_NOT_FOUND.*ratelimit-150.*stress-100/s);
});

test('a wrong agent token is refused and the controller keeps serving', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-cli-'));
  writeFileSync(
    join(dir, 'one.yaml'),
    `
name: one
requests: [{ name: health, path: /health }]
baseUrl: http://127.0.0.1:1
scenarios: [{ name: s, executor: shared-iterations, vus: 2, iterations: 20 }]
`,
  );
  const token = 'right-token-0123456789';
  const ctrl = startCli(bins.controller, [
    'start',
    '--scenario',
    join(dir, 'one.yaml'),
    '--target',
    target.url,
    '--agents',
    '1',
    '--port',
    '0',
    '--token',
    token,
    '--out',
    join(dir, 's.json'),
  ]);
  t.after(() => ctrl.kill());
  const [, url] = await ctrl.waitForStderr(/agent --controller (ws:\/\/\S+)/);
  const wrong = await runCli(bins.agent, ['--controller', url!, '--once'], { env: { BARRAGE_TOKEN: 'wrong-token' } });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /AGENT_UNAUTHORIZED/);
  await ctrl.waitForStderr(/CTRL_UNAUTHORIZED.*agent refused: missing or wrong token/);
  assert.doesNotMatch(ctrl.stderr, /wrong-token/, 'the presented token is never logged');
  const right = await runCli(bins.agent, ['--controller', url!, '--once', '--name', 'good'], {
    env: { BARRAGE_TOKEN: token },
  });
  assert.equal(right.code, 0, right.stderr);
  assert.equal(await ctrl.exited, 0, ctrl.stderr);
  assert.match(ctrl.stdout, /health\s+20\s/);
  assert.equal((await target.stats()).total, 20);
});

test('a scenario without baseUrl runs with --target, and without it says so', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const dir = mkdtempSync(join(tmpdir(), 'barrage-cli-'));
  const file = join(dir, 'nobase.yaml');
  writeFileSync(
    file,
    `
name: nobase
requests: [{ name: a, path: /health }]
scenarios: [{ name: s, executor: shared-iterations, vus: 1, iterations: 3 }]
`,
  );
  const without = await runCli(bins.controller, ['start', '--scenario', file, '--local-agents', '1']);
  assert.equal(without.code, 1);
  assert.match(without.stderr, /CTRL_BAD_ARGUMENT: .*no baseUrl: give --target URL/);
  const withTarget = await runCli(bins.controller, [
    'start',
    '--scenario',
    file,
    '--local-agents',
    '1',
    '--target',
    target.url,
  ]);
  assert.equal(withTarget.code, 0, withTarget.stderr);
  assert.equal((await target.stats()).total, 3);
});
