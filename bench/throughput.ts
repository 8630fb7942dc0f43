// Claim: one barrage agent on one core fires as fast as a bare undici dispatch
// loop (goal: barrage / bare undici >= 0.95) and 1.3x autocannon (goal:
// barrage / autocannon >= 1.3), with wrk as the ceiling. nginx (`return 200`,
// one worker, no access log) sits on CPU 0; each generator runs alone on CPU 1
// (taskset) for the same time with the same 50 keep-alive connections:
//   wrk -t1 -c50; bench/peers/undici-dispatch.ts (50 loops on a Pool);
//   autocannon -c50; barrage: one agent process, constant-vus 50 VUs,
//   connections 50, its controller on CPU 0, req/s read from its summary JSON.
// The tools alternate within each round (the order rotates per round); medians
// over the rounds, the ratios of the medians, and the median of each round's
// ratio. Since the machine may be shared, each run's CPU time is read from
// /proc too: requests per CPU-second of the generator is the per-core figure
// that other load cannot move much (barrage's agent counted from the moment it
// is connected and idle, the peers from their spawn, their startup included:
// a bias of a few % against the peers). Every tool's request count is checked
// against nginx's own (stub_status) and flagged when they differ by > 1 %
// (wrk and autocannon stop mid-request; the others drain). Installs nginx and wrk with apt-get
// (as root) and autocannon into a scratch dir when missing.
// usage: npm run bench:throughput   (BENCH_SECONDS=10 BENCH_ROUNDS=5 BENCH_CONNECTIONS=50;
// BENCH_TOOLS=undici,barrage runs only those; BENCH_CPU_PROF=DIR profiles the agent)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import {
  barrageRun,
  benchDir,
  canPin,
  ensureApt,
  ensureAutocannon,
  type Figure,
  fmt,
  machine,
  median,
  pinned,
  pinSelf,
  reportFigures,
  startNginx,
  toolVersion,
  watchProcess,
} from './support.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const LIMIT_MS = SECONDS * 1000 + 60_000; // every run is killed by PID past this
const GEN_CPU = 1;
const SERVER_CPU = 0;

/** rps over the tool's own window; requests in it; CPU seconds the generator used; peak RSS. */
interface Sample {
  rps: number;
  requests: number;
  cpuS: number;
  peakRssMb: number;
  note?: string;
  served?: number;
}
type Tool = { name: string; run: (url: string) => Promise<Sample> };

/** Spawns a pinned generator, samples its peak RSS, returns its output. */
async function pinnedRun(
  cmd: string,
  args: string[],
): Promise<{ stdout: string; stderr: string; code: number | null; peakMb: number; cpuS: number }> {
  const [c, a] = pinned(GEN_CPU, cmd, args);
  const child = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = once(child, 'exit');
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
  const { peakRss, cpuS } = await watchProcess(child.pid!, exited).result;
  clearTimeout(timer);
  const [code] = (await exited) as [number | null];
  return { stdout, stderr, code, peakMb: peakRss / 2 ** 20, cpuS };
}

