// Claim: an agent ships at most 2 KB per request name per 1 s interval at
// ~20k req/s on that name (its Report: run-length coded HdrHistogram buckets
// in protobuf, no deflate). The peer, on the same intervals: what
// hdr-histogram-js's own compressed base64 encoding (what Hyperfoil-style
// tools ship) makes of the same histograms. The controller (Cluster + Run)
// runs in this process on CPU 0 with nginx, one agent process on CPU 1; every
// Report the run receives is re-encoded (barrage.v1.Envelope.encode) to count
// its bytes, whole and per RequestStats. Two loads: an open model at 20,000/s
// (latency and service-time histograms) and a closed one (50 VUs flat out).
// Each load runs BENCH_ROUNDS times, alternating (the latency spread, and so the
// size, moves with the machine's load); figures pool every full interval.
// usage: npm run bench:wire   (BENCH_SECONDS=10 BENCH_RATE=20000 BENCH_ROUNDS=3)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { deflateRawSync } from 'node:zlib';
import { parseScenario } from '@barrage/controller';
import { systemClock } from '@barrage/core';
import { addWireHistogram, barrage, type LatencyHistogram, newIntervalHistogram } from '@barrage/proto';
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import pino from 'pino';
import { Cluster } from '../packages/controller/src/cluster/cluster.ts';
import { Run } from '../packages/controller/src/run/run.ts';
import { bins, fmt, machine, median, pinned, pinSelf, reportFigures, startNginx } from './support.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const GOAL_BYTES = 2048;
const TOKEN = `wire-bench-${process.pid}`;

interface Interval {
  interval: number;
  requests: number;
  frameBytes: number;
  statsBytes: number;
  peerBytes: number;
  latencyBytes: number;
  serviceBytes: number;
  buckets: number;
  deflatedBytes: number;
}

function hdrBase64Bytes(wire: barrage.v1.IHistogram | null | undefined): number {
  if (!wire || (wire.counts ?? []).length === 0) return 0;
  const h: LatencyHistogram = newIntervalHistogram();
  addWireHistogram(h, wire);
  return encodeIntoCompressedBase64(h).length;
}

/** Runs `yaml` on one agent process, recording the size of every Report per name. */
async function measure(
  label: string,
  yaml: string,
  targetUrl: string,
): Promise<{ label: string; intervals: Interval[]; status: string }> {
  const logger = pino({ level: 'silent' });
  const cluster = new Cluster({ host: '127.0.0.1', port: 0, token: TOKEN, clock: systemClock, logger });
  const { url } = await cluster.listen();
  const [cmd, args] = pinned(1, process.execPath, [
    bins.agent,
    '--controller',
    url,
    '--name',
    'wire',
    '--once',
    '--log-level',
    'warn',
  ]);
  const agent = spawn(cmd, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, BARRAGE_TOKEN: TOKEN },
  });
  const killer = setTimeout(() => agent.kill('SIGKILL'), SECONDS * 1000 + 90_000);
  try {
    while (cluster.agents.size < 1) await once(cluster, 'agent');
    const run = new Run({
      runId: `wire-${label}`,
      scenario: parseScenario(yaml),
      baseUrl: targetUrl,
      vars: [],
      agents: [...cluster.agents.values()],
      cluster,
      clock: systemClock,
      logger,
    });
    const intervals: Interval[] = [];
    const deliver = run.message.bind(run);
    run.message = (session, env) => {
      const r = env.report;
      if (r) {
        const frameBytes = barrage.v1.Envelope.encode(env).finish().length;
        for (const s of r.stats ?? []) {
          const requests = (s.ok ?? 0) + (s.rateLimited ?? 0) + (s.failed ?? 0);
          const statsBytes = barrage.v1.RequestStats.encode(s).finish().length;
          const peerBytes = hdrBase64Bytes(s.latency) + hdrBase64Bytes(s.serviceTime);
          const buckets =
            (s.latency?.counts ?? []).filter((c) => c > 0).length +
            (s.serviceTime?.counts ?? []).filter((c) => c > 0).length;
          const latencyBytes = s.latency ? barrage.v1.Histogram.encode(s.latency).finish().length : 0;
          const serviceBytes = s.serviceTime ? barrage.v1.Histogram.encode(s.serviceTime).finish().length : 0;
          // What-if, for the report: the same RequestStats bytes through deflate.
          const deflatedBytes = deflateRawSync(barrage.v1.RequestStats.encode(s).finish()).length;
          intervals.push({
            interval: r.interval ?? 0,
            requests,
            frameBytes: (r.stats ?? []).length === 1 ? frameBytes : NaN,
            statsBytes,
            peerBytes,
            latencyBytes,
            serviceBytes,
            buckets,
            deflatedBytes,
          });
        }
      }
      deliver(session, env);
    };
    const result = await run.execute();
    return { label, intervals, status: result.status };
  } finally {
    clearTimeout(killer);
    if (agent.exitCode === null && agent.signalCode === null) {
      agent.kill('SIGTERM');
      await once(agent, 'exit');
    }
    await cluster.close();
  }
}

