// Claim: a 2-worker agent fires >= 1.8x a 1-worker agent (`agent --workers 2`
// vs `--workers 1`) against a target on another host. Hosts are network
// namespaces (test/helpers/netns.ts): nginx (one worker, pinned to CPU 0,
// serving its static page, no access log) on host `target`; the controller and
// the agent on host `load`. Scenario: constant-vus, the same VUs for both, GET
// /, SECONDS long. Two ways, in alternating rounds (1 worker, 2 workers, ...):
//   1. direct: no CPU limit. This machine has 2 cores, shared by nginx, the
//      agent and the kernel's network path, so 2 workers cannot double: the
//      ratio is the 2-core ceiling, informational.
//   2. budget: the agent process (all its threads) in a cgroup v1 cpu cgroup
//      with a CFS quota of workers x Q cores (Q = BENCH_CORE_PER_WORKER, 0.5),
//      so 1 worker gets Q and 2 workers 2Q, both small enough that nginx (on
//      CPU 0) and the controller have room beside them: serving the static
//      page over the namespaces' veths costs nginx ~0.6 core per core of agent
//      work here, so 2 x 0.5 + ~0.6 leaves ~0.4 of the 2 cores idle. The agent
//      may run on both CPUs. The claim is judged here: req/s at 2Q / req/s at
//      Q >= 1.8. The cgroup's cpu.stat shows the quota was what bound
//      (periods throttled: near 100 % when the agent wants more than its quota).
// `--workers 1` is the agent as before (its main thread fires); `--workers 2`
// fires from two worker threads, the main thread merging their reports, so
// the 2-worker agent carries that cost inside the same budget.
// Both ways report requests per CPU-second of the agent (from /proc, every
// thread, from the moment it is connected), and, over the load window, the
// cores the agent, nginx and the controller used and what the rest of the
// machine used beside them (another session's load: such runs are flagged
// as disturbed). Every run's request count (the
// summary's) is checked against nginx's own (stub_status), and the
// controller's per-interval progress lines are checked for intervals in which
// the merged count did not grow (a merged report missing). Medians over the
// rounds, the ratio of the medians and the median of each round's ratio.
// Needs root (network namespaces; cgroups for part 2: skipped with the reason
// when unavailable). Installs nginx with apt-get when missing.
// usage: npm run bench:workers   (BENCH_SECONDS=10 BENCH_ROUNDS=3 BENCH_VUS=50
// BENCH_CORE_PER_WORKER=0.5; BENCH_PARTS=budget runs only part 2)
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetwork, type Network, netnsUnavailable } from '../test/helpers/netns.ts';
import type { StartedCli } from '../test/helpers/processes.ts';
import {
  bins,
  canPin,
  cpuSeconds,
  ensureApt,
  type Figure,
  fmt,
  machine,
  median,
  reportFigures,
  type Summary,
  toolVersion,
  watchProcess,
} from './support.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const VUS = Number(process.env.BENCH_VUS ?? 50);
const Q = Number(process.env.BENCH_CORE_PER_WORKER ?? 0.5);
const PARTS = (process.env.BENCH_PARTS ?? 'direct,budget').split(',');
const LIMIT_MS = SECONDS * 1000 + 60_000; // every run is killed by PID past this
const NGINX_CPU = 0;
const GOAL = 1.8;
const PERIOD_US = 100_000;
const CGROUP_CPU = '/sys/fs/cgroup/cpu';

const out = (s: string) => process.stdout.write(s);

// ---------------------------------------------------------------- preconditions

const why = netnsUnavailable();
if (why !== undefined) {
  out(`worker-scaling: skipped: ${why}\n`);
  process.exit(0);
}
const help = spawnSync(process.execPath, [bins.agent, '--help'], { encoding: 'utf8', timeout: 30_000 });
if (!/--workers\b/.test(help.stdout ?? '')) {
  out('worker-scaling: the agent has no --workers flag (agent --help does not list it): nothing to measure\n');
  process.exit(1);
}
if (!ensureApt('nginx')) throw new Error('nginx is needed');

