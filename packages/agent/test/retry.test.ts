// Retries on fake time, through the dispatch seam: a target answers 429 with
// Retry-After to the first attempts of each logical request (keyed by its
// ${iteration}); the agent waits at least what was asked before each retry,
// records each retried attempt with its status (neither ok nor failed, no
// latency sample), one latency sample per logical request from its first (or
// intended) send through its final attempt, give-ups when the retries run out,
// the backoff when no Retry-After came; an open model's arrivals keep their
// schedule while retries wait; closing cuts every wait short (no timer left).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArrivalSchedule } from '@barrage/core';
import { barrage, scanHistogram } from '@barrage/proto';
import { RetryingRequester } from '../src/http/retry.ts';
import { ClosedModel } from '../src/load/closed-model.ts';
import { OpenModel } from '../src/load/open-model.ts';
import { CompletionLog } from '../src/measure/completion-log.ts';
import { Recorder } from '../src/measure/recorder.ts';
import { prepareAssignment } from '../src/run/assignment.ts';
import { FakeTarget } from './helpers/fake-target.ts';
import { FakeTime, T0 } from './helpers/fake-time.ts';

const E = barrage.v1.Executor;

interface Setup {
  /** Attempts of each logical request answered `status` before a 200; default 2. */
  refusals?: number;
  status?: number;
  /** The Retry-After header sent with a refusal; undefined: none. */
  retryAfter?: string;
  retry?: barrage.v1.RetrySpec.$Properties;
  vus?: number;
  durationMs?: number;
  open?: { rate: number; maxInFlight: number };
}

const POLICY: barrage.v1.RetrySpec.$Properties = {
  onStatus: [429, 503],
  max: 3,
  baseMs: 100,
  maxMs: 5_000,
  jitter: false,
  honorRetryAfter: true,
};

function retryRun(o: Setup) {
  const time = new FakeTime();
  const attempts = new Map<string, number>();
  const refusals = o.refusals ?? 2;
  const target = new FakeTarget(time, {
    serviceMs: 10,
    status: (path) => {
      const n = (attempts.get(path) ?? 0) + 1;
      attempts.set(path, n);
      return n <= refusals ? (o.status ?? 429) : 200;
    },
    headers: (_path, status): Record<string, string> =>
      status !== 200 && o.retryAfter !== undefined ? { 'retry-after': o.retryAfter } : {},
  });
  const names: string[] = [];
  const durationMs = o.durationMs ?? 5_000;
  const schedule = o.open ? new ArrivalSchedule(o.open.rate, [{ durationMs, target: o.open.rate }]) : null;
  const [s] = prepareAssignment(
    {
      runId: 'r',
      scenarios: [
        {
          name: 's',
          executor: o.open ? E.EXECUTOR_CONSTANT_ARRIVAL_RATE : E.EXECUTOR_CONSTANT_VUS,
          vus: o.open ? 0 : (o.vus ?? 1),
          vuSpan: o.vus ?? 1,
          durationMs,
          ...(o.open && schedule
            ? {
                startTarget: o.open.rate,
                stages: [{ durationMs, target: o.open.rate }],
                totalArrivals: schedule.total,
                iterations: schedule.total,
                maxInFlight: o.open.maxInFlight,
              }
            : {}),
          requests: [
            { name: 'api', method: 'GET', url: 'http://target.test/api?i=${iteration}', retry: o.retry ?? POLICY },
          ],
          mix: [{ name: 'api', weight: 1, steps: [0] }],
        },
      ],
    },
    names,
  );
  const recorder = new Recorder(names, o.open ? new Set(['api']) : new Set());
  const requester = new RetryingRequester({
    allowH2: false,
    connections: 100,
    recorder,
    log: new CompletionLog(),
    clock: time,
    timers: time,
    serviceTime: o.open !== undefined,
    dispatch: target.pool(100),
  });
  let idle = false;
  const ctx = {
    clock: time,
    timers: time,
    requester,
    entries: s!.entries,
    onIdle: () => (idle = true),
    // ${iteration} keys each logical request at the target.
    generation: {
      indexes: {
        kind: o.open ? ('open' as const) : ('unbounded' as const),
        vuOffset: 0,
        iterationOffset: 0,
        iterationsPerVu: 0,
      },
      seed: s!.seed,
      scenarioIndex: 0,
      scenarioCount: 1,
      maxSteps: 1,
      clock: time,
    },
  };
  const model =
    o.open && schedule
      ? new OpenModel(ctx, { schedule, count: s!.iterations, phase: 0, startAt: T0, maxInFlight: o.open.maxInFlight })
      : new ClosedModel(ctx, {
          vus: o.vus ?? 1,
          iterations: Infinity,
          iterationsPerVu: Infinity,
          startAt: T0,
          endAt: T0 + durationMs,
          thinkTimeMs: 0,
        });
  // Every attempt of each logical request, in order: [sent, answered] (ms after the start).
  const byRequest = () => {
    const m = new Map<string, Array<[number, number]>>();
    for (const r of target.requests) {
      let a = m.get(r.path);
      if (a === undefined) m.set(r.path, (a = []));
      a.push([r.dispatchedAt - T0, (r.answeredAt ?? Number.NaN) - T0]);
    }
    return m;
  };
  return { time, model, requester, recorder, target, byRequest, idle: () => idle };
}

