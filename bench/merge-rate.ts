// Claim: the controller merges >= 20,000 interval histograms per second on one
// core, exactly. Hundreds of simulated agents record realistic latencies with
// the agent's own Recorder (BENCH_SAMPLES per name per interval, lognormal
// between 0.5 ms and 2 s, a different median per name), snapshot() them into
// Reports and encode them as the reporter does. Timed: the controller's path
// for every frame, decodeEnvelope -> validateReport -> RunAggregate.add (per
// name, total, per interval, per agent), a read of the run's p95 after each
// interval (as the progress line and live thresholds do), and closeAll. The
// peer, measured in the same run on the same histograms, alternating A B A B:
// hdr-histogram-js decodeFromCompressedBase64 + add into one total histogram
// (no validation, one target). Printed: medians of both rates (interval
// histograms per second), the ratio, whether the goal is met; asserted: the
// merged total and per-name percentiles equal those of one histogram holding
// every sample. The process pins itself to one CPU (BENCH_CPU, default 1;
// "none" to leave it free), so the rates are per core, V8's helper threads
// included. Setup (recording 120 M samples) takes about a minute.
// usage: node bench/merge-rate.ts   (env BENCH_AGENTS, BENCH_NAMES, BENCH_INTERVALS, BENCH_SAMPLES, BENCH_ROUNDS, BENCH_CPU)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { cpus } from 'node:os';
import {
  addWireHistogram,
  type barrage,
  clampLatencyUs,
  decodeEnvelope,
  encodeEnvelope,
  HIGHEST_US,
  installFastHistogramDecode,
  LOWEST_US,
  newIntervalHistogram,
  newTotalHistogram,
  SIGNIFICANT_DIGITS,
} from '@barrage/proto';
import {
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  Float64Histogram,
  type JsHistogram,
} from 'hdr-histogram-js';
import { Recorder, type ResponseSample } from '../packages/agent/src/measure/recorder.ts';
import { RunAggregate } from '../packages/controller/src/merge/run-aggregate.ts';
import { validateReport } from '../packages/controller/src/run/report-validation.ts';

installFastHistogramDecode(); // the controller's decode, as its entry point installs it

const AGENTS = Number(process.env.BENCH_AGENTS ?? 300);
const NAME_COUNT = Number(process.env.BENCH_NAMES ?? 10);
const INTERVALS = Number(process.env.BENCH_INTERVALS ?? 2);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CPU = process.env.BENCH_CPU ?? (cpus().length >= 2 ? '1' : 'none');
const GOAL = 20_000;
const RUN_ID = 'bench-run';
const START_AT = 1_700_000_000_000;
const PERCENTILES = [50, 90, 99, 99.9, 100];

// Seeded, so every run merges the same histograms.
let seed = 0x9e3779b9;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

// Each name is a different endpoint: medians from 2 ms to 250 ms, a wide spread.
const names = Array.from({ length: NAME_COUNT }, (_, i) => `endpoint-${i}`);
const medianUs = names.map((_, i) => 2000 * 125 ** (i / Math.max(1, NAME_COUNT - 1)));
const sigma = names.map((_, i) => 0.5 + (0.5 * ((i * 7) % NAME_COUNT)) / NAME_COUNT);
/** Lognormal latency in microseconds, redrawn until it lies within 0.5 ms .. 2 s. */
function latencyUs(name: number, agentSlowdown: number): number {
  for (;;) {
    const us = medianUs[name]! * agentSlowdown * Math.exp(sigma[name]! * gaussian());
    if (us >= 500 && us <= 2_000_000) return us;
  }
}

let pinned = 'not pinned';
if (CPU !== 'none') {
  const r = spawnSync('taskset', ['-a', '-cp', CPU, String(process.pid)]);
  pinned = r.status === 0 ? `pinned to CPU ${CPU}` : 'not pinned (taskset failed)';
}

