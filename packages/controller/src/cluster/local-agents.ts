// Spawns agent processes on this host (--local-agents N). They get the token
// through the environment (argv is readable by every user), the controller's
// certificate as their --ca when it speaks TLS, exit by themselves after one
// run, and are killed by PID if they outstay the controller. Each runs in its
// own process group, so a terminal's Ctrl-C reaches only the controller, which
// stops the run (and so the agents) once: one message, not one per process.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { ControllerErrors } from '../errors.ts';

/**
 * The agent program, found as a shell finds it: the `agent` binary npm links into the nearest
 * node_modules/.bin above this file. The controller runs the agent as a process and never
 * imports its code.
 */
function agentProgram(): string {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    const bin = join(dir, 'node_modules', '.bin', 'agent');
    if (existsSync(bin)) return bin;
    if (dirname(dir) === dir)
      throw new ControllerErrors.INTERNAL(
        'no agent program in any node_modules/.bin above the controller (run npm ci)',
      );
  }
}

export class LocalAgents {
  readonly children: ChildProcess[] = [];

  /** `caFile`: with a wss:// `controllerUrl`, the PEM file the agents verify the controller with. */
  /** `log`: where the agents' log lines go (default: this process's stderr), e.g. above a progress frame. */
  constructor(
    count: number,
    controllerUrl: string,
    token: string,
    logLevel: string,
    caFile?: string,
    workers?: string,
    log?: (line: string) => void,
  ) {
    const ca = caFile === undefined ? [] : ['--ca', caFile];
    const threads = workers === undefined ? [] : ['--workers', workers];
    const program = count > 0 ? agentProgram() : '';
    for (let i = 1; i <= count; i++) {
      const child = spawn(
        process.execPath,
        [program, '--controller', controllerUrl, ...ca, ...threads, '--name', `local-${i}`, '--once'],
        {
          env: { ...process.env, BARRAGE_TOKEN: token, BARRAGE_LOG_LEVEL: logLevel },
          detached: true,
          stdio: ['ignore', 'ignore', log === undefined ? 'inherit' : 'pipe'],
        },
      );
      if (log !== undefined && child.stderr !== null)
        createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => log(`${line}\n`));
      this.children.push(child);
    }
  }

  /** Immediate SIGTERM to every agent still running (the controller is exiting now). */
  killAll(): void {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  }

  /** Waits for every agent to exit; SIGTERM then SIGKILL those still running after `graceMs`. */
  async stop(graceMs = 3_000): Promise<void> {
    const running = this.children.filter((c) => c.exitCode === null && c.signalCode === null);
    const exits = running.map((c) => new Promise<void>((resolve) => c.once('exit', () => resolve())));
    const term = setTimeout(() => running.forEach((c) => c.kill('SIGTERM')), graceMs);
    const kill = setTimeout(() => running.forEach((c) => c.kill('SIGKILL')), graceMs * 2);
    await Promise.all(exits);
    clearTimeout(term);
    clearTimeout(kill);
  }
}
