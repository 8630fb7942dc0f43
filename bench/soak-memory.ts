// Claim: a long run does not leak. Runs soak-1h's load (10/s of probes plus a
// login -> list journey every 2 s, open models) for BENCH_MINUTES (default 60)
// on a controller and 2 agent processes, samples each process's RSS every
// 10 s, and prints the growth after warm-up (the first tenth of the run, at
// least 1 minute): the goal is under 10 %. Linux only (/proc). Not in CI.
// usage: BENCH_MINUTES=60 npm run bench:soak
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTarget } from '@barrage/sample-target';
import { mb, rssBytes } from './rss.ts';

const MINUTES = Number(process.env.BENCH_MINUTES ?? 60);
const SAMPLE_MS = Number(process.env.BENCH_SAMPLE_MS ?? 10_000);
const root = new URL('../', import.meta.url);
const controllerCli = fileURLToPath(new URL('packages/controller/src/cli/main.ts', root));
const agentCli = fileURLToPath(new URL('packages/agent/src/cli.ts', root));

const dir = mkdtempSync(join(tmpdir(), 'barrage-soak-'));
const scenario = join(dir, 'soak.yaml');
writeFileSync(
  scenario,
  readFileSync(new URL('packages/controller/scenarios/soak-1h.yaml', root), 'utf8')
    .replace(/duration: 1h/g, `duration: ${MINUTES}m`)
    .replace('name: soak-1h', 'name: soak-bench'),
);

const target = await spawnTarget();
const token = randomBytes(16).toString('hex');
const controller = spawn(
  process.execPath,
  [
    controllerCli,
    'start',
    '--scenario',
    scenario,
    '--target',
    target.url,
    '--agents',
    '2',
    '--local-agents',
    '0',
    '--port',
    '0',
    '--token',
    token,
    '--db',
    join(dir, 'runs.db'),
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let stderr = '';
let stdout = '';
controller.stdout.on('data', (d: Buffer) => {
  stdout += d.toString();
});
const url = await new Promise<string>((resolve) =>
  controller.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    const m = /agent --controller (ws:\/\/\S+)\n/.exec(stderr);
    if (m) resolve(m[1]!);
  }),
);
const agents = [1, 2].map((i) =>
  spawn(process.execPath, [agentCli, '--controller', url, '--name', `soak-${i}`, '--once', '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, BARRAGE_TOKEN: token },
  }),
);
const procs = [
  { name: 'controller', pid: controller.pid! },
  ...agents.map((a, i) => ({ name: `agent ${i + 1}`, pid: a.pid! })),
];
const series = new Map<string, Array<{ t: number; rss: number }>>(procs.map((p) => [p.name, []]));
const t0 = Date.now();
const sample = () => {
  for (const p of procs) {
    try {
      series.get(p.name)!.push({ t: Date.now() - t0, rss: rssBytes(p.pid) });
    } catch {
      /* exited */
    }
  }
};
sample();
const timer = setInterval(sample, SAMPLE_MS);
const [code] = (await once(controller, 'exit')) as [number | null];
clearInterval(timer);
await target.stop();

const warmupMs = Math.max(60_000, (MINUTES * 60_000) / 10);
process.stdout.write(`${stdout.split('\n').find((l) => l.startsWith('barrage ·')) ?? ''} (exit ${code})\n`);
process.stdout.write(
  `RSS over ${MINUTES} min, sampled every ${SAMPLE_MS / 1000} s; warm-up ${(warmupMs / 60_000).toFixed(1)} min\n`,
);
process.stdout.write('process       after warm-up MB   at end MB   peak MB   growth after warm-up\n');
for (const [name, s] of series) {
  const warm = s.find((x) => x.t >= warmupMs) ?? s[0]!;
  const end = s[s.length - 1]!;
  const peak = Math.max(...s.map((x) => x.rss));
  const growth = (100 * (end.rss - warm.rss)) / warm.rss;
  process.stdout.write(
    `${name.padEnd(12)}  ${mb(warm.rss).padStart(16)}   ${mb(end.rss).padStart(9)}   ${mb(peak).padStart(7)}   ${growth.toFixed(1).padStart(6)} %${growth < 10 ? '' : '  (over the 10 % goal)'}\n`,
  );
}