// ---- build the traffic: frames in arrival order (interval by interval, every agent) ----
const setupStarted = performance.now();
const truth = newTotalHistogram();
const truthByName = names.map(() => newTotalHistogram());
const frames: Uint8Array[] = [];
const frameAgent: string[] = [];
const peerB64: string[] = [];
const recorders = Array.from({ length: AGENTS }, () => new Recorder(names));
const slowdown = Array.from({ length: AGENTS }, () => 0.8 + 0.4 * random());
const sample: ResponseSample = {
  latencyUs: 0,
  status: 200,
  ok: true,
  retryAfter: false,
  bytesReceived: 512,
  bytesSent: 180,
  at: 0,
};
const peerSource = newIntervalHistogram();
let wireBytes = 0;
let peerChars = 0;
let histograms = 0;
for (let k = 0; k < INTERVALS; k++) {
  for (let a = 0; a < AGENTS; a++) {
    const recorder = recorders[a]!;
    for (let n = 0; n < NAME_COUNT; n++) {
      const truthName = truthByName[n]!;
      for (let i = 0; i < SAMPLES; i++) {
        const us = latencyUs(n, slowdown[a]!);
        const r = random();
        sample.latencyUs = us;
        sample.status = r < 0.985 ? 200 : r < 0.995 ? 500 : 429;
        sample.ok = sample.status === 200;
        sample.retryAfter = sample.status === 429;
        sample.at = START_AT + k * 1000 + (i * 1000) / SAMPLES;
        recorder.record(n, sample);
        const v = clampLatencyUs(us);
        truth.recordValue(v);
        truthName.recordValue(v);
      }
    }
    const stats = recorder.snapshot();
    const frame = encodeEnvelope({
      report: {
        runId: RUN_ID,
        seq: k + 1,
        interval: k,
        stats,
        startedAt: START_AT,
        final: k === INTERVALS - 1,
        inFlight: 40,
        activeVus: 50,
        eventLoopP99Ms: 3.2,
        eventLoopMaxMs: 11.5,
        cpuCores: 0.7,
        leaseExpiredAt: 0,
      },
    });
    frames.push(frame);
    frameAgent.push(`agent-${a}`);
    wireBytes += frame.byteLength;
    // The peer gets the very same buckets, in its own compressed base64 encoding.
    for (const s of stats) {
      peerSource.reset();
      addWireHistogram(peerSource, s.latency);
      const b64 = encodeIntoCompressedBase64(peerSource);
      peerB64.push(b64);
      peerChars += b64.length;
      histograms++;
    }
  }
}
const setupSeconds = (performance.now() - setupStarted) / 1000;

// ---- the two timed paths ----
const checkNames: ReadonlyMap<string, ReadonlySet<string>> = new Map(names.map((n) => [n, new Set<string>()]));
const instantOk = (t: number) => t >= START_AT - 60_000 && t <= START_AT + INTERVALS * 1000 + 60_000;

// biome-ignore lint/correctness/noUnusedVariables: a sink: the per-interval p95 reads must not be dead code
let p95 = 0;
function barrageRound(): { seconds: number; aggregate: RunAggregate } {
  const t0 = performance.now();
  const aggregate = new RunAggregate(names);
  for (let f = 0; f < frames.length; f++) {
    const env = decodeEnvelope(frames[f]!);
    if (env.body !== 'report') throw new Error('not a report');
    const r = env.report as barrage.v1.Report;
    validateReport(r, RUN_ID, checkNames, INTERVALS + 2, instantOk);
    aggregate.add(frameAgent[f]!, r);
    // Once per interval the controller reads the run's totals (progress line, live thresholds).
    if ((f + 1) % AGENTS === 0) p95 += aggregate.total.latency.getValueAtPercentile(95);
  }
  aggregate.closeAll();
  return { seconds: (performance.now() - t0) / 1000, aggregate };
}

function peerRound(): { seconds: number; total: Float64Histogram } {
  const t0 = performance.now();
  const total = new Float64Histogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS);
  for (let i = 0; i < peerB64.length; i++) {
    const h = decodeFromCompressedBase64(peerB64[i]!);
    total.add(h as unknown as JsHistogram);
    h.destroy();
  }
  return { seconds: (performance.now() - t0) / 1000, total };
}