const statusOf = (s: barrage.v1.RequestStats.$Properties) =>
  Object.fromEntries((s.status ?? []).map((c) => [c.status!, c.count!]));

test('closed model: each request succeeds on its third attempt, no retry before Retry-After, attempts counted', async () => {
  const m = retryRun({ retryAfter: '1', durationMs: 5_000 });
  m.model.start();
  await m.time.advance(10_000);
  assert.ok(m.idle());
  const [api] = m.recorder.snapshot();
  const reqs = m.byRequest();
  const n = reqs.size;
  // One VU: 10 ms + 1 s + 10 ms + 1 s + 10 ms per logical request, started while the model runs.
  assert.equal(n, 3);
  for (const [path, a] of reqs) {
    assert.equal(a.length, 3, `${path}: three attempts`);
    for (let k = 1; k < a.length; k++) assert.ok(a[k]![0] - a[k - 1]![1] >= 1_000, `${path}: waited Retry-After`);
  }
  assert.equal(api!.ok, n);
  assert.equal(api!.retries, 2 * n);
  assert.equal(api!.retriedAnswers, 2 * n);
  assert.equal(api!.retriedRateLimited, 2 * n);
  assert.equal(api!.rateLimited, 0, 'no logical request ended rate limited');
  assert.equal(api!.failed, 0);
  assert.equal(api!.giveUps, 0);
  assert.equal(api!.retriesBeforeRetryAfter, 0);
  assert.deepEqual(statusOf(api!), { 200: n, 429: 2 * n }, "barrage's statuses are the target's");
  assert.equal(api!.retryAfterBuckets![1], 2 * n, 'Retry-After 1 s: the <= 1000 ms bucket');
  // One latency sample per logical request, from its first send through its final answer.
  const latency = scanHistogram(api!.latency);
  assert.equal(latency.total, n);
  assert.ok(latency.max! >= 2_030_000 && latency.max! < 2_040_000, `latency ${latency.max}`);
  assert.equal(scanHistogram(api!.attemptServiceTime).total, 2 * n, 'each retried attempt timed apart');
});

test('retries spent: the last answer is the outcome and a give-up is counted', async () => {
  const m = retryRun({ refusals: 99, retryAfter: '1', retry: { ...POLICY, max: 2 }, durationMs: 3_000 });
  m.model.start();
  await m.time.advance(10_000);
  const [api] = m.recorder.snapshot();
  const n = m.byRequest().size;
  assert.ok(n >= 1);
  assert.equal(api!.rateLimited, n);
  assert.equal(api!.giveUps, n);
  assert.equal(api!.retries, 2 * n);
  assert.deepEqual(statusOf(api!), { 429: 3 * n });
});

test('no Retry-After: exponential backoff from base (100 ms, then 200 ms)', async () => {
  const m = retryRun({ status: 503, durationMs: 100 });
  m.model.start();
  await m.time.advance(2_000);
  const a = [...m.byRequest().values()][0]!;
  assert.deepEqual(
    a.map(([sent]) => sent),
    [0, 10 + 100, 10 + 100 + 10 + 200],
  );
  const [api] = m.recorder.snapshot();
  assert.equal(
    api!.retryAfterBuckets!.reduce((x, y) => x + y, 0),
    0,
    'no Retry-After asked',
  );
});

test('open model: arrivals keep their schedule while retries wait; a retry is no arrival', async () => {
  const m = retryRun({ retryAfter: '1', durationMs: 2_000, open: { rate: 10, maxInFlight: 100 } });
  m.model.start();
  await m.time.advance(10_000);
  const reqs = m.byRequest();
  assert.equal(reqs.size, 20, 'rate x duration first attempts');
  const firsts = [...reqs.values()].map((a) => a[0]![0]).sort((x, y) => x - y);
  firsts.forEach((t, i) => assert.ok(Math.abs(t - i * 100) <= 1, `arrival ${i} at ${t}`));
  const [api] = m.recorder.snapshot();
  assert.equal(api!.ok, 20);
  assert.equal(api!.retries, 40);
  assert.equal(api!.retriesBeforeRetryAfter, 0);
  // Latency from the intended send through the third answer; service time of the final attempt only.
  assert.equal(scanHistogram(api!.latency).total, 20);
  assert.equal(scanHistogram(api!.serviceTime).total, 20);
});

test('closing cuts retry waits short: the retry never sent is dropped, no timer outlives it', async () => {
  const m = retryRun({ retryAfter: '30', vus: 2, durationMs: 100 });
  m.model.start();
  // The model ends at 100 ms with both requests waiting; the run closes the Requester after its graceful stop.
  await m.time.advance(150);
  assert.equal(m.requester.retryWaits, 2);
  assert.ok(!m.idle(), 'the VUs wait for their retries');
  await m.requester.close();
  assert.equal(m.requester.retryWaits, 0);
  assert.equal(m.requester.inFlight, 0);
  await m.time.advance(60_000);
  const [api] = m.recorder.snapshot();
  assert.equal(api!.retries, 2);
  assert.equal(api!.dropped, 2);
  assert.equal(m.target.requests.length, 2, 'nothing sent after the close');
  assert.equal(m.time.pending, 0);
  assert.ok(m.idle());
});
