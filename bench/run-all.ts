// Runs every bench (not the soak) one after another, each showing its own
// output as it goes, and writes bench/RESULTS.md: the date, the machine, every
// figure with its peer, ratio and goal (met or not), how long each bench took,
// and each bench's full output. No claim of its own: each bench states its
// claim and its peer in its header. Each bench is killed by PID past
// BENCH_LIMIT_MIN (15) minutes.
// usage: npm run bench   (BENCH_ONLY=throughput,wire-size runs a subset)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchDir, type Figure, machine, toolVersion } from './support.ts';
import { whyNotMet } from './why-not-met.ts';

const BENCHES = [
  'throughput',
  'merge-rate',
  'wire-size',
  'vu-memory',
  'open-model-rate',
  'upload-memory',
  'start-skew',
  'worker-scaling',
];
const only = process.env.BENCH_ONLY?.split(',').filter((x) => x !== '');
const selected = only ? BENCHES.filter((b) => only.includes(b)) : BENCHES;
const LIMIT_MS = Number(process.env.BENCH_LIMIT_MIN ?? 15) * 60_000;

const scratch = mkdtempSync(join(tmpdir(), 'barrage-bench-all-'));
const figuresFile = join(scratch, 'figures.jsonl');
writeFileSync(figuresFile, '');
// Run stores go to scratch, not to the working directory's .barrage/.
const env = { ...process.env, BENCH_FIGURES: figuresFile, BARRAGE_DB: join(scratch, 'runs.db') };

/**
 * Other load on the machine: every 2 s, the CPU each process outside this run's
 * process tree used (from /proc), summed per command. The benches pin to the
 * two cores; another session's load on them moves every timing figure.
 */
function processes(): Map<number, { ppid: number; cpu: number; cmd: string }> {
  const out = new Map<number, { ppid: number; cpu: number; cmd: string }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd =
        readFileSync(`/proc/${d}/cmdline`, 'utf8')
          .split('\0')
          .filter((x) => x !== '')
          .join(' ')
          .slice(0, 100) || stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(Number(d), { ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]), cmd });
    } catch {
      /* gone */
    }
  }
  return out;
}
const foreignCpu = new Map<string, number>(); // command -> CPU ticks
let previous = processes();
const sampler = setInterval(() => {
  const now = processes();
  const ours = (pid: number): boolean => {
    for (let p = pid, i = 0; p > 1 && i < 64; i++) {
      if (p === process.pid) return true;
      p = now.get(p)?.ppid ?? previous.get(p)?.ppid ?? 0;
    }
    return false;
  };
  for (const [pid, x] of now) {
    const before = previous.get(pid)?.cpu ?? x.cpu; // a process new since the last sample counts from now
    if (x.cpu > before && !ours(pid)) foreignCpu.set(x.cmd, (foreignCpu.get(x.cmd) ?? 0) + x.cpu - before);
  }
  previous = now;
}, 2000);

interface Done {
  bench: string;
  code: number | null;
  seconds: number;
  output: string;
}
const done: Done[] = [];
const started = new Date();
for (const bench of selected) {
  process.stdout.write(`\n=== ${bench} ===\n`);
  const t0 = performance.now();
  const child = spawn(process.execPath, [join(benchDir, `${bench}.ts`)], { stdio: ['ignore', 'pipe', 'inherit'], env });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    process.stdout.write(d);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`=== ${bench}: exit ${code}, ${seconds.toFixed(0)} s ===\n`);
  done.push({ bench, code, seconds, output });
}

clearInterval(sampler);
const wallS = done.reduce((a, d) => a + d.seconds, 0);
const TICK = 100;
const foreign = [...foreignCpu]
  .map(([cmd, t]) => ({ cmd, s: t / TICK }))
  .filter((x) => x.s >= 1)
  .sort((a, b) => b.s - a.s);
const foreignTotal = foreign.reduce((a, x) => a + x.s, 0);
const figures = readFileSync(figuresFile, 'utf8')
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l) as Figure & { bench: string });
const m = machine();
const memGiB = (() => {
  try {
    return `${(Number(/MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]) / 2 ** 20).toFixed(1)} GiB`;
  } catch {
    return `${m.memGiB} GiB`;
  }
})();
const has = (bin: string) => existsSync(`/usr/bin/${bin}`) || existsSync(`/usr/sbin/${bin}`);
const cell = (s: string) => s.replace(/\|/g, '\\|');
const lines = [
  '# Benchmark results',
  '',
  `Written by \`npm run bench\` (bench/run-all.ts) on ${started.toISOString()}; ${(done.reduce((a, d) => a + d.seconds, 0) / 60).toFixed(1)} min in all.`,
  'Each figure is measured next to its peer in the same run on this machine; timing figures are',
  'medians of alternating runs, reported as ratios. The machine is shared and virtualised: a',
  'difference under ~15 % between two tools is within its noise (docs: /work/shared/PEERS.md).',
  '',
  '## Machine',
  '',
  `- CPUs: ${m.nproc} × ${m.cpu}`,
  `- memory: ${memGiB}`,
  `- Node: ${m.node}; kernel ${m.kernel}`,
  `- peers: ${has('nginx') ? toolVersion('nginx', ['-v']) : 'nginx missing'}; ${has('wrk') ? toolVersion('wrk', ['-v']).replace(/ Copyright.*/, '') : 'wrk missing'}; ${has('hey') ? 'hey (Debian)' : 'hey missing'}; autocannon from npm (scratch dir)`,
  '',
  '## Other load during the run',
  '',
  foreign.length === 0
    ? 'None: no process outside the benches used a CPU-second or more.'
    : `Processes outside the benches used ${foreignTotal.toFixed(0)} CPU-seconds in ${wallS.toFixed(0)} s (${(foreignTotal / wallS).toFixed(2)} cores on average of ${m.nproc}): timing figures are less reliable than on an idle machine; \`requests per CPU-second\` is the figure such load moves least.`,
  ...foreign.slice(0, 8).map((x) => `- ${x.s.toFixed(0)} CPU-s: \`${x.cmd.replace(/`/g, "'")}\``),
  '',
  '## Figures',
  '',
  '| bench | claim | barrage | peer | ratio | goal | met |',
  '|---|---|---|---|---|---|---|',
  ...figures.map(
    (f) =>
      `| ${f.bench} | ${cell(f.claim)} | ${cell(f.barrage)} | ${cell(f.peer)} | ${cell(f.ratio)} | ${cell(f.goal)} | ${f.met === undefined ? '—' : f.met ? 'yes' : '**no**'} |`,
  ),
  '',
  ...(figures.some((f) => f.met === false)
    ? [
        '## Goals not met, and why',
        '',
        ...figures
          .filter((f) => f.met === false)
          .map((f) => `- **${f.bench}: ${f.claim}** (${f.barrage}; goal ${f.goal}): ${whyNotMet(f.bench, f.claim)}`),
        '',
      ]
    : []),
  '## Runs',
  '',
  '| bench | exit | time |',
  '|---|---|---|',
  ...done.map((d) => `| \`bench/${d.bench}.ts\` | ${d.code} | ${d.seconds.toFixed(0)} s |`),
  '',
  ...done.flatMap((d) => [`### ${d.bench}`, '', '```', d.output.trimEnd(), '```', '']),
];
const out = join(benchDir, 'RESULTS.md');
writeFileSync(out, `${lines.join('\n')}\n`);
process.stdout.write(
  `\nwrote ${out}: ${figures.length} figures, ${figures.filter((f) => f.met === false).length} goals not met\n`,
);
if (done.some((d) => d.code !== 0)) process.exitCode = 1;
