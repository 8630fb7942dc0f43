// Claim: an open model holds its rate exactly and evenly across agents. For
// 30 s at 100 req/s, barrage (3 local agent processes, constant-arrival-rate)
// and a peer measured in the same run (hey with the same total rate: 10
// workers x -q 10) fire at a recording server. Printed for each: requests
// received against rate x duration (the claim: barrage within +-1 %), and how
// even the arrivals were: the spread of per-100 ms counts around the ideal 10
// (lower is smoother), as a ratio peer/barrage. Installs hey with apt-get (as
// root) when missing. usage: npm run bench:rate
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureApt, reportFigures } from './support.ts';

const RATE = 100;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const controllerCli = fileURLToPath(new URL('../packages/controller/src/cli/main.ts', import.meta.url));

const arrivals = new Map<string, number[]>();
const server = createServer((req, res) => {
  const key = (req.url ?? '').split('?')[0]!;
  let list = arrivals.get(key);
  if (list === undefined) arrivals.set(key, (list = []));
  list.push(performance.now());
  res.end('ok');
});
server.keepAliveTimeout = 10_000;
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

interface Result {
  tool: string;
  received: number;
  errorPct: number;
  spread: number;
  worstBucket: number;
}

/** Count error against rate x duration, and the spread of per-100 ms counts over the steady middle of the run. */
function measure(tool: string, times: number[] | undefined): Result {
  const t = [...(times ?? [])].sort((a, b) => a - b);
  const expected = RATE * SECONDS;
  if (t.length === 0) return { tool, received: 0, errorPct: -100, spread: NaN, worstBucket: NaN };
  const start = t[0]!;
  const buckets = new Array<number>(Math.ceil((SECONDS * 1000) / 100)).fill(0);
  for (const x of t) {
    const b = Math.floor((x - start) / 100);
    if (b < buckets.length) buckets[b]!++;
  }
  const middle = buckets.slice(10, -10); // skip the first and last second
  const ideal = RATE / 10;
  const spread = Math.sqrt(middle.reduce((s, c) => s + (c - ideal) ** 2, 0) / middle.length);
  return {
    tool,
    received: t.length,
    errorPct: ((t.length - expected) / expected) * 100,
    spread,
    worstBucket: Math.max(...middle.map((c) => Math.abs(c - ideal))),
  };
}

const results: Result[] = [];
try {
  // barrage: 3 agent processes share the schedule.
  const dir = mkdtempSync(join(tmpdir(), 'barrage-bench-'));
  writeFileSync(
    join(dir, 'rate.yaml'),
    `
name: rate
baseUrl: ${url}
requests: [{ name: r, path: /barrage }]
scenarios: [{ name: open, executor: constant-arrival-rate, rate: ${RATE}, duration: ${SECONDS}s, maxInFlight: 200 }]
`,
  );
  const c = spawn(
    process.execPath,
    [controllerCli, 'start', '--scenario', join(dir, 'rate.yaml'), '--local-agents', '3'],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const [code] = (await once(c, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`barrage exited ${code}`);
  results.push(measure('barrage (3 agents)', arrivals.get('/barrage')));

  // hey: -q is a rate per worker; 10 workers x 10/s = the same 100/s.
  if (!ensureApt('hey') || spawnSync('hey', ['-h']).error) {
    process.stdout.write('hey not found (apt-get install hey): peer skipped\n');
  } else {
    const h = spawn('hey', ['-z', `${SECONDS}s`, '-c', '10', '-q', String(RATE / 10), `${url}/hey`], {
      stdio: 'ignore',
    });
    await once(h, 'exit');
    results.push(measure('hey (10 workers x -q 10)', arrivals.get('/hey')));
  }
} finally {
  server.close();
}

process.stdout.write(`${RATE} req/s for ${SECONDS} s: expected ${RATE * SECONDS} requests, 10 per 100 ms\n`);
process.stdout.write('tool                        received   error %   spread/100ms   worst bucket\n');
for (const r of results) {
  process.stdout.write(
    `${r.tool.padEnd(26)}  ${String(r.received).padStart(8)}   ${r.errorPct.toFixed(2).padStart(7)}   ${r.spread.toFixed(2).padStart(12)}   ${r.worstBucket.toFixed(0).padStart(12)}\n`,
  );
}
const [b, p] = results;
if (b && p)
  process.stdout.write(
    `ratio (peer spread / barrage spread): ${b.spread > 0 ? `${(p.spread / b.spread).toFixed(1)}x` : `${p.spread.toFixed(2)} vs 0 (barrage exact)`}; barrage within +-1 %: ${Math.abs(b.errorPct) <= 1 ? 'yes' : 'NO'}\n`,
  );
if (b) {
  reportFigures('open-model-rate', [
    {
      claim: `open model ${RATE} req/s for ${SECONDS} s, 3 agents: requests received vs rate x duration`,
      barrage: `${b.received} (${b.errorPct.toFixed(2)} %)`,
      peer: p ? `${p.received} (${p.errorPct.toFixed(2)} %) hey` : 'hey missing',
      ratio: '-',
      goal: 'within +-1 %',
      met: Math.abs(b.errorPct) <= 1,
    },
    {
      claim: 'open model evenness: spread of per-100 ms counts around 10',
      barrage: b.spread.toFixed(2),
      peer: p ? `${p.spread.toFixed(2)} hey` : 'hey missing',
      ratio: p ? (b.spread > 0 ? `${(p.spread / b.spread).toFixed(1)}x (peer / barrage)` : 'barrage exact (0)') : '-',
      goal: 'lower than the peer',
      met: p ? b.spread < p.spread : undefined,
    },
  ]);
}
