// Shared plumbing for the benches (no claim of its own): installing the peers
// when missing (Debian packages via apt-get as root, npm tools into a scratch
// directory, never into the project), a pinned nginx on loopback, CPU pinning
// with taskset, a barrage controller + one agent as separate processes, the
// medians, and the figures each bench hands to bench/run-all.ts.
import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
export const bins = {
  controller: fileURLToPath(new URL('packages/controller/src/cli/main.ts', root)),
  agent: fileURLToPath(new URL('packages/agent/src/cli.ts', root)),
};
export const benchDir = fileURLToPath(new URL('./', import.meta.url));

const isRoot = process.getuid?.() === 0;
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

/** Two CPUs or more: pin to `cpu` with taskset; otherwise run unpinned. */
export const canPin = has('taskset') && cpus().length >= 2;
export function pinned(cpu: number, cmd: string, args: string[]): [string, string[]] {
  return canPin ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args];
}
/** Pins this process (every thread) to `cpu`. */
export function pinSelf(cpu: number): void {
  if (canPin) spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
}

export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  s.close();
  await once(s, 'close');
  return port;
}

export interface Nginx {
  url: string;
  pid: number;
  /** Requests nginx has handled so far (stub_status; each call to this counts one itself). */
  handled(): Promise<number>;
  stop(): Promise<void>;
}

/** nginx on 127.0.0.1 with its own config in a temp dir: one worker, `return 200 "ok"`, no access log, pinned to `cpu`. */
export async function startNginx(opts: { cpu?: number; workerConnections?: number } = {}): Promise<Nginx> {
  if (!ensureApt('nginx')) throw new Error('nginx is needed');
  const dir = mkdtempSync(join(tmpdir(), 'barrage-bench-nginx-'));
  const port = await freePort();
  const conns = opts.workerConnections ?? 4096;
  writeFileSync(
    join(dir, 'nginx.conf'),
    `
${isRoot ? 'user root;' : ''}
worker_processes 1;
worker_rlimit_nofile ${conns * 2 + 100};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${conns}; multi_accept on; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / { return 200 "ok"; }
    location = /__status { stub_status; }
  }
}
`,
  );
  const [cmd, args] = pinned(opts.cpu ?? 0, 'nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null)
      throw new Error(`nginx exited ${child.exitCode}: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    try {
      if ((await fetch(url)).status === 200) break;
    } catch {
      /* not yet */
    }
    if (i > 100) {
      child.kill('SIGKILL');
      throw new Error('nginx did not answer');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    pid: child.pid!,
    async handled() {
      const text = await (await fetch(`${url}/__status`)).text();
      return Number(/\n\s*\d+\s+\d+\s+(\d+)/.exec(text)?.[1]);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGQUIT'); // master: graceful shutdown of itself and its worker
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    },
  };
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

export interface BarrageRun {
  /** The agent process (pinned as asked), for RSS sampling; resolves `connected` once the controller sees it. */
  agent: ChildProcess;
  connected: Promise<unknown>;
  /** Resolves with the controller's exit code, its stdout (the table) and the summary JSON. */
  done: Promise<{ code: number | null; stdout: string; stderr: string; summary: Summary | undefined }>;
  kill(): void;
}

export interface Summary {
  run: {
    status: string;
    activeWindowMs: number;
    notes: string[];
    agents: Array<{ cpuCores?: number; eventLoopP99Ms?: number; requests: number }>;
  };
  totals: {
    requests: number;
    ok: number;
    failed: number;
    dropped: number;
    rps: number;
    latencyMs: { p50: number; p99: number };
  };
}

/**
 * A controller (`--agents 1 --local-agents 0`, pinned to `controllerCpu`) and one
 * agent process pinned to `agentCpu`, as separate processes, so each sits on its
 * own core. Killed by PID after `limitMs`.
 */
export async function barrageRun(
  scenarioYaml: string,
  opts: { agentCpu: number; controllerCpu: number; limitMs: number; agentNodeArgs?: string[] },
): Promise<BarrageRun> {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-bench-run-'));
  const scenario = join(dir, 'scenario.yaml');
  const out = join(dir, 'summary.json');
  writeFileSync(scenario, scenarioYaml);
  const token = `bench-${process.pid}-${Date.now()}`;
  const [ccmd, cargs] = pinned(opts.controllerCpu, process.execPath, [
    bins.controller,
    'start',
    '--scenario',
    scenario,
    '--agents',
    '1',
    '--local-agents',
    '0',
    '--port',
    '0',
    '--token',
    token,
    '--out',
    out,
    '--db',
    join(dir, 'runs.db'),
  ]);
  const controller = spawn(ccmd, cargs, { stdio: ['ignore', 'pipe', 'pipe'] });
  const cout = collect(controller.stdout!);
  const cerr = collect(controller.stderr!);
  let agent: ChildProcess | undefined;
  const timer = setTimeout(() => {
    controller.kill('SIGKILL');
    agent?.kill('SIGKILL');
  }, opts.limitMs);
  const controllerExit = once(controller, 'exit');
  const url = await Promise.race([
    cerr.wait(/agent --controller (ws:\/\/\S+)\n/),
    controllerExit.then(() => {
      throw new Error(`controller exited early: ${cerr.text()}`);
    }),
  ]);
  const connected = cerr.wait(/agent\(s\) connected/);
  const [acmd, aargs] = pinned(opts.agentCpu, process.execPath, [
    ...(opts.agentNodeArgs ?? []),
    bins.agent,
    '--controller',
    url[1]!,
    '--once',
    '--log-level',
    'warn',
  ]);
  agent = spawn(acmd, aargs, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, BARRAGE_TOKEN: token } });
  const agentExit = once(agent, 'exit');
  const done = (async () => {
    const [code] = (await controllerExit) as [number | null];
    await agentExit;
    clearTimeout(timer);
    let summary: Summary | undefined;
    try {
      summary = JSON.parse(readFileSync(out, 'utf8')) as Summary;
    } catch {
      /* none */
    }
    return { code, stdout: cout.text(), stderr: cerr.text(), summary };
  })();
  const child = agent;
  return {
    agent: child,
    connected,
    done,
    kill: () => {
      controller.kill('SIGKILL');
      child.kill('SIGKILL');
    },
  };
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a';

/** One row of bench/RESULTS.md's summary table. `met` undefined: no goal. */
export interface Figure {
  claim: string;
  barrage: string;
  peer: string;
  ratio: string;
  goal: string;
  met?: boolean;
}

/** Hands figures to bench/run-all.ts (BENCH_FIGURES: a JSON-lines file); a no-op when run alone. */
export function reportFigures(bench: string, figures: Figure[]): void {
  const file = process.env.BENCH_FIGURES;
  if (file) for (const f of figures) appendFileSync(file, `${JSON.stringify({ bench, ...f })}\n`);
}

/** The machine, for the header of RESULTS.md and each bench's output. */
export function machine(): { nproc: number; cpu: string; memGiB: string; node: string; kernel: string } {
  let cpu = cpus()[0]?.model ?? '?';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    /* not Linux */
  }
  return {
    nproc: cpus().length,
    cpu,
    memGiB: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    kernel: toolVersion('uname', ['-r']),
  };
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
