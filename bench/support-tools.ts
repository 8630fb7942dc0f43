// The peers a bench measures barrage against, made available when missing:
// Debian packages through apt-get (as root only), npm tools into a scratch
// directory outside the project (never into it); and the version line a tool
// prints, for each bench's header and bench/RESULTS.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const isRoot = process.getuid?.() === 0;
export const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

let aptUpdated = false;
/** Makes `bin` available, installing Debian's `pkg` with apt-get when root. Returns false when it stays missing. */
export function ensureApt(bin: string, pkg = bin): boolean {
  if (has(bin)) return true;
  if (!isRoot || !has('apt-get')) {
    process.stderr.write(`${bin} not found and not root: apt-get install ${pkg} to measure it\n`);
    return false;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    process.stderr.write('apt-get update\n');
    spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 300_000 });
    aptUpdated = true;
  }
  process.stderr.write(`apt-get install ${pkg}\n`);
  spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
    timeout: 600_000,
  });
  return has(bin);
}

/** Scratch directory for npm-installed peers: outside the project, kept between runs. */
export const toolsDir = join(tmpdir(), 'barrage-bench-tools');

/** autocannon's CLI script, installed into toolsDir when missing; undefined when it cannot be. */
export function ensureAutocannon(): string | undefined {
  const cli = join(toolsDir, 'node_modules', 'autocannon', 'autocannon.js');
  if (existsSync(cli)) return cli;
  mkdirSync(toolsDir, { recursive: true });
  if (!existsSync(join(toolsDir, 'package.json')))
    writeFileSync(join(toolsDir, 'package.json'), '{ "name": "barrage-bench-tools", "private": true }\n');
  process.stderr.write(`npm install autocannon into ${toolsDir}\n`);
  spawnSync('npm', ['install', '--prefix', toolsDir, '--no-audit', '--no-fund', 'autocannon@8'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 300_000,
  });
  return existsSync(cli) ? cli : undefined;
}

export function toolVersion(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return (
    `${r.stdout ?? ''}${r.stderr ?? ''}`
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '?'
  );
}
