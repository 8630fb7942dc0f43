// The controller's command line as a user sees it, pinned byte-for-byte against
// a golden file: every --help text, the errors of bad flags and bad input with
// their exit codes, and the commands that read a stored run (runs, report).
// Only runs that end before any agent is needed are here; e2e tests cover the rest.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RunStore } from '../src/store/run-store.ts';
import { GOLDEN_RUN, goldenStoreFile, matchesGolden } from './golden.ts';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

/** The environment without anything that changes a default (BARRAGE_*) or the output's look. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('BARRAGE_') && !['FORCE_COLOR', 'NO_COLOR', 'COLUMNS', 'TERM', 'NODE_OPTIONS'].includes(k),
    ),
  );
  return { ...env, TERM: 'dumb' };
}

async function run(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [main, ...args], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

test('controller: help texts, flag and input errors, stored-run commands', { timeout: 600_000 }, async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'barrage-cli-golden-'));
  const db = goldenStoreFile();
  const missingDb = join(cwd, 'missing', 'runs.db');
  // A store whose only run ended without a summary.
  const unfinished = join(cwd, 'unfinished.db');
  const store = new RunStore(unfinished);
  store.createRun({
    id: 'half',
    scenario: 'broken',
    scenarioSource: { name: 'broken' },
    target: undefined,
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
  });
  store.failRun('half', 'setup step login failed', new Date('2026-01-01T00:00:01.000Z'));
  store.close();
  const cases: string[][] = [
    [],
    ['--help'],
    ['-h'],
    ['help'],
    ['--version'],
    ['bogus'],
    ['start', '--bogus'],
    ['help', 'start'],
    ['start', '--help'],
    ['serve', '--help'],
    ['runs', '--help'],
    ['report', '--help'],
    ['scenarios', '--help'],
    ['scenarios'],
    ['start'],
    ['start', '--scenario'],
    ['start', '--scenario', 'health-100', '--agents', '-1'],
    ['start', '--scenario', 'health-100', '--api-rate', '0'],
    ['start', '--scenario', 'health-100', '--agent-workers', '0'],
    ['start', '--scenario', 'health-100', '--wait', 'soon'],
    ['start', '--scenario', 'health-100', '--max-duration', '5 parsecs'],
    ['start', '--scenario', 'no-such-scenario', '--db', join(cwd, 'a.db')],
    ['start', '--scenario', join(cwd, 'nowhere.yaml'), '--db', join(cwd, 'a.db')],
    ['start', '--scenario', 'health-100', '--ca', 'ca.pem', '--db', join(cwd, 'a.db')],
    ['start', '--scenario', 'health-100', '--local-agents', '0', '--db', join(cwd, 'a.db')],
    ['start', '--scenario', 'health-100', '--target', 'ftp://x', '--db', join(cwd, 'a.db')],
    ['start', '--scenario', 'health-100', '--report', 'out.txt', '--db', join(cwd, 'a.db')],
    ['start', '--scenario', 'health-100', '--max-vus', '10', '--db', join(cwd, 'a.db')],
    ['start', '--scenario', 'health-100', '--allow-target', 'example.com', '--db', join(cwd, 'a.db')],
    ['start', '--scenario', 'health-100', '--allow-target', '10.0.0.0/99', '--db', join(cwd, 'a.db')],
    [
      'start',
      '--scenario',
      'health-100',
      '--tls-cert',
      join(cwd, 'cert.pem'),
      '--tls-key',
      join(cwd, 'key.pem'),
      '--db',
      join(cwd, 'a.db'),
    ],
    ['start', '--scenario', 'health-100', '--controller', 'http://127.0.0.1:1'],
    ['start', '--scenario', 'health-100', '--controller', 'http://127.0.0.1:1', '--ca', 'ca.pem'],
    ['start', '--scenario', 'health-100', '--controller', 'http://127.0.0.1:1', '--report', 'out.txt'],
    ['serve', '--port', 'x'],
    ['serve', '--tls-cert', join(cwd, 'cert.pem'), '--db', join(cwd, 'b.db')],
    ['runs', '--db', missingDb],
    ['runs', '--limit', '0', '--db', db],
    ['runs', '--db', db],
    ['runs', '--limit', '1', '--db', db],
    ['report', '--db', db],
    ['report', 'no-such-run', '--db', db],
    ['report', GOLDEN_RUN, '--db', missingDb],
    ['report', GOLDEN_RUN, '--format', 'pdf', '--db', db],
    ['report', GOLDEN_RUN, '--db', db],
    ['report', GOLDEN_RUN, '--format', 'md', '--db', db],
    ['report', GOLDEN_RUN, '--format', 'json', '--db', db],
    ['report', GOLDEN_RUN, '--format', 'junit', '--db', db],
    ['report', GOLDEN_RUN, '--format', 'html', '--db', db],
    ['report', GOLDEN_RUN, '--format', 'junit', '--out', join(cwd, 'junit.xml'), '--db', db],
    ['runs', '--db', unfinished],
    ['report', 'half', '--db', unfinished],
  ];
  const results: Array<Awaited<ReturnType<typeof run>>> = [];
  // A few at a time: each is a Node process.
  for (let i = 0; i < cases.length; i += 6)
    results.push(...(await Promise.all(cases.slice(i, i + 6).map((a) => run(a, cwd)))));
  const hide = (s: string) => s.split(cwd).join('<tmp>').split(db).join('<golden.db>');
  const out = cases.map((args, i) => {
    const r = results[i]!;
    const big = (s: string) =>
      s.length > 20_000 ? `<${s.length} chars, sha256 ${createHash('sha256').update(s).digest('hex')}>` : hide(s);
    return `$ controller ${args.map(hide).join(' ')}\n[exit ${r.code}]\n--- stdout\n${big(r.stdout)}--- stderr\n${big(r.stderr)}`;
  });
  matchesGolden('cli.txt', out.join('\n=====\n'));
});
