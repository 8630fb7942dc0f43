// Shared plumbing for the benches (no claim of its own), the one module they
// import: a pinned nginx on loopback and a barrage controller + one agent as
// separate processes, here; installing the peers (support-tools.ts), pinning
// and watching processes (support-processes.ts), and the medians and figures
// each bench hands to bench/run-all.ts (support-figures.ts), re-exported.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collect, pinned } from './support-processes.ts';
import { ensureApt, isRoot } from './support-tools.ts';

export { type Figure, fmt, machine, median, reportFigures } from './support-figures.ts';
export { canPin, collect, cpuSeconds, pinned, pinSelf, runBounded, watchProcess } from './support-processes.ts';
export { ensureApt, ensureAutocannon, has, toolsDir, toolVersion } from './support-tools.ts';

const root = new URL('../', import.meta.url);
export const bins = {
  controller: fileURLToPath(new URL('packages/controller/src/cli/main.ts', root)),
  agent: fileURLToPath(new URL('packages/agent/src/cli.ts', root)),
};
export const benchDir = fileURLToPath(new URL('./', import.meta.url));

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
