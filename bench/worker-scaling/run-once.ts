// One run of bench/worker-scaling.ts: a controller and an agent with N workers
// on host `load`, the agent put in the CPU budget when asked, sampled every
// 100 ms (its CPU, nginx's, the controller's, the whole machine's, the cgroup's
// throttling) until it exits; then its summary checked against nginx's own
// count and the controller's progress lines, into one Sample.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Network } from '../../test/helpers/netns.ts';
import type { StartedCli } from '../../test/helpers/processes.ts';
import { bins, cpuSeconds, fmt, type Summary, watchProcess } from '../support.ts';
import type { Budget, CpuStat } from './cgroup-budget.ts';
import { LIMIT_MS, Q, SECONDS, VUS } from './config.ts';
import type { Nginx } from './netns-nginx.ts';
import type { Part, Sample } from './samples.ts';

/** The whole machine's CPU ticks from /proc/stat: busy (user, nice, system, irq, softirq) and all (steal left out of both). */
function machineTicks(): { busy: number; all: number } {
  const f = (/^cpu\s+(.*)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? '').split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0] = f;
  const busy = user + nice + system + irq + softirq;
  return { busy, all: busy + idle + iowait };
}

interface Tick {
  at: number;
  agentS: number;
  nginxS: number;
  controllerS: number;
  machine: { busy: number; all: number };
  cg?: CpuStat;
}

/** Where the runs keep their files, and the machine's CPUs (to turn /proc/stat's share into cores). */
export interface RunContext {
  dir: string;
  scenarioFile: string;
  nproc: number;
}

/** A scratch directory with the scenario every run uses: constant-vus, VUS VUs for SECONDS, GET /. */
export function writeScenario(): { dir: string; scenarioFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-bench-workers-'));
  const scenarioFile = join(dir, 'scenario.yaml');
  writeFileSync(
    scenarioFile,
    `
name: worker-scaling
interval: 1s # one progress line per second: the stall check below counts them
requests: [{ name: page, path: / }]
scenarios: [{ name: closed, executor: constant-vus, vus: ${VUS}, duration: ${SECONDS}s, gracefulStop: 5s }]
`,
  );
  return { dir, scenarioFile };
}

let runNo = 0;
/** Processes of the run going on, killed by PID on failure or a signal. */
export const live = new Set<StartedCli>();

export async function runOnce(
  ctx: RunContext,
  net: Network,
  nginx: Nginx,
  part: Part,
  workers: number,
  round: number,
  budget: Budget | undefined,
): Promise<Sample> {
  const { dir, scenarioFile, nproc } = ctx;
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
    const counts = [...ctl.stderr.matchAll(/\] reqs ([\d,]+) /g)].map((m) => Number(m[1]!.replace(/,/g, '')));
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
      machineCores: ((t1.machine.busy - t0.machine.busy) / Math.max(1, t1.machine.all - t0.machine.all)) * nproc,
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
