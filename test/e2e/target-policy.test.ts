// The controller's target allowlist and hard caps on the command line: a
// scenario aimed where it may not go, or asking for more than the caps, is
// refused with a coded error before any agent starts, and the target sees nothing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bins, runCli, startTarget } from '../helpers/processes.ts';

const start = (args: string[]) =>
  runCli(bins.controller, ['start', '--scenario', 'health-100', '--local-agents', '1', ...args], { timeoutMs: 60_000 });

test('refused before anything starts: metadata addresses, targets outside --allow-target, scenarios over --max-vus / --max-duration', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const metadata = await start(['--target', 'http://169.254.169.254']);
  assert.equal(metadata.code, 1);
  assert.match(
    metadata.stderr,
    /error CTRL_TARGET_NOT_ALLOWED: target not allowed: 169\.254\.169\.254 resolves to 169\.254\.169\.254, a link-local or cloud metadata address/,
  );
  const outside = await start([
    '--target',
    target.url,
    '--allow-target',
    'api.example.com',
    '--allow-target',
    '*.internal.example',
  ]);
  assert.equal(outside.code, 1);
  assert.match(
    outside.stderr,
    /error CTRL_TARGET_NOT_ALLOWED: target not allowed: 127\.0\.0\.1 is not in the target allowlist/,
  );
  const vus = await start(['--target', target.url, '--max-vus', '50']);
  assert.match(
    vus.stderr,
    /error CTRL_OVER_LIMIT: the scenario asks for 100 VUs, over this controller's limit \(--max-vus 50\)/,
  );
  const long = await start(['--target', target.url, '--max-duration', '10s']);
  assert.match(long.stderr, /error CTRL_OVER_LIMIT: the scenario asks for 30 s of load/);
  const bad = await start(['--target', target.url, '--allow-target', 'not a pattern']);
  assert.match(bad.stderr, /error CTRL_BAD_ARGUMENT: --allow-target: target pattern not a pattern/);
  assert.equal((await target.stats()).total, 0, 'the target saw nothing');
});

test('a target inside the allowlist runs as usual', async (t) => {
  const target = await startTarget();
  t.after(() => target.stop());
  const ok = await start([
    '--target',
    target.url,
    '--allow-target',
    '127.0.0.0/8',
    '--max-vus',
    '100',
    '--max-duration',
    '1m',
  ]);
  assert.equal(ok.code === 0 || ok.code === 99, true, ok.stderr);
  assert.equal((await target.stats()).total, 100);
});
