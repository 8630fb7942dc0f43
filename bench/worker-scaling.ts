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
// The parts are in bench/worker-scaling/: the knobs (config.ts), the cgroup
// budget, nginx on its own host, one run, the samples and the report.
// usage: npm run bench:workers   (BENCH_SECONDS=10 BENCH_ROUNDS=3 BENCH_VUS=50
// BENCH_CORE_PER_WORKER=0.5; BENCH_PARTS=budget runs only part 2)
import { spawnSync } from 'node:child_process';
import { createNetwork, type Network, netnsUnavailable } from '../test/helpers/netns.ts';
import { bins, canPin, ensureApt, fmt, machine, reportFigures, toolVersion } from './support.ts';
import { type Budget, createBudget, PERIOD_US } from './worker-scaling/cgroup-budget.ts';
import { NGINX_CPU, PARTS, Q, ROUNDS, SECONDS, VUS } from './worker-scaling/config.ts';
import { type Nginx, startNginxIn } from './worker-scaling/netns-nginx.ts';
import { report } from './worker-scaling/report.ts';
import { live, runOnce, writeScenario } from './worker-scaling/run-once.ts';
import { DISTURBED, type Failure, other, type Part, type Sample } from './worker-scaling/samples.ts';

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
const { dir, scenarioFile } = writeScenario();

// ---------------------------------------------------------------- the rounds

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
          const s = await runOnce({ dir, scenarioFile, nproc: m.nproc }, net, nginx, part, workers, round, budget);
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

const figures = report(samples, failures, budgetWhy, m);
out(`took ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
reportFigures('worker-scaling', figures);
if (failures.length > 0) process.exitCode = 1;
