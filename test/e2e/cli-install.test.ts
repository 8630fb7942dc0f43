// The `barrage` package installed as a user outside the repository would:
// `npm run pack:barrage` packs the tarball, `npm install -g --prefix` puts it in
// a scratch prefix (npm on the PATH as the machine has it, not the repository's
// Node 24), and from a scratch directory `barrage --version` answers and a tiny
// run (a scenario file there, judged on answers only, never on this machine's
// speed) against the installed sample target passes and is stored in the
// per-user store ($XDG_DATA_HOME/barrage/barrage.db). Needs the npm registry for the
// `node` package (Node 24), which npm caches after the first time.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

test('barrage installs from its packed tarball and runs outside the repository', { timeout: 300_000 }, async () => {
  const scratch = mkdtempSync(join(tmpdir(), 'barrage-install-'));
  const prefix = join(scratch, 'prefix');
  const home = join(scratch, 'home');
  const work = join(scratch, 'work');
  // The PATH a user has: without the repository's node_modules/.bin (its Node 24 and bins).
  const userPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => !d.startsWith(root))
    .join(delimiter);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(prefix, 'bin')}${delimiter}${userPath}`,
    XDG_DATA_HOME: join(home, 'data'),
  };
  for (const k of Object.keys(env)) if (k.startsWith('BARRAGE_') || k.startsWith('npm_')) delete env[k];
  let target: ReturnType<typeof spawn> | undefined;
  try {
    await run('npm', ['run', '--silent', 'pack:barrage', '--', scratch], { cwd: root, env, timeout: 120_000 });
    const tarball = readdirSync(scratch).find((f) => /^barrage-.*\.tgz$/.test(f));
    assert.ok(tarball, `no tarball in ${readdirSync(scratch)}`);
    await run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', join(scratch, tarball)], {
      cwd: scratch,
      env,
      timeout: 180_000,
    });
    mkdirSync(work);
    writeFileSync(
      join(work, 'tiny.yaml'),
      [
        'name: tiny',
        'requests: [{ name: health, path: /health, expect: [200] }]',
        'thresholds: ["rate(ok)==1"]',
        'scenarios: [{ name: tiny, executor: shared-iterations, vus: 5, iterations: 20, maxDuration: 30s }]',
        '',
      ].join('\n'),
    );

    const version = await run('barrage', ['--version'], { cwd: work, env });
    assert.match(version.stdout, /^barrage \d+\.\d+\.\d+\ncontroller \d+\.\d+\.\d+ \(agent .*protocol v\d+\)\n$/);

    target = spawn('barrage', ['sample-target', '--port', '0'], {
      cwd: work,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let said = '';
    target.stdout!.on('data', (d: Buffer) => {
      said += d.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      target!.stdout!.on('data', () => {
        const m = /listening on (http:\/\/\S+)/.exec(said);
        if (m) resolve(m[1]!);
      });
      target!.once('exit', (code) => reject(new Error(`sample-target exited ${code}: ${said}`)));
    });
    const started = await run(
      'barrage',
      ['controller', 'start', '--scenario', 'tiny.yaml', '--local-agents', '1', '--target', url, '--quiet'],
      { cwd: work, env, timeout: 90_000 },
    );
    assert.match(started.stdout, /tiny · passed ·/);
    assert.ok(existsSync(join(home, 'data', 'barrage', 'barrage.db')), 'the run is in the per-user store');
    const runs = await run('barrage', ['controller', 'runs'], { cwd: work, env });
    assert.match(runs.stdout, /passed\s+20\s+tiny/);
  } finally {
    if (target?.exitCode === null) {
      target.kill('SIGTERM');
      await once(target, 'exit');
    }
    rmSync(scratch, { recursive: true, force: true });
  }
});
