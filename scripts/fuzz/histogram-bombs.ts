// Crafted latency-histogram bombs and their timing through the controller's own
// path for a Report frame: decodeEnvelope, validateReport, then (only if it
// passes) the merge. Each bomb says what must happen to it; the fuzzer also
// splices these histograms into live reports.
import {
  barrage,
  decodeEnvelope,
  encodeEnvelope,
  HIGHEST_US,
  HISTOGRAM_CONFIG_V1,
  newIntervalHistogram,
} from '@barrage/proto';
import { RunAggregate } from '../../packages/controller/src/merge/run-aggregate.ts';
import { validateReport } from '../../packages/controller/src/run/report-validation.ts';
import { concat, ld, packedSint32, vfield } from './wire-bytes.ts';

type WireHistogram = barrage.v1.Histogram.$Properties;
type Report = barrage.v1.Report;

export const BOMB_RUN_ID = 'fuzz-bomb-run';
/** Request names (and their check names) the bomb reports are validated against. */
export const BOMB_NAMES: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['r1', new Set(['header x-a'])],
  ['r2', new Set<string>()],
]);

const INDEXER = newIntervalHistogram();
/** Buckets in the protocol's one histogram configuration. */
export const COUNTS_LENGTH = INDEXER.countsArrayLength;
const TOP = INDEXER.countsArrayIndex(HIGHEST_US);

export interface Bomb {
  name: string;
  /** The rejection code it must get, or 'accepted' for a legal extreme that must merge cheaply. */
  expect: string;
  /** Wire bytes of a whole Envelope{report}; absent for an in-process-only bomb. */
  frame?: Uint8Array;
  /** A report object handed straight to validation (shapes the wire cannot carry). */
  report?: Report;
}

const h = (counts: number[], min: number, max: number, config = HISTOGRAM_CONFIG_V1): WireHistogram => ({
  config,
  counts,
  min,
  max,
});

/** Histograms that must be refused, for splicing into fuzzed reports. */
export function hostileHistograms(): WireHistogram[] {
  return [
    h([-COUNTS_LENGTH, 1], 1, 1),
    h(new Array<number>(COUNTS_LENGTH).fill(-(2 ** 31)), 1, 1),
    h([-(COUNTS_LENGTH - 1), 1, 1], 1, 1),
    h([-2_000_000_000, 1], 1, 1),
    h(new Array<number>(COUNTS_LENGTH + 1).fill(1), 1, 1),
    h([-5, 1], 5, HIGHEST_US + 1),
    h([-5, 1], 0, 5),
    h([3], 1, 1, 7),
    h([-10, 2, 0, 1], 10, 12),
    h([-10, 2], 11, 10),
    h([-10, 1], 10, 11),
    h([], 3, 3),
  ];
}

function reportFrame(
  stats: barrage.v1.RequestStats.$Properties[],
  extra: Partial<barrage.v1.Report.$Properties> = {},
): Uint8Array {
  return encodeEnvelope({ report: { runId: BOMB_RUN_ID, seq: 1, interval: 0, stats, ...extra } });
}

const oneStat = (latency: WireHistogram, responses: number): barrage.v1.RequestStats.$Properties => ({
  name: 'r1',
  latency,
  status: responses > 0 ? [{ status: 200, count: responses }] : [],
  ok: responses,
});

/** Envelope{report{stats{latency: <raw histogram bytes>}}} with honest outer lengths. */
function rawHistogramFrame(histogram: Uint8Array): Uint8Array {
  const stats = concat(
    ld(1, new TextEncoder().encode('r1')),
    ld(2, histogram),
    ld(4, concat(vfield(1, 200), vfield(2, 1))),
    vfield(6, 1),
  );
  const report = concat(ld(1, new TextEncoder().encode(BOMB_RUN_ID)), vfield(2, 1), ld(4, stats));
  return ld(9, report);
}

