// Where an agent's time goes (no claim of its own): summarises a V8
// .cpuprofile (`node --cpu-prof`, e.g. BENCH_CPU_PROF=DIR npm run
// bench:throughput) into the top frames by self time, and the share spent
// under each source area (undici, barrage's agent, ws/proto, node internals).
// usage: node bench/cpu-profile-top.ts FILE.cpuprofile [TOP=25]
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const file = process.argv[2];
if (!file) throw new Error('usage: node bench/cpu-profile-top.ts FILE.cpuprofile [TOP]');
const top = Number(process.argv[3] ?? 25);
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfUs = new Map<number, number>();
for (let i = 0; i < p.samples.length; i++)
  selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const short = (url: string) =>
  url
    .replace(/^file:\/\/.*?\/node_modules\//, '')
    .replace(/^file:\/\/.*?\/packages\//, 'packages/')
    .replace(/^node:/, 'node:');
const label = (n: Node) =>
  `${n.callFrame.functionName || '(anonymous)'}  ${short(n.callFrame.url) || '(native)'}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
function area(url: string, fn: string): string {
  if (url.includes('/node_modules/undici/')) return 'undici';
  if (url.includes('/packages/agent/')) return 'barrage agent';
  if (url.includes('/packages/proto/') || url.includes('/node_modules/protobufjs/')) return 'protobuf';
  if (url.includes('/node_modules/hdr-histogram-js/')) return 'hdr-histogram';
  if (url.includes('/node_modules/ws/')) return 'ws';
  if (url.includes('/node_modules/pino')) return 'pino';
  if (url.startsWith('node:')) return 'node internals (js)';
  if (fn === '(garbage collector)') return 'garbage collector';
  if (fn === '(idle)' || fn === '(program)') return fn;
  if (url === '') return 'native / runtime';
  return 'other js';
}

// Self time per frame (function + location), merged across call paths.
const frames = new Map<string, number>();
for (const [id, us] of selfUs) {
  const k = label(byId.get(id)!);
  frames.set(k, (frames.get(k) ?? 0) + us);
}
// Self time per area, and inclusive time "under" the nearest ancestor's area for native frames.
const areas = new Map<string, number>();
for (const [id, us] of selfUs) {
  let n = byId.get(id)!;
  let a = area(n.callFrame.url, n.callFrame.functionName);
  // A native frame (writev, parse...) is charged to the nearest JS caller's area.
  let pid = parent.get(id);
  while (a === 'native / runtime' && pid !== undefined) {
    n = byId.get(pid)!;
    const pa = area(n.callFrame.url, n.callFrame.functionName);
    if (pa !== 'native / runtime' && pa !== '(program)' && pa !== '(idle)') a = `${pa} (native)`;
    pid = parent.get(pid);
  }
  areas.set(a, (areas.get(a) ?? 0) + us);
}

const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nself time by area\n`);
for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1])) process.stdout.write(`  ${pct(us)}  ${a}\n`);
process.stdout.write(`\ntop ${top} frames by self time\n`);
for (const [k, us] of [...frames].sort((x, y) => y[1] - x[1]).slice(0, top))
  process.stdout.write(`  ${pct(us)}  ${k}\n`);
