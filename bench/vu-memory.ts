// Claim: a VU costs an agent at most 20 KB of memory, and 10,000 VUs fit in
// under 300 MB. One agent process (CPU 1) runs constant-vus with 10,000 VUs
// and thinkTime 1s (about 10,000 req/s, one keep-alive connection per VU)
// against nginx (CPU 0); its RSS is sampled every 100 ms, and its growth over
// its idle RSS (connected to the controller, before the run) is divided by the
// VUs. The peer, in the same run against the same nginx: the bare minimum of a
// Node tool with as many VUs — bench/peers/undici-dispatch.ts with 10,000
// loops on one undici Pool of 10,000 connections, each loop one request in
// flight then a 1 s pause, no latency recorded — its growth over its own idle
// RSS (undici loaded, before the first request). Then both again with the
// VUs sharing BENCH_SHARED_CONNECTIONS (1,000) connections (`connections:` in
// the scenario, `--pool` for the peer), to tell a VU's cost from a
// connection's. A B A B when BENCH_ROUNDS > 1.
// usage: npm run bench:vus   (BENCH_VUS=10000 BENCH_SECONDS=20 BENCH_ROUNDS=1 BENCH_SHARED_CONNECTIONS=1000)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { rssBytes } from './rss.ts';
import {
  barrageRun,
  benchDir,
  collect,
  fmt,
  machine,
  median,
  pinned,
  pinSelf,
  reportFigures,
  startNginx,
} from './support.ts';

const VUS = Number(process.env.BENCH_VUS ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const SHARED = Number(process.env.BENCH_SHARED_CONNECTIONS ?? 1000);
const LIMIT_MS = SECONDS * 1000 + 90_000;
const GOAL_PER_VU = 20 * 1024;
const GOAL_TOTAL = 300 * 2 ** 20;

const mb = (b: number) => (b / 2 ** 20).toFixed(1);

interface Sample {
  idle: number;
  peak: number;
  steady: number;
  requests: number;
  note: string;
}

/** RSS of `pid` every 100 ms until `exited`; the peak and the median of the second half (steady state). */
async function sampleRss(pid: number, exited: Promise<unknown>): Promise<{ peak: number; steady: number }> {
  const xs: number[] = [];
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!done) {
    try {
      xs.push(rssBytes(pid));
    } catch {
      break;
    }
    await Promise.race([new Promise((r) => setTimeout(r, 100)), exited]);
  }
  const loaded = xs.slice(Math.floor(xs.length / 2));
  return { peak: Math.max(0, ...xs), steady: median(loaded) };
}

async function barrage(url: string, connections: number): Promise<Sample> {
  const b = await barrageRun(
    `
name: vu-memory
baseUrl: ${url}
requests: [{ name: get, path: / }]
scenarios: [{ name: vus, executor: constant-vus, vus: ${VUS}, duration: ${SECONDS}s, thinkTime: 1s, connections: ${connections}, gracefulStop: 10s }]
`,
    { agentCpu: 1, controllerCpu: 0, limitMs: LIMIT_MS },
  );
  await b.connected;
  const idle = rssBytes(b.agent.pid!);
  const { peak, steady } = await sampleRss(b.agent.pid!, once(b.agent, 'exit'));
  const r = await b.done;
  if (!r.summary) throw new Error(`barrage run failed (exit ${r.code}): ${r.stderr}`);
  const t = r.summary.totals;
  return {
    idle,
    peak,
    steady,
    requests: t.requests,
    note: `${r.summary.run.status}, ${fmt(t.rps)} req/s, ${t.failed} failed, p99 ${t.latencyMs.p99} ms`,
  };
}

async function peer(url: string, connections: number): Promise<Sample> {
  const [cmd, args] = pinned(1, process.execPath, [
    join(benchDir, 'peers', 'undici-dispatch.ts'),
    `${url}/`,
    '--connections',
    String(VUS),
    '--seconds',
    String(SECONDS),
    '--think-ms',
    '1000',
    '--pool',
    String(connections),
    '--wait-go',
  ]);
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
  const out = collect(child.stdout);
  await out.wait(/ready\n/);
  const idle = rssBytes(child.pid!);
  child.stdin.end('go\n');
  const { peak, steady } = await sampleRss(child.pid!, once(child, 'exit'));
  clearTimeout(timer);
  const j = JSON.parse((await out.wait(/\{.*\}\n/))[0]) as {
    requests: number;
    rps: number;
    errors: number;
    memory: NodeJS.MemoryUsage;
  };
  const u = j.memory;
  return {
    idle,
    peak,
    steady,
    requests: j.requests,
    note: `${fmt(j.rps)} req/s, ${j.errors} errors; at the end heap used ${mb(u.heapUsed)} of ${mb(u.heapTotal)} MB, external ${mb(u.external)} MB`,
  };
}