pinSelf(0);
const m = machine();
const nginx = await startNginx({ cpu: 0 });
const t0 = performance.now();
const loads = {
  open: `
name: wire-open
interval: 1s # bytes per 1 s report, as the wire-size claim is stated
baseUrl: ${nginx.url}
requests: [{ name: get, path: / }]
scenarios: [{ name: open, executor: constant-arrival-rate, rate: ${RATE}, duration: ${SECONDS}s, maxInFlight: 2000, connections: 50, gracefulStop: 5s }]
`,
  closed: `
name: wire-closed
interval: 1s
baseUrl: ${nginx.url}
requests: [{ name: get, path: / }]
scenarios: [{ name: closed, executor: constant-vus, vus: 50, duration: ${SECONDS}s, connections: 50, gracefulStop: 5s }]
`,
};
const runs = [
  { label: 'open', intervals: [] as Interval[], status: [] as string[] },
  { label: 'closed', intervals: [] as Interval[], status: [] as string[] },
];
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of round % 2 === 0 ? runs : [...runs].reverse()) {
      const got = await measure(r.label, loads[r.label as keyof typeof loads], nginx.url);
      // Full intervals only: not the first (the agent starts within it) nor the last (partial).
      const seen = got.intervals.filter((i) => i.requests > 0);
      const first = Math.min(...seen.map((i) => i.interval));
      const last = Math.max(...seen.map((i) => i.interval));
      r.intervals.push(...seen.filter((i) => i.interval !== first && i.interval !== last));
      r.status.push(got.status);
    }
  }
} finally {
  await nginx.stop();
}

process.stdout.write(
  `wire size per request name per 1 s interval; one agent on CPU 1, nginx + controller on CPU 0; ${m.nproc} x ${m.cpu}, node ${m.node}\n`,
);
process.stdout.write(
  `${ROUNDS} rounds of each load, alternating; medians and maxima over every full interval of every round\n`,
);
process.stdout.write(
  'load                          intervals  median req/interval  barrage B/name (median, max)  frame B (median)  hdr base64 B (median, max)  barrage / hdr (median per interval)\n',
);
const figures = [];
const breakdown: string[] = [];
for (const r of runs) {
  const full = r.intervals;
  const reqs = median(full.map((i) => i.requests));
  const bMed = median(full.map((i) => i.statsBytes));
  const bMax = Math.max(...full.map((i) => i.statsBytes));
  const pMed = median(full.map((i) => i.peerBytes));
  const pMax = Math.max(...full.map((i) => i.peerBytes));
  const frame = median(full.map((i) => i.frameBytes));
  // Same interval, same histograms: the ratio per interval, then its median.
  const ratio = median(full.map((i) => i.statsBytes / i.peerBytes));
  breakdown.push(
    `${r.label.padEnd(7)} latency hist ${fmt(median(full.map((i) => i.latencyBytes)))} B, service-time hist ${fmt(median(full.map((i) => i.serviceBytes)))} B, rest ${fmt(bMed - median(full.map((i) => i.latencyBytes + i.serviceBytes)))} B; non-empty buckets ${fmt(median(full.map((i) => i.buckets)))} (${(median(full.map((i) => i.latencyBytes + i.serviceBytes)) / median(full.map((i) => i.buckets))).toFixed(2)} B each); deflated ${fmt(median(full.map((i) => i.deflatedBytes)))} B`,
  );
  const what = r.label === 'open' ? `open ${fmt(RATE)}/s (lat+svc hist)` : 'closed 50 VUs (lat hist)';
  process.stdout.write(
    `${what.padEnd(30)}${String(full.length).padStart(9)}  ${fmt(reqs).padStart(19)}  ${`${fmt(bMed)}, ${fmt(bMax)}`.padStart(28)}  ${fmt(frame).padStart(16)}  ${`${fmt(pMed)}, ${fmt(pMax)}`.padStart(26)}  ${ratio.toFixed(2).padStart(13)}   (runs ${r.status.join(', ')})\n`,
  );
  figures.push({
    claim: `bytes per name per 1 s interval, ${what}, at ${fmt(reqs)} req/interval (max over ${full.length} intervals)`,
    barrage: `${fmt(bMax)} B (median ${fmt(bMed)})`,
    peer: `${fmt(pMax)} B (median ${fmt(pMed)}) hdr-histogram-js base64`,
    ratio: `${ratio.toFixed(2)} (barrage / hdr, median per interval)`,
    goal: `<= ${GOAL_BYTES} B`,
    met: bMax <= GOAL_BYTES,
  });
}
process.stdout.write(`where barrage's bytes go (medians):\n${breakdown.map((l) => `  ${l}\n`).join('')}`);
process.stdout.write(
  `goal: <= ${GOAL_BYTES} B per name per interval (the max over full intervals); barrage / hdr < 1: barrage ships less than hdr-histogram-js would\n`,
);
process.stdout.write(`took ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
reportFigures('wire-size', figures);