const tools: Tool[] = [];
if (ensureApt('wrk')) {
  tools.push({
    name: 'wrk',
    async run(url) {
      const r = await pinnedRun('wrk', ['-t1', `-c${CONNS}`, `-d${SECONDS}s`, `${url}/`]);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
      const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1]);
      const errs = /Non-2xx or 3xx responses: (\d+)|Socket errors: .*/.exec(r.stdout)?.[0];
      return { rps, requests, cpuS: r.cpuS, peakRssMb: r.peakMb, note: errs };
    },
  });
}
tools.push({
  name: 'bare undici dispatch',
  async run(url) {
    const r = await pinnedRun(process.execPath, [
      join(benchDir, 'peers', 'undici-dispatch.ts'),
      `${url}/`,
      '--connections',
      String(CONNS),
      '--seconds',
      String(SECONDS),
    ]);
    const j = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
      rps: number;
      requests: number;
      errors: number;
      other: number;
    };
    return {
      rps: j.rps,
      requests: j.requests,
      cpuS: r.cpuS,
      peakRssMb: r.peakMb,
      note: j.errors + j.other > 0 ? `${j.errors} errors, ${j.other} non-2xx` : undefined,
    };
  },
});
const autocannon = ensureAutocannon();
if (autocannon) {
  tools.push({
    name: 'autocannon',
    async run(url) {
      const r = await pinnedRun(process.execPath, [
        autocannon,
        '-c',
        String(CONNS),
        '-d',
        String(SECONDS),
        '-j',
        `${url}/`,
      ]);
      const j = JSON.parse(r.stdout) as {
        requests: { total: number };
        duration: number;
        errors: number;
        non2xx: number;
      };
      return {
        rps: j.requests.total / j.duration,
        requests: j.requests.total,
        cpuS: r.cpuS,
        peakRssMb: r.peakMb,
        note: j.errors + j.non2xx > 0 ? `${j.errors} errors, ${j.non2xx} non-2xx` : undefined,
      };
    },
  });
}
tools.push({
  name: 'barrage agent',
  async run(url) {
    const b = await barrageRun(
      `
name: throughput
baseUrl: ${url}
requests: [{ name: get, path: / }]
scenarios: [{ name: closed, executor: constant-vus, vus: ${CONNS}, duration: ${SECONDS}s, connections: ${CONNS}, gracefulStop: 5s }]
`,
      {
        agentCpu: GEN_CPU,
        controllerCpu: SERVER_CPU,
        limitMs: LIMIT_MS,
        agentNodeArgs: process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [],
      },
    );
    const w = watchProcess(b.agent.pid!, once(b.agent, 'exit'));
    await b.connected;
    w.baseline();
    const { peakRss, cpuS } = await w.result;
    const r = await b.done;
    if (!r.summary) throw new Error(`barrage run failed (exit ${r.code}): ${r.stderr}`);
    const t = r.summary.totals;
    const a = r.summary.run.agents[0];
    return {
      rps: t.rps,
      requests: t.requests,
      cpuS,
      peakRssMb: peakRss / 2 ** 20,
      note: `${r.summary.run.status}${t.failed > 0 ? `, ${t.failed} failed` : ''}${a?.cpuCores !== undefined ? `, agent cpu ${a.cpuCores.toFixed(2)} cores, loop p99 ${a.eventLoopP99Ms?.toFixed(1)} ms` : ''}`,
    };
  },
});

// BENCH_TOOLS=wrk,barrage (substrings of the names) runs only those.
const only = process.env.BENCH_TOOLS?.split(',').filter((x) => x !== '');
if (only) tools.splice(0, tools.length, ...tools.filter((t) => only.some((o) => t.name.includes(o))));

pinSelf(SERVER_CPU);
ensureApt('nginx');
const m = machine();
process.stdout.write(
  `throughput: nginx on CPU ${SERVER_CPU}, each generator alone on CPU ${GEN_CPU}${canPin ? '' : ' (NOT pinned: taskset or a 2nd CPU missing)'}; ${CONNS} connections, ${SECONDS} s, ${ROUNDS} rounds; ${m.nproc} x ${m.cpu}, node ${m.node}\n`,
);
process.stdout.write(
  `nginx ${toolVersion('nginx', ['-v'])}; ${tools.some((t) => t.name === 'wrk') ? toolVersion('wrk', ['-v']) : 'wrk missing'}\n`,
);

const nginx = await startNginx({ cpu: SERVER_CPU });
const samples = new Map<string, Sample[]>(tools.map((t) => [t.name, []]));
const t0 = performance.now();
try {
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round: no tool always runs first (or right after another).
    const order = tools.map((_t, i) => tools[(i + round) % tools.length]!);
    for (const tool of order) {
      const before = await nginx.handled();
      const s = await tool.run(nginx.url);
      // What nginx itself counted (less the status call): each tool's count is checked against it.
      s.served = (await nginx.handled()) - before - 1;
      const off = Math.abs(s.served - s.requests) / s.requests;
      if (off > 0.01)
        s.note = `${s.note ? `${s.note}; ` : ''}nginx counted ${fmt(s.served)}, the tool ${fmt(s.requests)}`;
      samples.get(tool.name)!.push(s);
      process.stdout.write(
        `  round ${round + 1}  ${tool.name.padEnd(22)} ${fmt(s.rps).padStart(8)} req/s  ${fmt(s.requests / s.cpuS).padStart(8)} req/CPU-s  CPU ${s.cpuS.toFixed(1).padStart(4)} s  peak RSS ${s.peakRssMb.toFixed(0).padStart(4)} MB${s.note ? `  (${s.note})` : ''}\n`,
      );
      await new Promise((r) => setTimeout(r, 1000)); // let TIME_WAIT and the server settle
    }
  }
} finally {
  await nginx.stop();
}