// ---------------------------------------------------------------- cgroup v1 cpu budget

interface CpuStat {
  periods: number;
  throttled: number;
  throttledS: number;
}
interface Budget {
  dir: string;
  set(cores: number): void;
  add(pid: number): void;
  stat(): CpuStat;
  remove(): Promise<void>;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const procsOf = (dir: string) =>
  readFileSync(join(dir, 'cgroup.procs'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map(Number);

/** Removes the cgroups of earlier runs of this bench whose process is gone (killed past run-all's limit), when empty. */
function removeStaleCgroups(): void {
  for (const d of readdirSync(CGROUP_CPU)) {
    const m = /^barrage-bench-(\d+)$/.exec(d);
    if (m === null || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    try {
      if (procsOf(join(CGROUP_CPU, d)).length === 0) rmdirSync(join(CGROUP_CPU, d));
    } catch {
      /* leave it */
    }
  }
}

/** A cgroup of its own under cgroup v1's cpu controller, or why there cannot be one. */
function createBudget(): Budget | string {
  if (process.platform !== 'linux') return `cgroups need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'cgroup cpu limits need root';
  if (!existsSync(join(CGROUP_CPU, 'cpu.cfs_quota_us')))
    return `no cgroup v1 cpu controller with CFS quotas at ${CGROUP_CPU} (cpu.cfs_quota_us missing)`;
  const dir = join(CGROUP_CPU, `barrage-bench-${process.pid}`);
  try {
    removeStaleCgroups();
    mkdirSync(dir);
  } catch (e) {
    return `cannot create ${dir}: ${(e as Error).message}`;
  }
  const write = (file: string, v: string) => writeFileSync(join(dir, file), `${v}\n`);
  try {
    write('cpu.cfs_period_us', String(PERIOD_US));
  } catch (e) {
    try {
      rmdirSync(dir);
    } catch {
      /* keep the first error */
    }
    return `cannot set ${dir}/cpu.cfs_period_us: ${(e as Error).message}`;
  }
  return {
    dir,
    set(cores) {
      write('cpu.cfs_quota_us', String(Math.round(cores * PERIOD_US)));
    },
    add(pid) {
      write('cgroup.procs', String(pid)); // the whole thread group, and every thread and child it makes later
      const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
        .split('\n')
        .find((l) => /^\d+:cpu(,[^:]*)?:/.test(l));
      if (!line?.endsWith(`/barrage-bench-${process.pid}`)) throw new Error(`pid ${pid} is not in ${dir}: ${line}`);
    },
    stat() {
      const t = readFileSync(join(dir, 'cpu.stat'), 'utf8');
      const n = (k: string) => Number(new RegExp(`^${k} (\\d+)`, 'm').exec(t)?.[1]);
      return { periods: n('nr_periods'), throttled: n('nr_throttled'), throttledS: n('throttled_time') / 1e9 };
    },
    async remove() {
      // Only processes this bench put here: they have exited or are killed by PID.
      for (let i = 0; i < 500; i++) {
        const left = procsOf(dir);
        if (left.length === 0) break;
        if (i === 100)
          for (const pid of left) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              /* gone */
            }
          }
        await new Promise((r) => setTimeout(r, 10));
      }
      rmdirSync(dir);
    },
  };
}

// ---------------------------------------------------------------- nginx on its own host

interface Nginx {
  url: string;
  pid: number;
  handled(): Promise<number>;
  cpuS(): number;
  stop(): Promise<void>;
}

/** nginx in the target namespace on its own address: one worker pinned to `cpu`, the Debian static page at /, stub_status, no access log. */
async function startNginxIn(net: Network, host: string, cpu: number): Promise<Nginx> {
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

// ---------------------------------------------------------------- one run

/** The whole machine's CPU ticks from /proc/stat: busy (user, nice, system, irq, softirq) and all (steal left out of both). */
function machineTicks(): { busy: number; all: number } {
  const f = (/^cpu\s+(.*)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? '').split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0] = f;
  const busy = user + nice + system + irq + softirq;
  return { busy, all: busy + idle + iowait };
}

type Part = 'direct' | 'budget';
interface Sample {
  part: Part;
  workers: number;
  round: number;
  budgetCores?: number;
  rps: number;
  requests: number;
  served: number;
  cpuS: number;
  windowS: number;
  agentWindowCores: number;
  nginxCores: number;
  controllerCores: number;
  machineCores: number;
  agentCores?: number;
  throttled?: CpuStat;
  intervals: number;
  stalls: number;
  note: string;
}
interface Tick {
  at: number;
  agentS: number;
  nginxS: number;
  controllerS: number;
  machine: { busy: number; all: number };
  cg?: CpuStat;
}
interface Failure {
  part: Part;
  workers: number;
  round: number;
  error: string;
}

const dir = mkdtempSync(join(tmpdir(), 'barrage-bench-workers-'));
const scenarioFile = join(dir, 'scenario.yaml');
writeFileSync(
  scenarioFile,
  `
name: worker-scaling
requests: [{ name: page, path: / }]
scenarios: [{ name: closed, executor: constant-vus, vus: ${VUS}, duration: ${SECONDS}s, gracefulStop: 5s }]
`,
);
let runNo = 0;
/** Processes of the run going on, killed by PID on failure or a signal. */
const live = new Set<StartedCli>();

async function runOnce(
  net: Network,
  nginx: Nginx,
  part: Part,
  workers: number,
  round: number,
  budget: Budget | undefined,
): Promise<Sample> {
  const n = ++runNo;
  const token = randomBytes(16).toString('hex');
  const summaryFile = join(dir, `summary-${n}.json`);
  const before = await nginx.handled();
  const { cli: ctl, agentUrl } = await net.startController(
    'load',
    [
      'start',
      '--scenario',
      scenarioFile,
      '--target',
      nginx.url,
      '--out',
      summaryFile,
      '--db',
      join(dir, 'runs.db'),
      '--log-level',
      'warn',
    ],
    { token, agents: 1 },
  );
  live.add(ctl);
  const budgetCores = part === 'budget' ? workers * Q : undefined;
  if (budget && budgetCores !== undefined) budget.set(budgetCores);
  const agent = net.startCli(
    'load',
    bins.agent,
    [
      '--controller',
      agentUrl,
      '--name',
      `workers-${workers}`,
      '--once',
      '--log-level',
      'warn',
      '--workers',
      String(workers),
    ],
    { BARRAGE_TOKEN: token },
  );
  live.add(agent);
  const timer = setTimeout(() => {
    ctl.kill();
    agent.kill();
  }, LIMIT_MS);
  try {
    const pid = agent.child.pid!;
    if (budget && budgetCores !== undefined) budget.add(pid); // before it connects: it is idle until then
    const w = watchProcess(pid, agent.exited);
    await Promise.race([
      ctl.waitForStderr(/agent\(s\) connected/),
      agent.exited.then((c) => {
        throw new Error(`agent exited ${c} before it connected:\n${agent.stderr.slice(-3000)}`);
      }),
    ]);
    w.baseline();
    // Every 100 ms until the agent exits: CPU of the agent, nginx, the machine, and the cgroup's throttling.
    const ticks: Tick[] = [];
    let threads = 0;
    const tick = () => {
      let agentS = NaN;
      try {
        agentS = cpuSeconds(pid);
        threads = Math.max(
          threads,
          Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0),
        );
      } catch {
        /* gone */
      }
      let controllerS = NaN;
      try {
        controllerS = cpuSeconds(ctl.child.pid!);
      } catch {
        /* gone */
      }
      ticks.push({
        at: Date.now(),
        agentS,
        nginxS: nginx.cpuS(),
        controllerS,
        machine: machineTicks(),
        cg: budget && budgetCores !== undefined ? budget.stat() : undefined,
      });
    };
    tick();
    const sampler = setInterval(tick, 100);
    const { cpuS } = await w.result;
    clearInterval(sampler);
    const [code, agentCode] = await Promise.all([ctl.exited, agent.exited]);
    const served = (await nginx.handled()) - before - 1; // less the status call itself
    let summary: Summary | undefined;
    try {
      summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary;
    } catch {
      /* none */
    }
    if (!summary)
      throw new Error(
        `no summary (controller exit ${code}, agent exit ${agentCode}):\n${ctl.stderr.slice(-2000)}\nagent: ${agent.stderr.slice(-2000)}`,
      );
    const t = summary.totals;
    const a = summary.run.agents[0] as
      | (Summary['run']['agents'][number] & { workers?: number; eventLoopUtilization?: number })
      | undefined;
    const windowS = summary.run.activeWindowMs / 1000;
    // The load window (the summary's, on this machine's clock: the namespaces share it), widened to the nearest samples.
    const start = Date.parse((summary.run as { startedAt?: string }).startedAt ?? '');
    const valid = ticks.filter((x) => Number.isFinite(x.agentS) && Number.isFinite(x.controllerS));
    const t0 = valid.findLast((x) => x.at <= start) ?? valid[0]!;
    const t1 = valid.find((x) => x.at >= start + summary!.run.activeWindowMs) ?? valid[valid.length - 1]!;
    const spanS = (t1.at - t0.at) / 1000;
    // The controller prints the merged totals just after each interval: during the load each must grow.
    const counts = [...ctl.stderr.matchAll(/\] reqs (\d+) /g)].map((m) => Number(m[1]));
    const loadLines = counts.slice(0, Math.max(0, Math.floor(windowS) - 1));
    const stalls = loadLines.filter((c, i) => c <= (i === 0 ? 0 : loadLines[i - 1]!)).length;
    const notes: string[] = [summary.run.status, `${threads} threads`];
    if (code !== 0) notes.push(`controller exit ${code}`);
    if (agentCode !== 0) notes.push(`agent exit ${agentCode}`);
    if (t.failed > 0 || t.dropped > 0 || t.ok !== t.requests)
      notes.push(`${t.ok} ok, ${t.failed} failed, ${t.dropped} dropped`);
    if (served !== t.requests)
      notes.push(
        `COUNT MISMATCH: nginx served ${fmt(served)}, summary ${fmt(t.requests)} (${fmt(served - t.requests)})`,
      );
    else notes.push('nginx count = summary');
    if (a && a.requests !== t.requests) notes.push(`agent row ${fmt(a.requests)} != total`);
    if (a?.workers !== undefined && a.workers !== workers)
      notes.push(`WORKERS MISMATCH: the summary says ${a.workers}`);
    if (counts.length === 0) notes.push('no progress lines from the controller: merged intervals not checked');
    if (stalls > 0) notes.push(`${stalls} of ${loadLines.length} interval(s) with no growth in the merged count`);
    if (a?.cpuCores !== undefined)
      notes.push(
        `agent says ${a.workers ?? '?'} worker(s), ${a.cpuCores.toFixed(2)} cores, loop p99 ${a.eventLoopP99Ms?.toFixed(1)} ms${a.eventLoopUtilization !== undefined ? `, ELU ${a.eventLoopUtilization.toFixed(2)}` : ''} (worst interval)`,
      );
    for (const x of summary.run.notes) notes.push(x);
    return {
      part,
      workers,
      round,
      budgetCores,
      rps: t.rps,
      requests: t.requests,
      served,
      cpuS,
      windowS,
      agentWindowCores: (t1.agentS - t0.agentS) / spanS,
      nginxCores: (t1.nginxS - t0.nginxS) / spanS,
      agentCores: a?.cpuCores,
      controllerCores: (t1.controllerS - t0.controllerS) / spanS,
      machineCores: ((t1.machine.busy - t0.machine.busy) / Math.max(1, t1.machine.all - t0.machine.all)) * m.nproc,
      throttled:
        t0.cg && t1.cg
          ? {
              periods: t1.cg.periods - t0.cg.periods,
              throttled: t1.cg.throttled - t0.cg.throttled,
              throttledS: t1.cg.throttledS - t0.cg.throttledS,
            }
          : undefined,
      intervals: counts.length,
      stalls,
      note: notes.join('; '),
    };
  } finally {
    clearTimeout(timer);
    ctl.kill();
    agent.kill();
    await Promise.all([ctl.exited, agent.exited]);
    live.delete(ctl);
    live.delete(agent);
  }
}

// ---------------------------------------------------------------- the rounds

/** Cores busy in the load window beyond this run's agent, nginx and controller: other load on the machine (and kernel threads). */
const other = (s: Sample) => s.machineCores - s.agentWindowCores - s.nginxCores - s.controllerCores;
/** Other load above this (cores) marks a run as disturbed: an idle machine shows ~0.02. */
const DISTURBED = 0.15;

const m = machine();
out(
  `worker-scaling: agent --workers 1 vs --workers 2; nginx ${toolVersion('nginx', ['-v']).replace(/^nginx version: /, '')} (1 worker${canPin ? `, CPU ${NGINX_CPU}` : ', NOT pinned'}) on host target, controller + agent on host load (network namespaces); constant-vus ${VUS} VUs, ${SECONDS} s, ${ROUNDS} alternating rounds; ${m.nproc} x ${m.cpu}, node ${m.node}\n`,
);

let budget: Budget | undefined;
let budgetWhy: string | undefined;
const samples: Sample[] = [];
const failures: Failure[] = [];
let net: Network | undefined;
let nginx: Nginx | undefined;
let cleaned: Promise<void> | undefined;
let stopping = false;
const cleanup = () =>
  (cleaned ??= (async () => {
    for (const c of live) c.kill();
    await Promise.all([...live].map((c) => c.exited));
    try {
      await nginx?.stop();
    } catch (e) {
      process.stderr.write(`nginx stop: ${(e as Error).message}\n`);
    }
    try {
      await net?.destroy();
    } catch (e) {
      process.stderr.write(`network destroy: ${(e as Error).message}\n`);
    }
    try {
      await budget?.remove();
    } catch (e) {
      process.stderr.write(`cgroup remove: ${(e as Error).message}\n`);
    }
  })());
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    stopping = true;
    out(`\n${sig}: stopping\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

const t0 = performance.now();
try {
  net = await createNetwork(['target', 'load']);
  if (PARTS.includes('budget')) {
    const b = createBudget();
    if (typeof b === 'string') budgetWhy = b;
    else budget = b;
  } else budgetWhy = 'not asked (BENCH_PARTS)';
  if (budget)
    out(
      `budget: cgroup ${budget.dir}, cpu.cfs_period_us ${PERIOD_US}, quota = workers x ${Q} core; the agent may run on all ${m.nproc} CPUs\n`,
    );
  else out(`budget (part 2): skipped: ${budgetWhy}\n`);
  nginx = await startNginxIn(net, 'target', NGINX_CPU);
  out(`target ${nginx.url}/ (${fmt((await (await fetch(`${nginx.url}/`)).arrayBuffer()).byteLength)}-byte page)\n`);
  const parts: Part[] = [
    ...(PARTS.includes('direct') ? ['direct' as const] : []),
    ...(budget ? ['budget' as const] : []),
  ];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const part of parts) {
      for (const workers of [1, 2]) {
        if (stopping) break;
        const label =
          `${part === 'direct' ? 'direct' : `budget ${fmt(workers * Q, 1)} core${workers * Q === 1 ? '' : 's'}`}`.padEnd(
            18,
          );
        try {
          const s = await runOnce(net, nginx, part, workers, round, budget);
          samples.push(s);
          const th = s.throttled ? `  throttled ${s.throttled.throttled}/${s.throttled.periods} periods` : '';
          out(
            `  round ${round}  ${label} ${workers} worker${workers === 1 ? ' ' : 's'} ${fmt(s.rps).padStart(8)} req/s  ${fmt(s.requests / s.cpuS).padStart(8)} req/CPU-s  agent ${s.agentWindowCores.toFixed(2)}  nginx ${s.nginxCores.toFixed(2)}  controller ${s.controllerCores.toFixed(2)}  other ${other(s).toFixed(2)} cores${th}  (${other(s) > DISTURBED ? 'DISTURBED by other load; ' : ''}${s.note})\n`,
          );
        } catch (e) {
          if (stopping) break;
          failures.push({ part, workers, round, error: (e as Error).message });
          out(
            `  round ${round}  ${label} ${workers} worker${workers === 1 ? ' ' : 's'} FAILED: ${(e as Error).message.split('\n').slice(0, 12).join('\n    ')}\n`,
          );
        }
        await new Promise((r) => setTimeout(r, 1000)); // let TIME_WAIT and the target settle
      }
    }
  }
} finally {
  await cleanup();
}

// ---------------------------------------------------------------- results

const runs = (part: Part, workers: number) => samples.filter((s) => s.part === part && s.workers === workers);
const medRps = (part: Part, workers: number) => median(runs(part, workers).map((s) => s.rps));
const medPerCpu = (part: Part, workers: number) => median(runs(part, workers).map((s) => s.requests / s.cpuS));
/** The median over rounds of the 2-worker figure over the 1-worker one in the same round. */
const roundRatio = (part: Part, f: (s: Sample) => number) =>
  median(
    runs(part, 2).map((b) => {
      const a = runs(part, 1).find((x) => x.round === b.round);
      return a ? f(b) / f(a) : NaN;
    }),
  );

out(
  `\nway     workers  CPU budget    median req/s   runs (req/s)                     req/CPU-s   agent cores   nginx cores   other load   throttled periods\n`,
);
for (const part of ['direct', 'budget'] as const) {
  for (const workers of [1, 2]) {
    const s = runs(part, workers);
    if (s.length === 0) continue;
    const th =
      part === 'budget'
        ? `${fmt(median(s.map((x) => (100 * x.throttled!.throttled) / Math.max(1, x.throttled!.periods))))} %`
        : '-';
    out(
      `${part.padEnd(7)} ${String(workers).padStart(7)}  ${(part === 'budget' ? `${fmt(workers * Q, 1)} cores` : 'none').padEnd(12)}  ${fmt(medRps(part, workers)).padStart(12)}   ${s
        .map((x) => fmt(x.rps))
        .join(', ')
        .padEnd(31)}  ${fmt(medPerCpu(part, workers)).padStart(9)}   ${median(s.map((x) => x.agentWindowCores))
        .toFixed(2)
        .padStart(11)}   ${median(s.map((x) => x.nginxCores))
        .toFixed(2)
        .padStart(11)}   ${median(s.map(other)).toFixed(2).padStart(10)}   ${th.padStart(17)}\n`,
    );
  }
}
out(
  `(req/CPU-s: requests over the agent's CPU-seconds, all threads, from connected to exit; during the load window (sampled every 100 ms): agent cores, nginx cores (master + worker), other load (cores of the ${m.nproc} busy beyond the agent, nginx and the controller: other processes and kernel threads; over ~0.1 the run was disturbed), and the share of CFS periods the cgroup was throttled in)\n`,
);

const figures: Figure[] = [];
/** Said next to a ratio when some of its runs had other load beside them. */
const disturbedNote = (part: Part) => {
  const k = samples.filter((s) => s.part === part && other(s) > DISTURBED).length;
  return k > 0 ? `; ${k} of ${samples.filter((s) => s.part === part).length} runs disturbed by other load` : '';
};
const rps = (s: Sample) => s.rps;
const perCpu = (s: Sample) => s.requests / s.cpuS;
if (runs('direct', 1).length > 0 && runs('direct', 2).length > 0) {
  const r = medRps('direct', 2) / medRps('direct', 1);
  out(
    `direct, 2-core ceiling: 2 workers / 1 worker = ${r.toFixed(2)} req/s (round median ${roundRatio('direct', rps).toFixed(2)}), ${(medPerCpu('direct', 2) / medPerCpu('direct', 1)).toFixed(2)} per CPU-second; informational: nginx, the controller and the kernel's network path share the same ${m.nproc} cores\n`,
  );
  figures.push({
    claim: `2-worker vs 1-worker agent, no CPU limit (${m.nproc}-core ceiling: nginx shares the cores; ${VUS} VUs, ${SECONDS} s, median of ${ROUNDS} alternating rounds)`,
    barrage: fmt(medRps('direct', 2)),
    peer: `${fmt(medRps('direct', 1))} (1 worker)`,
    ratio: `${r.toFixed(2)} (round median ${roundRatio('direct', rps).toFixed(2)}${disturbedNote('direct')})`,
    goal: '(none: machine ceiling)',
  });
  figures.push({
    claim: 'agent requests per CPU-second, 2 workers vs 1, no CPU limit',
    barrage: fmt(medPerCpu('direct', 2)),
    peer: `${fmt(medPerCpu('direct', 1))} (1 worker)`,
    ratio: (medPerCpu('direct', 2) / medPerCpu('direct', 1)).toFixed(2),
    goal: '(none: efficiency)',
  });
}
if (runs('budget', 1).length > 0 && runs('budget', 2).length > 0) {
  const r = medRps('budget', 2) / medRps('budget', 1);
  const c = medPerCpu('budget', 2) / medPerCpu('budget', 1);
  out(
    `budget: 2 workers at ${fmt(2 * Q, 1)} cores / 1 worker at ${fmt(Q, 1)} core = ${r.toFixed(2)} req/s (round median ${roundRatio('budget', rps).toFixed(2)}); goal >= ${GOAL}: ${r >= GOAL ? 'met' : 'NOT met'}; per CPU-second ${c.toFixed(2)} (round median ${roundRatio('budget', perCpu).toFixed(2)})\n`,
  );
  for (const w of [1, 2]) {
    const share = median(runs('budget', w).map((x) => x.throttled!.throttled / Math.max(1, x.throttled!.periods)));
    if (share < 0.5)
      out(
        `  note: the ${w}-worker agent was throttled in only ${fmt(100 * share)} % of periods: its quota (${fmt(w * Q, 1)} cores) was not what bound it, something else was (the target, the machine, or the agent itself)\n`,
      );
  }
  figures.push({
    claim: `2-worker agent at ${fmt(2 * Q, 1)} cores vs 1-worker at ${fmt(Q, 1)} core (cgroup cpu quota; nginx on another netns host; ${VUS} VUs, ${SECONDS} s, median of ${ROUNDS} alternating rounds)`,
    barrage: fmt(medRps('budget', 2)),
    peer: `${fmt(medRps('budget', 1))} (1 worker)`,
    ratio: `${r.toFixed(2)} (round median ${roundRatio('budget', rps).toFixed(2)}${disturbedNote('budget')})`,
    goal: `>= ${GOAL}`,
    met: r >= GOAL,
  });
  figures.push({
    claim: 'agent requests per CPU-second, 2 workers vs 1 (the cgroup runs)',
    barrage: fmt(medPerCpu('budget', 2)),
    peer: `${fmt(medPerCpu('budget', 1))} (1 worker)`,
    ratio: c.toFixed(2),
    goal: '(none: efficiency)',
  });
} else {
  const reason = budgetWhy ?? 'runs failed';
  out(`budget: no ratio: ${reason}\n`);
  figures.push({
    claim: '2-worker agent at 2Q cores vs 1-worker at Q (cgroup cpu quota)',
    barrage: `not measured: ${reason}`,
    peer: '-',
    ratio: '-',
    goal: `>= ${GOAL}`,
  });
}
const mismatches = samples.filter((s) => s.served !== s.requests).length;
out(
  `request counts: ${samples.length - mismatches} of ${samples.length} runs match nginx's own count exactly${failures.length > 0 ? `; ${failures.length} run(s) FAILED` : ''}\n`,
);
const disturbed = samples.filter((s) => other(s) > DISTURBED).length;
if (disturbed > 0)
  out(
    `other load: ${disturbed} of ${samples.length} runs had over ${DISTURBED} core busy beyond the agent, nginx and the controller (another session on the machine): their figures are less reliable; rerun on a quiet machine\n`,
  );
out(`took ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
reportFigures('worker-scaling', figures);
if (failures.length > 0) process.exitCode = 1;