function assertEqualPercentiles(
  got: { totalCount: number; getValueAtPercentile(p: number): number },
  want: Float64Histogram,
  what: string,
  ps: number[],
): void {
  assert.equal(got.totalCount, want.totalCount, `${what}: count`);
  for (const p of ps) assert.equal(got.getValueAtPercentile(p), want.getValueAtPercentile(p), `${what}: p${p}`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

process.stdout.write(
  `merge rate: ${AGENTS} agents x ${NAME_COUNT} names x ${INTERVALS} intervals = ${fmt(histograms)} interval histograms of ${fmt(SAMPLES)} samples (lognormal, 0.5 ms .. 2 s)\n`,
);
process.stdout.write(`node ${process.version}, ${pinned}\n`);
process.stdout.write(
  `wire: ${frames.length} Report frames, ${(wireBytes / 1e6).toFixed(1)} MB, ${(wireBytes / histograms / 1024).toFixed(1)} KB per histogram; hdr-histogram-js compressed base64 ${(peerChars / histograms / 1024).toFixed(1)} KB per histogram; setup ${setupSeconds.toFixed(1)} s\n`,
);
process.stdout.write('round   barrage hist/s   hdr-histogram-js hist/s\n');

// Warm-up of both paths (not counted), then A B A B.
barrageRound();
peerRound();
const ours: number[] = [];
const peers: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const a = barrageRound();
  const b = peerRound();
  ours.push(histograms / a.seconds);
  peers.push(histograms / b.seconds);
  process.stdout.write(
    `${String(round).padStart(5)}   ${fmt(ours.at(-1)!).padStart(14)}   ${fmt(peers.at(-1)!).padStart(23)}\n`,
  );
  if (round === 1) {
    // Exactness: the merged total and each name equal one histogram holding every sample.
    const merged = a.aggregate.total.latency;
    assertEqualPercentiles(merged, truth, 'total', PERCENTILES);
    assert.equal(merged.maxValue, truth.maxValue, 'total: max');
    assert.equal(merged.minNonZeroValue, truth.minNonZeroValue, 'total: min');
    assert.equal(merged.mean, truth.mean, 'total: mean');
    names.forEach((n, i) =>
      assertEqualPercentiles(a.aggregate.byName.get(n)!.latency, truthByName[i]!, n, PERCENTILES),
    );
    assert.equal(
      a.aggregate.series().reduce((s, p) => s + p.requests, 0),
      truth.totalCount,
      'per-interval requests',
    );
    assert.equal(a.aggregate.duplicates, 0);
    // The peer's merge holds the same buckets (its p100 is a bucket bound, not the exact max).
    assertEqualPercentiles(b.total, truth, 'peer total', [50, 90, 99, 99.9]);
  }
}
const oursMedian = median(ours);
const peerMedian = median(peers);
process.stdout.write(
  `barrage   decodeEnvelope + validateReport + RunAggregate.add: ${fmt(oursMedian)} interval histograms/s (median of ${ROUNDS})\n`,
);
process.stdout.write(
  `peer      hdr-histogram-js 3.0.1 decodeFromCompressedBase64 + add: ${fmt(peerMedian)} interval histograms/s (median of ${ROUNDS})\n`,
);
process.stdout.write(`ratio barrage/peer: ${(oursMedian / peerMedian).toFixed(2)}\n`);
process.stdout.write(
  `exactness: merged total (${fmt(truth.totalCount)} samples) and every name: p50 p90 p99 p99.9 p100, min, max, mean equal one histogram of every sample: ok\n`,
);
const met = oursMedian >= GOAL;
process.stdout.write(`goal >= ${fmt(GOAL)} interval histograms/s on one core: ${met ? 'met' : 'NOT met'}\n`);
// For bench/run-all.ts (a JSON-lines file of figures); nothing when run alone.
if (process.env.BENCH_FIGURES) {
  appendFileSync(
    process.env.BENCH_FIGURES,
    `${JSON.stringify({
      bench: 'merge-rate',
      claim: 'controller merge rate, interval histograms/s on one core (decode + validate + merge, exact)',
      barrage: fmt(oursMedian),
      peer: `${fmt(peerMedian)} (hdr-histogram-js decode + add)`,
      ratio: (oursMedian / peerMedian).toFixed(2),
      goal: `>= ${fmt(GOAL)}/s`,
      met,
    })}\n`,
  );
}