export function histogramBombs(): Bomb[] {
  const everyBucket = [-1, ...new Array<number>(TOP).fill(1)];
  const maxCounts = [-1, ...new Array<number>(TOP).fill(2 ** 31 - 1)];
  const fourMiBOfSkips = new Array<number>(4 * 1024 * 1024 - 64).fill(-1);
  return [
    {
      name: 'zero-run covering the whole range',
      expect: 'PROTO_HISTOGRAM_INVALID',
      frame: reportFrame([oneStat(h([-COUNTS_LENGTH, 1], 1, 1), 1)]),
    },
    {
      name: 'zero-runs only, every one -2^31',
      expect: 'PROTO_HISTOGRAM_INVALID',
      frame: reportFrame([oneStat(h(new Array<number>(COUNTS_LENGTH).fill(-(2 ** 31)), 1, 1), 1)]),
    },
    {
      name: 'length lie: packed counts claim 2^31 bytes',
      expect: 'PROTO_FRAME_INVALID',
      frame: rawHistogramFrame(
        concat(vfield(1, 1), ld(2, packedSint32([-5, 1, 1]), 2 ** 31), vfield(3, 5), vfield(4, 6)),
      ),
    },
    {
      name: 'length lie: stats claim more than the frame',
      expect: 'PROTO_FRAME_INVALID',
      frame: ld(
        9,
        concat(
          ld(1, new TextEncoder().encode(BOMB_RUN_ID)),
          vfield(2, 1),
          ld(4, concat(ld(1, new TextEncoder().encode('r1'))), 1_000_000),
        ),
      ),
    },
    {
      name: 'counts summing past 2^53 (in-process: sint32 cannot carry them)',
      expect: 'PROTO_HISTOGRAM_INVALID',
      report: barrage.v1.Report.create({
        runId: BOMB_RUN_ID,
        seq: 1,
        interval: 0,
        stats: [
          barrage.v1.RequestStats.create({
            name: 'r1',
            latency: h([-1, 2 ** 52, 2 ** 52, 2 ** 52], 1, 3),
            status: [barrage.v1.StatusCount.create({ status: 200, count: 3 * 2 ** 52 })],
            ok: 3 * 2 ** 52,
          }),
        ],
      }),
    },
    {
      name: `every bucket at 2^31-1 (${(TOP * (2 ** 31 - 1)).toExponential(2)} samples)`,
      expect: 'CTRL_REPORT_INVALID',
      frame: reportFrame([oneStat(h(maxCounts, 1, HIGHEST_US), 2 ** 32 - 1)]),
    },
    {
      name: 'an index past the bucket array',
      expect: 'PROTO_HISTOGRAM_INVALID',
      frame: reportFrame([oneStat(h([-(COUNTS_LENGTH - 1), 1, 1], 1, 1), 2)]),
    },
    {
      name: 'a zero-run of two billion buckets',
      expect: 'PROTO_HISTOGRAM_INVALID',
      frame: reportFrame([oneStat(h([-2_000_000_000, 1], 1, 1), 1)]),
    },
    {
      name: 'zero-runs summing to ~5e13 buckets',
      expect: 'PROTO_HISTOGRAM_INVALID',
      frame: reportFrame([oneStat(h([...new Array<number>(COUNTS_LENGTH - 1).fill(-(2 ** 31 - 1)), 1], 1, 1), 1)]),
    },
    {
      name: 'one entry more than there are buckets',
      expect: 'PROTO_HISTOGRAM_INVALID',
      frame: reportFrame([oneStat(h(new Array<number>(COUNTS_LENGTH + 1).fill(1), 1, 1), COUNTS_LENGTH + 1)]),
    },
    {
      name: '4 MiB frame of one-byte zero-runs',
      expect: 'PROTO_HISTOGRAM_INVALID',
      frame: reportFrame([oneStat(h(fourMiBOfSkips, 1, 1), 1)]),
    },
    {
      name: 'unknown configuration',
      expect: 'PROTO_HISTOGRAM_INVALID',
      frame: reportFrame([oneStat(h([-5, 1], 5, 5, 2), 1)]),
    },
    {
      name: 'min/max outside the occupied buckets',
      expect: 'PROTO_HISTOGRAM_INVALID',
      frame: reportFrame([oneStat(h([-1000, 1, 1], 999, 1002), 2)]),
    },
    {
      name: 'a count of two billion in one bucket (legal: merged in O(1))',
      expect: 'accepted',
      frame: reportFrame([oneStat(h([-999, 2_000_000_000], 999, 999), 2_000_000_000)]),
    },
    {
      name: `every legal bucket once (${TOP} entries, legal)`,
      expect: 'accepted',
      frame: reportFrame([oneStat(h(everyBucket, 1, HIGHEST_US), TOP)]),
    },
    // Not a histogram: the most objects a 4 MiB frame makes the decoder build, for comparison.
    {
      name: '4 MiB frame of 2M empty RequestStats (decode cost)',
      expect: 'CTRL_REPORT_INVALID',
      frame: reportFrame(new Array(2 * 1024 * 1024 - 16).fill(null).map(() => ({}))),
    },
  ];
}

export interface BombTiming {
  name: string;
  expect: string;
  /** What the controller's path did: an error code, or 'accepted'. */
  result: string;
  ok: boolean;
  frameBytes: number;
  reps: number;
  medianMs: number;
  maxMs: number;
}

/** What the controller does with one report frame (run.ts onReport), minus the socket. */
function receive(bomb: Bomb, aggregate: RunAggregate, seq: number): string {
  try {
    const r = bomb.frame ? (decodeEnvelope(bomb.frame).report as Report | null) : bomb.report!;
    if (!r) return 'not a report';
    r.seq = seq;
    validateReport(r, BOMB_RUN_ID, BOMB_NAMES, 10);
    aggregate.add('bomb-agent', r);
    return 'accepted';
  } catch (err) {
    return (err as { code?: string }).code ?? `uncoded ${(err as Error).name}: ${(err as Error).message}`;
  }
}

/** Each bomb's repetitions stop past this much time (a 4 MiB frame costs ~0.5 s a go). */
const BOMB_BUDGET_MS = 2_000;

/** Times each bomb up to `reps` times (fresh sequence numbers, one aggregate per bomb). */
export function timeBombs(reps: number): BombTiming[] {
  return histogramBombs().map((bomb) => {
    const aggregate = new RunAggregate(BOMB_NAMES.keys());
    const times: number[] = [];
    let result = '';
    let spent = 0;
    for (let i = 0; i < Math.max(1, reps) && (i < 3 || spent < BOMB_BUDGET_MS); i++) {
      const t0 = performance.now();
      result = receive(bomb, aggregate, i + 1);
      times.push(performance.now() - t0);
      spent += times[times.length - 1]!;
    }
    times.sort((a, b) => a - b);
    return {
      name: bomb.name,
      expect: bomb.expect,
      result,
      ok: result === bomb.expect,
      frameBytes: bomb.frame?.length ?? 0,
      reps: times.length,
      medianMs: times[Math.floor(times.length / 2)]!,
      maxMs: times[times.length - 1]!,
    };
  });
}
