// Real processes for cross-package tests: the sample target and the controller
// CLI, started on port 0 and stopped by PID. Nothing here sleeps to wait: each
// helper resolves on a line the process prints or on its exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTarget } from '@barrage/sample-target';

const root = new URL('../../', import.meta.url);
export const bins = {
  controller: fileURLToPath(new URL('packages/controller/src/cli/main.ts', root)),
  agent: fileURLToPath(new URL('packages/agent/src/cli.ts', root)),
};

/** Runs the tests record go to a scratch store, not to the working directory's .barrage/. */
const scratchDb = { BARRAGE_DB: join(mkdtempSync(join(tmpdir(), 'barrage-test-db-')), 'runs.db') };

/** The sample target on a free port (see @barrage/sample-target's spawnTarget). */
export const startTarget = spawnTarget;

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a CLI to completion with a hard time limit (the child is killed by PID past it). */
export async function runCli(
  bin: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Finished> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv(opts.env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A CLI's environment for tests: the caller's, the scratch run store, then `env`. */
export function cliEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...scratchDb, ...env };
}

/** Starts a long-running CLI; its stderr is collected so tests can wait for a message. */
export function startCli(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): StartedCli {
  return watchCli(spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv(env) }));
}

export interface StartedCli {
  child: ChildProcess;
  readonly stderr: string;
  readonly stdout: string;
  exited: Promise<number | null>;
  /** Resolves when stderr matches `re` (already or later); rejects if the process exits first. */
  waitForStderr(re: RegExp): Promise<RegExpExecArray>;
  kill(): void;
}

/** Collects the output of a CLI started elsewhere (say in a network namespace); it needs piped stdout and stderr. */
export function watchCli(child: ChildProcess): StartedCli {
  if (child.stdout === null || child.stderr === null) throw new Error('watchCli needs piped stdout and stderr');
  let stderr = '';
  let stdout = '';
  const waiters: Array<{ re: RegExp; resolve: (m: RegExpExecArray) => void }> = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = w.re.exec(stderr);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    check();
  });
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    child,
    get stderr() {
      return stderr;
    },
    get stdout() {
      return stdout;
    },
    exited,
    waitForStderr(re: RegExp): Promise<RegExpExecArray> {
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        check();
        void exited.then((code) => reject(new Error(`exited ${code} before ${re}:\n${stderr}`)));
      });
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
