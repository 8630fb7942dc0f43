// Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group.
// Whether the controller runs through `npx controller` (npm, a shell, then the
// bin), as `barrage controller` (a launcher, then the bin) or as the bin itself, the run stops once, prints its summary as
// aborted, and the command exits 1 as docs/cli.md says; the local agents, in
// their own process group, hear nothing of it and log nothing about it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bins, cliEnv, startTarget, watchCli } from '../helpers/processes.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

const ways = {
  npx: ['npx', 'controller'],
  bin: [process.execPath, bins.controller],
  barrage: [process.execPath, join(root, 'packages', 'cli', 'src', 'barrage.mjs'), 'controller'],
} as const;

for (const [way, command] of Object.entries(ways)) {
  test(`Ctrl-C through ${way}: one stop, the summary as aborted, exit 1`, { timeout: 120_000 }, async () => {
    const target = await startTarget();
    const [file, ...pre] = command;
    const child = spawn(
      file,
      [...pre, 'start', '--scenario', 'stress-100', '--local-agents', '1', '--target', target.url],
      {
        cwd: root,
        // Its own process group, as a job a shell starts in the foreground.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: cliEnv({ PATH: `${join(root, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`, TERM: 'dumb' }),
      },
    );
    const cli = watchCli(child);
    const group = child.pid!;
    const hardStop = setTimeout(() => process.kill(-group, 'SIGKILL'), 100_000);
    try {
      // A progress line: the run is firing.
      await cli.waitForStderr(/^\[\s*\d+s\]/m);
      process.kill(-group, 'SIGINT');
      const code = await cli.exited;
      assert.equal(code, 1, `exit code\n${cli.stderr}`);
      assert.equal(cli.stderr.match(/^stopping:/gm)?.length, 1, cli.stderr);
      assert.match(cli.stdout, /· aborted ·/);
      // The agents were stopped by the controller, not by the signal.
      assert.doesNotMatch(cli.stderr + cli.stdout, /SIGINT/);
    } finally {
      clearTimeout(hardStop);
      cli.kill();
      await target.stop();
    }
  });
}