const runs = (name: string) => samples.get(name) ?? [];
const med = (name: string) => median(runs(name).map((s) => s.rps));
const perCpu = (name: string) => median(runs(name).map((s) => s.requests / s.cpuS));
/** The median over rounds of barrage's figure over the peer's in the same round. */
const roundRatio = (peer: string, f: (s: Sample) => number) =>
  median(runs('barrage agent').map((b, i) => (runs(peer)[i] ? f(b) / f(runs(peer)[i]!) : NaN)));
const rps = (s: Sample) => s.rps;
const barrage = med('barrage agent');
const barrageCpu = perCpu('barrage agent');
process.stdout.write(
  `\ntool                    median req/s   runs (req/s)                                   req/CPU-s   CPU share   peak RSS MB   barrage / tool (req/s; round median; req/CPU-s)\n`,
);
for (const t of tools) {
  const s = runs(t.name);
  const share = median(s.map((x) => (x.cpuS * x.rps) / x.requests));
  process.stdout.write(
    `${t.name.padEnd(22)}  ${fmt(med(t.name)).padStart(12)}   ${s
      .map((x) => fmt(x.rps))
      .join(', ')
      .padEnd(
        45,
      )}  ${fmt(perCpu(t.name)).padStart(9)}   ${share.toFixed(2).padStart(9)}   ${fmt(median(s.map((x) => x.peakRssMb))).padStart(11)}   ${(barrage / med(t.name)).toFixed(2)}; ${roundRatio(t.name, rps).toFixed(2)}; ${(barrageCpu / perCpu(t.name)).toFixed(2)}\n`,
  );
}
process.stdout.write(
  '(CPU share: CPU seconds the generator used per second of its run; 1.00 = it had core 1 to itself and kept it busy)\n',
);
const goals = [
  { peer: 'bare undici dispatch', label: 'bare undici loop', goal: 0.95 },
  { peer: 'autocannon', label: 'autocannon', goal: 1.3 },
];
const figures: Figure[] = [];
for (const g of goals) {
  if (runs(g.peer).length === 0) continue;
  const r = barrage / med(g.peer);
  const c = barrageCpu / perCpu(g.peer);
  process.stdout.write(
    `barrage / ${g.label}: ${r.toFixed(2)} req/s (round median ${roundRatio(g.peer, rps).toFixed(2)}), ${c.toFixed(2)} per CPU-second (goal >= ${g.goal}: ${r >= g.goal ? 'met' : 'NOT met'} on req/s, ${c >= g.goal ? 'met' : 'NOT met'} per CPU-second)\n`,
  );
  figures.push({
    claim: `agent req/s on 1 core vs ${g.label} (${CONNS} conns, ${SECONDS} s, median of ${ROUNDS} alternating rounds)`,
    barrage: fmt(barrage),
    peer: `${fmt(med(g.peer))} (${g.label})`,
    ratio: `${r.toFixed(2)} (round median ${roundRatio(g.peer, rps).toFixed(2)})`,
    goal: `>= ${g.goal}`,
    met: r >= g.goal,
  });
  figures.push({
    claim: `agent requests per CPU-second vs ${g.label}`,
    barrage: fmt(barrageCpu),
    peer: `${fmt(perCpu(g.peer))} (${g.label})`,
    ratio: c.toFixed(2),
    goal: `>= ${g.goal}`,
    met: c >= g.goal,
  });
}
if (runs('wrk').length > 0) {
  process.stdout.write(`barrage / wrk (ceiling): ${(barrage / med('wrk')).toFixed(2)} req/s\n`);
  figures.push({
    claim: 'agent req/s on 1 core vs wrk (the ceiling: nginx-bound)',
    barrage: fmt(barrage),
    peer: `${fmt(med('wrk'))} (wrk)`,
    ratio: (barrage / med('wrk')).toFixed(2),
    goal: '(none: ceiling)',
  });
}
process.stdout.write(`took ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
reportFigures('throughput', figures);