pinSelf(0);
const m = machine();
const nginx = await startNginx({ cpu: 0, workerConnections: VUS + 4096 });
const t0 = performance.now();
const configs = [
  { name: 'barrage agent', run: () => barrage(nginx.url, VUS) },
  { name: 'bare undici Pool (peer)', run: () => peer(nginx.url, VUS) },
  { name: `barrage agent, ${fmt(SHARED)} conns`, run: () => barrage(nginx.url, SHARED) },
  { name: `bare undici Pool, ${fmt(SHARED)} conns`, run: () => peer(nginx.url, SHARED) },
];
const results = new Map<string, Sample[]>(configs.map((c) => [c.name, []]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    // Pairs alternate: barrage, peer; then peer, barrage in the next round.
    const order = round % 2 === 0 ? configs : [configs[1]!, configs[0]!, configs[3]!, configs[2]!];
    for (const c of order) {
      const s = await c.run();
      results.get(c.name)!.push(s);
      process.stdout.write(
        `  round ${round + 1}  ${c.name.padEnd(34)} idle ${(s.idle / 2 ** 20).toFixed(1)} MB  peak ${(s.peak / 2 ** 20).toFixed(1)} MB  steady ${(s.steady / 2 ** 20).toFixed(1)} MB  ${fmt(s.requests)} requests (${s.note})\n`,
      );
      await new Promise((r) => setTimeout(r, 2000)); // let the 10,000 sockets close
    }
  }
} finally {
  await nginx.stop();
}

const row = (name: string, xs: Sample[]) => {
  const idle = median(xs.map((s) => s.idle));
  const peak = median(xs.map((s) => s.peak));
  const steady = median(xs.map((s) => s.steady));
  const growth = median(xs.map((s) => s.peak - s.idle));
  process.stdout.write(
    `${name.padEnd(40)} ${mb(idle).padStart(8)} ${mb(peak).padStart(8)} ${mb(steady).padStart(10)} ${mb(growth).padStart(10)} ${(growth / VUS / 1024).toFixed(1).padStart(10)}\n`,
  );
  return { idle, peak, growth };
};
process.stdout.write(
  `\n${fmt(VUS)} VUs (1 connection each, or sharing ${fmt(SHARED)}; thinkTime 1 s) for ${SECONDS} s against nginx; ${m.nproc} x ${m.cpu}, node ${m.node}\n`,
);
process.stdout.write(
  `${'process'.padEnd(40)} ${'idle MB'.padStart(8)} ${'peak MB'.padStart(8)} ${'steady MB'.padStart(10)} ${'growth MB'.padStart(10)} ${'KB / VU'.padStart(10)}\n`,
);
const [b, p, bs, ps] = configs.map((c) => row(c.name, results.get(c.name)!)) as Array<ReturnType<typeof row>> as [
  ReturnType<typeof row>,
  ReturnType<typeof row>,
  ReturnType<typeof row>,
  ReturnType<typeof row>,
];
const perVu = b.growth / VUS;
const ratio = b.growth / p.growth;
const kb = (bytes: number) => (bytes / VUS / 1024).toFixed(1);
process.stdout.write(
  `barrage: ${kb(b.growth)} KB/VU (goal <= 20: ${perVu <= GOAL_PER_VU ? 'met' : 'NOT met'}); peak ${mb(b.peak)} MB (goal < 300: ${b.peak < GOAL_TOTAL ? 'met' : 'NOT met'}); growth barrage / peer: ${ratio.toFixed(2)}\n`,
);
process.stdout.write(
  `with ${fmt(SHARED)} shared connections: barrage ${kb(bs.growth)} KB/VU, peer ${kb(ps.growth)} KB/VU, barrage / peer: ${(bs.growth / ps.growth).toFixed(2)}\n`,
);
process.stdout.write(`took ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
reportFigures('vu-memory', [
  {
    claim: `agent RSS growth per VU, ${fmt(VUS)} VUs, thinkTime 1 s`,
    barrage: `${(perVu / 1024).toFixed(1)} KB/VU`,
    peer: `${(p.growth / VUS / 1024).toFixed(1)} KB/VU (bare undici Pool, ${fmt(VUS)} loops and connections)`,
    ratio: ratio.toFixed(2),
    goal: '<= 20 KB/VU',
    met: perVu <= GOAL_PER_VU,
  },
  {
    claim: `agent peak RSS with ${fmt(VUS)} VUs`,
    barrage: `${mb(b.peak)} MB`,
    peer: `${mb(p.peak)} MB`,
    ratio: (b.peak / p.peak).toFixed(2),
    goal: '< 300 MB',
    met: b.peak < GOAL_TOTAL,
  },
  // The same goals with the VUs sharing connections (scenario `connections:`): a connection per VU costs
  // what it costs in undici itself (the peer's first line), so this is where the per-VU cost of barrage shows.
  {
    claim: `agent RSS growth per VU, ${fmt(VUS)} VUs sharing ${fmt(SHARED)} connections`,
    barrage: `${kb(bs.growth)} KB/VU`,
    peer: `${kb(ps.growth)} KB/VU (bare undici, ${fmt(SHARED)} conns)`,
    ratio: (bs.growth / ps.growth).toFixed(2),
    goal: '<= 20 KB/VU',
    met: bs.growth / VUS <= GOAL_PER_VU,
  },
  {
    claim: `agent peak RSS with ${fmt(VUS)} VUs sharing ${fmt(SHARED)} connections`,
    barrage: `${mb(bs.peak)} MB`,
    peer: `${mb(ps.peak)} MB`,
    ratio: (bs.peak / ps.peak).toFixed(2),
    goal: '< 300 MB',
    met: bs.peak < GOAL_TOTAL,
  },
]);
