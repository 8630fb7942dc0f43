// The one way tests start a long-lived cluster: `controller serve` on port 0
// with a scratch store, N agent processes dialling it, resolved once the API
// lists every agent as connected. Everything started here is stopped by PID
// when the test ends (agents first, so they leave while the controller answers).
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { bins, cliEnv, type StartedCli, startCli } from './processes.ts';

export interface ServeCluster {
  /** The API base, http://127.0.0.1:PORT/api/v1, and its origin. */
  api: string;
  origin: string;
  /** What agents dial: ws://127.0.0.1:PORT. */
  ws: string;
  serve: StartedCli;
  agents: ChildProcess[];
}

export interface ServeClusterOptions {
  token: string;
  /** Agent names, in order (each agent's --name). */
  agents: readonly string[];
  /** The store file (default: a fresh one in a scratch directory). */
  db?: string;
}

/** `controller serve` on port 0 with its store at `db`; resolves once it listens. Killed by the caller (or `t`). */
export async function startServe(
  token: string,
  db: string,
): Promise<{ serve: StartedCli; api: string; origin: string; ws: string }> {
  const serve = startCli(bins.controller, ['serve', '--port', '0', '--db', db], { BARRAGE_TOKEN: token });
  const m = await serve.waitForStderr(/API (http:\/\/\S+) · agents: agent --controller (ws:\/\/\S+)/);
  return { serve, api: m[1]!, origin: new URL(m[1]!).origin, ws: m[2]! };
}

/** Agent processes dialling `ws`, one per name, logging warnings and worse to this stderr. */
export function startAgents(ws: string, token: string, names: readonly string[]): ChildProcess[] {
  return names.map((name) =>
    spawn(process.execPath, [bins.agent, '--controller', ws, '--name', name, '--log-level', 'warn'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: cliEnv({ BARRAGE_TOKEN: token }),
    }),
  );
}

/** Polls the API (an HTTP condition, bounded by the test's timeout) until `n` agents are connected. */
export async function untilAgents(api: string, n: number): Promise<void> {
  while (((await (await fetch(`${api}/agents`)).json()) as unknown[]).length < n)
    await new Promise((r) => setTimeout(r, 50));
}

/** Starts serve and the agents; resolves when every agent is connected. Stopped when `t` ends, agents first. */
export async function serveWithAgents(t: TestContext, o: ServeClusterOptions): Promise<ServeCluster> {
  const started = await startServe(o.token, o.db ?? join(mkdtempSync(join(tmpdir(), 'barrage-serve-')), 'runs.db'));
  const agents = startAgents(started.ws, o.token, o.agents);
  t.after(async () => {
    await Promise.all(agents.map(stopProcess));
    started.serve.kill();
  });
  await untilAgents(started.api, o.agents.length);
  return { ...started, agents };
}

/** SIGTERM (an agent leaves gracefully), SIGKILL if it is still there after 10 s; resolves on its exit. */
export async function stopProcess(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = once(c, 'exit');
  c.kill('SIGTERM');
  const kill = setTimeout(() => c.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(kill);
}
