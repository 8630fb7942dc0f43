// The processes a bench measures: pinned to a CPU with taskset (when there are
// two or more), their output kept so a line is never missed, spawned with a
// hard time bound, and their CPU time and peak RSS read from /proc (Linux).
import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { has, toolVersion } from './support-tools.ts';

/** Two CPUs or more: pin to `cpu` with taskset; otherwise run unpinned. */
export const canPin = has('taskset') && cpus().length >= 2;
export function pinned(cpu: number, cmd: string, args: string[]): [string, string[]] {
  return canPin ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args];
}
/** Pins this process (every thread) to `cpu`. */
export function pinSelf(cpu: number): void {
  if (canPin) spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
}

/** Everything a stream says, kept, so waiting for a line never misses one that came earlier. */
export function collect(stream: NodeJS.ReadableStream): {
  text: () => string;
  wait: (re: RegExp) => Promise<RegExpExecArray>;
} {
  let buf = '';
  const waiters: Array<[RegExp, (m: RegExpExecArray) => void]> = [];
  stream.on('data', (d: Buffer) => {
    buf += d.toString();
    for (const w of [...waiters]) {
      const m = w[0].exec(buf);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w[1](m);
      }
    }
  });
  return {
    text: () => buf,
    wait: (re) =>
      new Promise((resolve) => {
        const m = re.exec(buf);
        if (m) resolve(m);
        else waiters.push([re, resolve]);
      }),
  };
}

/** Spawns and kills by PID after `ms` (a bound on every load loop), resolving with exit code and output. */
export async function runBounded(
  cmd: string,
  args: string[],
  ms: number,
  opts: SpawnOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string; child: ChildProcess }> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr, child };
}

const CLK_TCK = Number(toolVersion('getconf', ['CLK_TCK'])) || 100;

/** CPU seconds (user + system, all threads) a live process has used, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime: fields 14 and 15
}

/**
 * Watches a process every `everyMs` until it exits: its peak RSS and the CPU it used
 * since the baseline (its start, or `baseline()`), as last seen before it exited.
 */
export function watchProcess(
  pid: number,
  exited: Promise<unknown>,
  everyMs = 50,
): { baseline(): void; result: Promise<{ peakRss: number; cpuS: number }> } {
  let peak = 0;
  let first = NaN;
  let last = NaN;
  const read = () => {
    try {
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (rss) peak = Math.max(peak, Number(rss[1]) * 1024);
      last = cpuSeconds(pid);
      if (Number.isNaN(first)) first = last;
    } catch {
      /* gone */
    }
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    baseline() {
      try {
        first = cpuSeconds(pid);
      } catch {
        /* gone */
      }
    },
    result: exited.then(() => {
      clearInterval(timer);
      return { peakRss: peak, cpuS: last - first };
    }),
  };
}
