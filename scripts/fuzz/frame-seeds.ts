// Valid Envelopes of every kind for the frame fuzzer to mutate: the golden
// fixtures of packages/proto/test plus the kinds they lack, and reports that
// pass the controller's validation for a live run (consistent counters,
// well-formed histograms), so mutations land next to the validity boundary.
import {
  type barrage,
  clampLatencyUs,
  type EnvelopeShape,
  encodeHistogram,
  newIntervalHistogram,
  PROTOCOL_VERSION,
} from '@barrage/proto';
import { goldenEnvelopes } from '../../packages/proto/test/golden-envelope.ts';
import type { Prng } from './prng.ts';
import { cloneTree } from './tree-mutations.ts';

type Report = barrage.v1.Report.$Properties;

/** What a fuzzing agent knows about the run it is in (from its Assign). */
export interface RunSeed {
  runId: string;
  /** Request names and the check names each may count (checks, and `capture <var>`). */
  names: ReadonlyMap<string, readonly string[]>;
  startAt: number;
  /** The next unused report sequence number of this agent. */
  nextSeq(): number;
}

/** Outside a run: the golden fixture's names, so reports still look plausible. */
const NO_RUN: RunSeed = {
  runId: 'r-1',
  names: new Map([['sessions', ['header retry-after']]]),
  startAt: 1_700_000_000_000,
  nextSeq: () => 7,
};

export const SEED_KINDS = [
  'hello',
  'welcome',
  'clockPing',
  'clockPong',
  'assign',
  'assignOpen',
  'ready',
  'start',
  'stop',
  'report',
  'ack',
  'finished',
  'error',
  'status',
  'takeover',
] as const;
export type SeedKind = (typeof SEED_KINDS)[number];

/** Request names and their check names, as the controller derives them from the scenario. */
export function namesFromAssign(a: barrage.v1.IAssign): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const sc of a.scenarios ?? []) {
    for (const r of sc.requests ?? []) {
      out.set(r.name ?? '', [
        ...(r.checks ?? []).map((c) => c.name ?? ''),
        ...(r.captures ?? []).map((c) => `capture ${c.var ?? ''}`),
      ]);
    }
  }
  return out;
}

/** A report the controller must accept: every counter consistent, histograms exact. */
export function validReport(rng: Prng, run: RunSeed, final = false): Report {
  const stats: barrage.v1.RequestStats.$Properties[] = [];
  for (const [name, checks] of run.names) {
    if (rng.chance(0.3)) continue;
    const n = rng.int(40);
    const latency = newIntervalHistogram();
    const service = newIntervalHistogram();
    for (let i = 0; i < n; i++) {
      const us = clampLatencyUs(Math.floor(rng.float() ** 3 * 5_000_000) + 1);
      latency.recordValue(us);
      service.recordValue(Math.max(1, Math.floor(us / 2)));
    }
    const s429 = rng.int(n + 1);
    const s503 = rng.int(n - s429 + 1);
    const s200 = n - s429 - s503;
    const timeout = rng.int(3);
    const refused = rng.int(2);
    stats.push({
      name,
      latency: encodeHistogram(latency),
      serviceTime: rng.chance(0.5) ? encodeHistogram(service) : null,
      status: [
        { status: 200, count: s200 },
        { status: 429, count: s429 },
        { status: 503, count: s503 },
      ].filter((s) => s.count > 0),
      errors: { timeout, refused, reset: 0, other: 0 },
      ok: s200,
      rateLimited: s429,
      failed: s503 + timeout + refused,
      retryAfterPresent: rng.int(s429 + 1),
      dropped: rng.int(3),
      bytesReceived: n * 100,
      bytesSent: n * 10,
      firstRateLimitedAt: s429 > 0 ? run.startAt + 10 : 0,
      checks: checks.map((c) => {
        const passes = rng.int(n + 1);
        return { name: c, passes, fails: rng.int(n - passes + 1) };
      }),
    });
  }
  return {
    runId: run.runId,
    seq: run.nextSeq(),
    interval: rng.int(3),
    stats,
    startedAt: run.startAt,
    final,
    inFlight: rng.int(5),
    activeVus: rng.int(5),
    eventLoopP99Ms: rng.float() * 5,
    cpuCores: rng.float(),
    eventLoopMaxMs: rng.float() * 20,
  };
}

/** One valid Envelope of `kind`, for a run when `run` is given (its id, names and sequence). */
export function seedEnvelope(rng: Prng, kind: SeedKind, run: RunSeed = NO_RUN): EnvelopeShape {
  const { runId, startAt } = run;
  const names = [...run.names.keys()];
  switch (kind) {
    case 'hello': {
      const g = cloneTree(goldenEnvelopes.hello!);
      if (rng.chance(0.7)) g.hello!.agentId = `fzs-${rng.u32().toString(36)}`;
      return g;
    }
    case 'welcome':
      return {
        welcome: {
          protocolVersion: PROTOCOL_VERSION,
          agentId: 'a-1',
          controllerVersion: '0.1.0',
          maxFrameBytes: 4 * 1024 * 1024,
          resumed: rng.chance(0.5),
        },
      };
    case 'clockPing':
      return { clockPing: { id: rng.int(1000), t0: startAt + rng.float() * 1000 } };
    case 'clockPong':
      return { clockPong: { id: rng.int(1000), t0: startAt, t1: startAt + 1, t2: startAt + 2 } };
    case 'assign':
      return cloneTree(goldenEnvelopes.assign!);
    case 'assignOpen':
      return cloneTree(goldenEnvelopes.assignOpen!);
    case 'ready':
      return { ready: { runId, clockOffsetMs: rng.float() - 0.5, clockRttMs: rng.float() * 2 } };
    case 'start':
      return { start: { runId, startAt } };
    case 'stop':
      return cloneTree(goldenEnvelopes.stop!);
    case 'report':
      return rng.chance(0.9) ? { report: validReport(rng, run) } : cloneTree(goldenEnvelopes.report!);
    case 'ack':
      return { ack: { runId, seq: rng.int(20) } };
    case 'finished':
      return {
        finished: {
          runId,
          startedAt: startAt,
          endedAt: startAt + 1000,
          lastSeq: rng.int(20),
          stopId: rng.int(3),
          completionLogTruncated: false,
          completedBeforeFirstRateLimited: [
            { name: '', count: rng.int(100) },
            ...names.map((name) => ({ name, count: rng.int(50) })),
          ],
        },
      };
    case 'error':
      return cloneTree(goldenEnvelopes.error!);
    case 'status':
      return {
        status: {
          runId,
          state: rng.pick(['idle', 'running', 'done']),
          inFlight: rng.int(10),
          activeVus: rng.int(10),
          rps: rng.float() * 1000,
          cpuCores: rng.float(),
          eventLoopP99Ms: rng.float() * 10,
        },
      };
    case 'takeover':
      return {
        takeover: {
          runId,
          id: 1,
          fromAt: startAt + 5000,
          lostStart: 0,
          lostEnd: 0.5,
          shares: [{ scenario: 0, vus: 2, arrivals: 10, maxInFlight: 5, partStart: 0, partEnd: 1 }],
        },
      };
  }
}
