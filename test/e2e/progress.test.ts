// `controller start` progress on stderr: redrawn in place under a real pseudo-terminal
// (util-linux script(1)), one plain line per update when stderr is a pipe, and none
// with --quiet. Each run is 3 s of 2 VUs on the sample target's /health.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bins, cliEnv, type Finished, runCli, startTarget } from '../helpers/processes.ts';
import { serveWithAgents } from '../helpers/serve-cluster.ts';

const hasScript = spawnSync('sh', ['-c', 'command -v script'], { stdio: 'ignore' }).status === 0;
const ESC = '\x1b';

let target: Awaited<ReturnType<typeof startTarget>>;
let args: string[];

before(async () => {
  target = await startTarget();
  const file = join(mkdtempSync(join(tmpdir(), 'barrage-progress-')), 'progress.yaml');
  writeFileSync(
    file,
    `
name: progress-3s
requests:
  - { name: health, path: /health }
scenarios:
  - { name: steady, executor: constant-vus, vus: 2, duration: 3s }
`,
  );
  args = ['start', '--scenario', file, '--target', target.url, '--local-agents', '1'];
});
after(() => target?.stop());

/** Runs `controller start ...` on a pseudo-terminal; what the terminal received (stdout and stderr together). */
async function onTerminal(argv: string[]): Promise<Finished> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, bins.controller, ...argv].map(quote).join(' ');
  // -q no banner, -f flush as it comes, -e the command's exit code, -c the command; no typescript file.
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: cliEnv({ TERM: 'xterm' }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

test('on a TTY the progress frame is redrawn in place, and the last one stays above the summary', {
  skip: hasScript ? false : 'util-linux script(1) is not installed',
}, async () => {
  const r = await onTerminal(args);
  const out = r.stdout;
  assert.equal(r.code, 0, out + r.stderr);
  const frame =
    /(\d+)s elapsed · (\d+s left|finishing) · agents 1\/1\r?\nresp [\d.,]+\/s · p95 ([\d.]+ ms|–) · reqs [\d,]+ · ok [\d.]+% · 429 0 · failed 0/g;
  const frames = [...out.matchAll(frame)];
  assert.ok(frames.length >= 2, `at least two frames:\n${JSON.stringify(out)}`);
  // Later frames erase the earlier one (erase line, cursor up) rather than scrolling.
  const redraw = out.slice(frames[0]!.index, frames.at(-1)!.index);
  assert.ok(redraw.includes(`${ESC}[2K`) && redraw.includes(`${ESC}[1A`), JSON.stringify(redraw));
  assert.doesNotMatch(out, /\[\s+\d+s\] reqs/, 'no plain lines on a TTY');
  assert.ok(
    out.indexOf('barrage · progress-3s · passed') > frames.at(-1)!.index,
    'the summary comes after the last frame',
  );
  assert.ok(out.lastIndexOf(`${ESC}[?25h`) > out.lastIndexOf(`${ESC}[?25l`), 'the cursor is shown again');
});

test('without a TTY each update is a plain line, free of escape sequences', async () => {
  const r = await runCli(bins.controller, args);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.match(/^\[\s+\d+s\] reqs [1-9][\d,]* .* agents 1\/1  (\d+s left|finishing)$/gm) ?? [];
  assert.ok(lines.length >= 1, r.stderr);
  assert.ok(!r.stderr.includes(ESC), JSON.stringify(r.stderr));
  assert.match(r.stdout, /barrage · progress-3s · passed/);
});

test('--quiet prints no progress; the messages and the summary still print', async () => {
  const r = await runCli(bins.controller, [...args, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /reqs|elapsed/);
  assert.match(r.stderr, /1 agent\(s\) connected/);
  assert.match(r.stdout, /barrage · progress-3s · passed/);
});

test("start --controller URL shows the same progress, read from the run's event stream", async (t) => {
  const token = 'progress-remote-token';
  const { origin: api } = await serveWithAgents(t, { token, agents: ['remote-1'] });
  const r = await runCli(bins.controller, [
    'start',
    '--controller',
    api,
    '--scenario',
    args[2]!,
    '--target',
    target.url,
    '--token',
    token,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.match(/^\[\s+\d+s\] reqs [1-9][\d,]* .* agents 1\/1  (\d+s left|finishing)$/gm) ?? [];
  assert.ok(lines.length >= 1, r.stderr);
  assert.match(r.stdout, /barrage · progress-3s · passed/);
  const q = await runCli(bins.controller, [
    'start',
    '--controller',
    api,
    '--scenario',
    args[2]!,
    '--target',
    target.url,
    '--token',
    token,
    '--quiet',
  ]);
  assert.equal(q.code, 0, q.stderr);
  assert.doesNotMatch(q.stderr, /reqs|elapsed/);
});
