// Starts the sample target as a child process on a free port and resolves once
// it prints its URL; used by the demo script and by tests. Stopped by PID. An
// optional command prefix (say `ip netns exec NS`) runs it elsewhere.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { StatsJson } from './stats.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

export interface SpawnedTarget {
  url: string;
  /** The target's own count of what it answered (GET /__stats). */
  stats(): Promise<StatsJson>;
  /** Stops it; resolves with its final count (undefined if it had already gone). */
  stop(): Promise<StatsJson | undefined>;
}

export interface SpawnTargetOptions {
  /**
   * Run the target under this command, e.g. `['ip', 'netns', 'exec', NS]`: it is
   * given node's path and the target's arguments, and must exec node in place
   * (keep the PID), since stop() signals that PID.
   */
  command?: string[];
  /** How long issued tokens are accepted, as the CLI's --token-ttl takes it (`2s`, `500ms`, `1h`). */
  tokenTtl?: string;
}

export async function spawnTarget(args: string[] = [], opts: SpawnTargetOptions = {}): Promise<SpawnedTarget> {
  const ttl = opts.tokenTtl === undefined ? [] : ['--token-ttl', opts.tokenTtl];
  const argv = [...(opts.command ?? []), process.execPath, CLI, '--port', '0', ...ttl, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(buf);
      if (m) {
        child.stdout.off('data', onData);
        child.off('exit', onExit);
        resolve(m[1]!);
      }
    };
    const onExit = (code: number | null) =>
      reject(new Error(`sample target exited (${code}) before listening: ${buf}`));
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
  return {
    url,
    async stats() {
      return (await (await fetch(`${url}/__stats`)).json()) as StatsJson;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.kill('SIGTERM');
      await once(child, 'exit');
      const m = /sample-target final stats (\{.*\})/.exec(out);
      return m ? (JSON.parse(m[1]!) as StatsJson) : undefined;
    },
  };
}
