// One whole fuzz session against a fresh controller process: frames outside
// and inside a run, scenarios through the API, histogram bombs timed
// in-process, then the checks that nothing was hurt (the process is alive,
// answers /api/v1/health, and the sentinel agent connected at the start is
// still connected and answered). Shared by `npm run fuzz` and test/faults/fuzz.test.ts.
import { call } from './api-client.ts';
import { startController } from './controller-process.ts';
import { FakeAgent } from './fake-agent.ts';
import { fuzzIdleFrames, fuzzInRunFrames, type InRunResult } from './frame-fuzzer.ts';
import { type BombTiming, timeBombs } from './histogram-bombs.ts';
import { mergeOverflow, type OverflowResult } from './merge-overflow.ts';
import { fuzzScenarios, type ScenarioResult } from './scenario-fuzzer.ts';
import { Tally } from './tally.ts';

export interface FuzzOptions {
  seed: number;
  frames: number;
  scenarios: number;
  /** Timing repetitions per histogram bomb. */
  bombReps: number;
  /** Concurrent agent connections / API requests. */
  concurrency?: number;
  /** The share of frames sent by agents inside a live run. */
  inRunShare?: number;
  /** Also run the (minute-long) merge overflow: valid reports until the merged histogram passes 2^53. */
  mergeOverflow?: boolean;
  /** Progress lines (phase starts). */
  log?: (line: string) => void;
}

export interface FuzzResult {
  seed: number;
  durationMs: number;
  phaseMs: Record<string, number>;
  tally: Tally;
  inRun: InRunResult | undefined;
  scenarios: ScenarioResult | undefined;
  overflow: OverflowResult | undefined;
  bombs: BombTiming[];
  /** How the controller process ended, if it ended by itself. */
  crashed: string | undefined;
  healthStatus: number;
  sentinelAlive: boolean;
  /** Error-level lines the controller logged. */
  errorLines: string[];
  /** Node warnings the controller printed. */
  warnings: string[];
  ok: boolean;
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzResult> {
  const t0 = performance.now();
  const log = o.log ?? (() => {});
  const tally = new Tally();
  const phaseMs: Record<string, number> = {};
  const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    log(`${name} ...`);
    const t = performance.now();
    try {
      return await f();
    } finally {
      phaseMs[name] = performance.now() - t;
    }
  };
  const ctl = await startController(`fuzz-token-${o.seed}`);
  const abort = () => ctl.exit !== undefined;
  const concurrency = o.concurrency ?? 16;
  let inRun: InRunResult | undefined;
  let scenarios: ScenarioResult | undefined;
  let overflow: OverflowResult | undefined;
  let sentinelAlive = false;
  let healthStatus = 0;
  try {
    const sentinel = await FakeAgent.connect(ctl, `fz-sentinel-${o.seed}`);
    const inRunFrames = Math.round(o.frames * (o.inRunShare ?? 0.25));
    await timed('frames outside a run', () =>
      fuzzIdleFrames({ ctl, tally, seed: o.seed, frames: o.frames - inRunFrames, concurrency, abort }),
    );
    if (!abort())
      inRun = await timed('frames inside a run', () =>
        fuzzInRunFrames({ ctl, tally, seed: o.seed, frames: inRunFrames, concurrency, abort }, sentinel),
      );
    if (!abort())
      scenarios = await timed('scenarios', () =>
        fuzzScenarios({
          ctl,
          tally,
          seed: o.seed,
          scenarios: o.scenarios,
          concurrency: Math.min(concurrency, 4),
          sentinel,
          abort,
        }),
      );
    if (o.mergeOverflow && !abort())
      overflow = await timed('merge overflow', () => mergeOverflow(ctl, sentinel, tally, log));
    const health = await call(ctl, 'GET', '/api/v1/health');
    healthStatus =
      'answer' in health && (health.answer.json as { status?: string } | undefined)?.status === 'ok'
        ? health.answer.status
        : 0;
    sentinelAlive = !abort() && (await sentinel.alive());
    await sentinel.link.close();
  } finally {
    await ctl.stop();
  }
  log('histogram bombs ...');
  const tb = performance.now();
  const bombs = timeBombs(o.bombReps);
  phaseMs['histogram bombs'] = performance.now() - tb;
  const crashed = ctl.exit ? `exit code ${ctl.exit.code}, signal ${ctl.exit.signal}` : undefined;
  const ok =
    crashed === undefined &&
    tally.anomalyCount === 0 &&
    healthStatus === 200 &&
    sentinelAlive &&
    ctl.errorLines.length === 0 &&
    bombs.every((b) => b.ok) &&
    tally.get('frames.sent') >= o.frames &&
    tally.get('scenarios.sent') >= o.scenarios;
  return {
    seed: o.seed,
    durationMs: performance.now() - t0,
    phaseMs,
    tally,
    inRun,
    scenarios,
    overflow,
    bombs,
    crashed,
    healthStatus,
    sentinelAlive,
    errorLines: ctl.errorLines,
    warnings: ctl.warnings,
    ok,
  };
}
