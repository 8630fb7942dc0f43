// The target of bench/worker-scaling.ts: nginx on a host of its own (a network
// namespace), on that host's address, so the agent's requests cross the
// namespaces' veths as they would cross a network; one worker pinned to a CPU,
// the Debian static page, stub_status for its own request count, and the CPU
// its master and worker use, read from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Network } from '../../test/helpers/netns.ts';
import { canPin, cpuSeconds } from '../support.ts';

export interface Nginx {
  url: string;
  pid: number;
  handled(): Promise<number>;
  cpuS(): number;
  stop(): Promise<void>;
}

/** nginx in the target namespace on its own address: one worker pinned to `cpu`, the Debian static page at /, stub_status, no access log. */
export async function startNginxIn(net: Network, host: string, cpu: number): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-bench-nginx-'));
  mkdirSync(join(dir, 'html'));
  const page = '/usr/share/nginx/html/index.html';
  if (existsSync(page)) copyFileSync(page, join(dir, 'html', 'index.html'));
  else
    writeFileSync(
      join(dir, 'html', 'index.html'),
      `<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1>${'<p>barrage bench page</p>'.repeat(20)}</body></html>\n`,
    );
  const ip = net.ip(host);
  const port = 8080;
  const conns = 4096;
  writeFileSync(
    join(dir, 'nginx.conf'),
    `
user root;
worker_processes 1;
worker_rlimit_nofile ${conns * 2 + 100};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${conns}; multi_accept on; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  open_file_cache max=16 inactive=60s;
  default_type text/html;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen ${ip}:${port} backlog=4096;
    root ${dir}/html;
    location / { index index.html; }
    location = /__status { stub_status; }
  }
}
`,
  );
  const pin = canPin ? ['taskset', '-c', String(cpu)] : [];
  // ip netns exec and taskset exec: the child's PID is nginx's master.
  const child: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', net.ns(host), ...pin, 'nginx', '-p', dir, '-c', join(dir, 'nginx.conf')],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const url = `http://${ip}:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGQUIT'); // master: graceful shutdown of itself and its worker
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null)
      throw new Error(`nginx exited ${child.exitCode}: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    try {
      if ((await fetch(`${url}/`)).status === 200) break;
    } catch {
      /* not yet */
    }
    if (i > 100) {
      await stop();
      throw new Error('nginx did not answer');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    stop,
    async handled() {
      const text = await (await fetch(`${url}/__status`)).text();
      return Number(/\n\s*\d+\s+\d+\s+(\d+)/.exec(text)?.[1]);
    },
    /** CPU seconds of the master and its worker(s). */
    cpuS() {
      let kids: number[] = [];
      try {
        kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
          .trim()
          .split(/\s+/)
          .filter((x) => x !== '')
          .map(Number);
      } catch {
        /* gone */
      }
      return [pid, ...kids].reduce((a, p) => {
        try {
          return a + cpuSeconds(p);
        } catch {
          return a;
        }
      }, 0);
    },
  };
}
