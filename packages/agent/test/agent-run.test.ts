// A whole run on this agent on fake time, through the injected clock, timers
// and dispatch seam: a late Start stops on the plan's end, every load model is
// launched with its budget, a startTime delays its scenario exactly, a skewed agent clock corrected by clock sync
// starts on the controller's instant and reports into the controller's
// intervals, a lease that runs out stops the firing, a takeover is launched
// like the run's own parts, and a worker that dies leaves at most one
// interval of its load unreported.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Clock, offsetClock } from '@barrage/core';
import { barrage, decodeEnvelope } from '@barrage/proto';
import { ClockSync } from '../src/link/clock-sync.ts';
import { EARLY_MS } from '../src/load/open-model.ts';
import { AgentRun, type AgentRunOptions } from '../src/run/agent-run.ts';
import { FakeTarget, type FakeTargetOptions } from './helpers/fake-target.ts';
import { FakeTime, T0 } from './helpers/fake-time.ts';

const E = barrage.v1.Executor;
type Scenario = barrage.v1.ScenarioPlan.$Properties;

const get = (name: string): barrage.v1.RequestSpec.$Properties => ({
  name,
  method: 'GET',
  url: `http://target.test/${name}`,
});

function fakeRun(
  assign: Omit<barrage.v1.Assign.$Properties, 'runId'>,
  o: {
    target?: FakeTargetOptions;
    clock?: (time: FakeTime) => Clock;
    offset?: () => number;
    run?: Partial<AgentRunOptions>;
  } = {},
) {
  const time = new FakeTime();
  const target = new FakeTarget(time, o.target);
  const reports: barrage.v1.Report[] = [];
  let finalAt: number | undefined;
  const run = new AgentRun({
    assign: { runId: 'r', intervalMs: 1000, ...assign },
    clock: o.clock?.(time) ?? time,
    offset: o.offset ?? (() => 0),
    timers: time,
    dispatch: target.factory,
    send: (f) => reports.push(decodeEnvelope(f).report as barrage.v1.Report),
    onFinalReport: () => {
      finalAt = time.now();
    },
    ...o.run,
  });
  const sent = (path: string) => target.requests.filter((r) => r.path === path).map((r) => r.dispatchedAt - T0);
  const counted = () => reports.flatMap((r) => r.stats).reduce((n, s) => n + (s.ok ?? 0), 0);
  return { time, target, run, reports, sent, counted, finalAt: () => finalAt };
}

const twoVus = (durationMs: number): Scenario => ({
  name: 's',
  executor: E.EXECUTOR_CONSTANT_VUS,
  vus: 2,
  durationMs,
  gracefulStopMs: 1000,
  requests: [get('x')],
});

test('Start received after the planned end: nothing is fired', async () => {
  const r = fakeRun({ scenarios: [twoVus(1_000)] }, { target: { serviceMs: 10 } });
  r.run.start(T0 - 5_000);
  await r.time.advance(10_000);
  assert.equal(r.target.requests.length, 0);
  assert.equal(r.reports.at(-1)!.final, true);
  assert.equal(r.reports.flatMap((x) => x.stats).length, 0);
  assert.equal(r.finalAt(), T0);
});

test('Start received late but before the end: fires for the rest of the plan', async () => {
  const r = fakeRun({ scenarios: [twoVus(600)] }, { target: { serviceMs: 10 } });
  r.run.start(T0 - 200);
  await r.time.advance(10_000);
  assert.equal(r.target.served, 80, '2 VUs x 40 iterations of 10 ms in the 400 ms left of the plan');
  assert.equal(Math.max(...r.sent('/x')), 390, "none after the plan's end");
  assert.equal(r.counted(), r.target.served, 'every served request is in a report');
});

test('every load model through a run: the executor picks the model and its budget', async () => {
  const r = fakeRun(
    {
      scenarios: [
        {
          name: 'cv',
          executor: E.EXECUTOR_CONSTANT_VUS,
          vus: 2,
          durationMs: 1_000,
          thinkTimeMs: 90,
          requests: [get('cv')],
        },
        {
          name: 'si',
          executor: E.EXECUTOR_SHARED_ITERATIONS,
          vus: 3,
          iterations: 10,
          durationMs: 60_000,
          requests: [get('si')],
        },
        {
          name: 'pv',
          executor: E.EXECUTOR_PER_VU_ITERATIONS,
          vus: 2,
          iterationsPerVu: 3,
          durationMs: 60_000,
          requests: [get('pv')],
        },
        {
          name: 'rv',
          executor: E.EXECUTOR_RAMPING_VUS,
          startTarget: 2,
          stages: [{ durationMs: 1_000, target: 2 }],
          durationMs: 1_000,
          requests: [get('rv')],
        },
        {
          name: 'car',
          executor: E.EXECUTOR_CONSTANT_ARRIVAL_RATE,
          startTarget: 10,
          stages: [{ durationMs: 1_000, target: 10 }],
          totalArrivals: 10,
          iterations: 10,
          maxInFlight: 5,
          durationMs: 1_000,
          requests: [get('car')],
        },
        {
          name: 'rar',
          executor: E.EXECUTOR_RAMPING_ARRIVAL_RATE,
          startTarget: 0,
          stages: [{ durationMs: 1_000, target: 20 }],
          totalArrivals: 10,
          iterations: 10,
          maxInFlight: 5,
          durationMs: 1_000,
          requests: [get('rar')],
        },
      ],
    },
    { target: { serviceMs: 10 } },
  );
  r.run.start(T0);
  await r.time.advance(120_000);
  const counts = Object.fromEntries(['cv', 'si', 'pv', 'rv', 'car', 'rar'].map((n) => [n, r.sent(`/${n}`).length]));
  assert.deepEqual(counts, { cv: 20, si: 10, pv: 6, rv: 200, car: 10, rar: 10 });
  assert.equal(r.counted(), r.target.requests.length);
  assert.equal(r.reports.at(-1)!.final, true);
});

test('a scenario with a startTime starts exactly that long after the run, on its own timer', async () => {
  const r = fakeRun(
    {
      scenarios: [
        {
          name: 'per-vu',
          executor: E.EXECUTOR_PER_VU_ITERATIONS,
          vus: 5,
          iterationsPerVu: 7,
          durationMs: 60_000,
          requests: [get('b')],
        },
        {
          name: 'ramp-vus',
          executor: E.EXECUTOR_RAMPING_VUS,
          startTarget: 1,
          stages: [
            { durationMs: 1_000, target: 6 },
            { durationMs: 1_000, target: 0 },
          ],
          durationMs: 2_000,
          thinkTimeMs: 20,
          startOffsetMs: 1_000,
          requests: [get('c')],
        },
      ],
    },
    { target: { serviceMs: 10 } },
  );
  r.run.start(T0 + 500);
  await r.time.advance(120_000);
  assert.equal(r.sent('/b').length, 35);
  assert.equal(Math.min(...r.sent('/b')), 500);
  assert.equal(Math.min(...r.sent('/c')), 1_500, 'the startTime: 1s scenario began 1 s after the others');
  assert.ok(Math.max(...r.sent('/c')) < 3_500, 'and ended with its stages');
});

for (const skewMs of [5_000, -3_000]) {
  test(`an agent clock ${skewMs > 0 ? `${skewMs / 1000} s ahead` : `${-skewMs / 1000} s behind`}: clock sync corrects it, the run starts on the controller's instant and reports into its intervals`, async () => {
    // The fake time is the controller's clock; the agent's is off by skewMs.
    let sync: ClockSync | undefined;
    const r = fakeRun(
      {
        scenarios: [
          {
            name: 'open',
            executor: E.EXECUTOR_CONSTANT_ARRIVAL_RATE,
            startTarget: 10,
            stages: [{ durationMs: 3_000, target: 10 }],
            totalArrivals: 30,
            iterations: 30,
            maxInFlight: 5,
            durationMs: 3_000,
            requests: [get('h')],
          },
        ],
      },
      { target: { serviceMs: 5 }, clock: (time) => offsetClock(time, skewMs), offset: () => sync?.offsetMs ?? 0 },
    );
    const agentClock = offsetClock(r.time, skewMs);
    // 3 ms each way: the controller answers a ping on its own clock.
    const s = new ClockSync({
      clock: agentClock,
      rounds: 8,
      ping: (p) =>
        r.time.setTimeout(() => {
          const t1 = r.time.now();
          r.time.setTimeout(() => s.pong({ t0: p.t0, t1, t2: t1 }), 3);
        }, 3),
    });
    sync = s;
    s.restart();
    await r.time.advance(100);
    assert.equal(s.synced, true);
    assert.equal(s.offsetMs, -skewMs);
    const startAt = r.time.now() + 500;
    r.run.start(startAt);
    await r.time.advance(10_000);
    assert.equal(r.target.requests[0]!.dispatchedAt, startAt, "the first arrival goes out on the controller's instant");
    assert.equal(r.run.reporter.startedAt, startAt);
    const perInterval = r.reports.map((x) => [x.interval, x.stats.reduce((n, s) => n + (s.ok ?? 0), 0)]);
    assert.deepEqual(
      perInterval,
      [
        [0, 10],
        [1, 10],
        [2, 10],
      ],
      '10 arrivals per second, each counted in its own second',
    );
  });
}

test('a lease that runs out stops the firing for good, and the final report says when', async () => {
  let contactAt = T0;
  const silences: number[] = [];
  const r = fakeRun(
    {
      leaseMs: 1_000,
      scenarios: [
        {
          name: 'open',
          executor: E.EXECUTOR_CONSTANT_ARRIVAL_RATE,
          startTarget: 10,
          stages: [{ durationMs: 5_000, target: 10 }],
          totalArrivals: 50,
          iterations: 50,
          maxInFlight: 5,
          durationMs: 5_000,
          requests: [get('h')],
        },
      ],
    },
    {
      target: { serviceMs: 10 },
      run: { contactAgeMs: () => r.time.now() - contactAt, onLeaseExpired: (ms) => silences.push(ms) },
    },
  );
  // The controller is heard from every 100 ms until 2 s in, then never again.
  const heard = r.time.setInterval(() => {
    if (r.time.now() <= T0 + 2_000) contactAt = r.time.now();
    else r.time.clearInterval(heard);
  }, 100);
  r.run.start(T0);
  await r.time.advance(10_000);
  assert.deepEqual(
    r.sent('/h'),
    [0, ...Array.from({ length: 30 }, (_v, j) => 100 * (j + 1) - EARLY_MS)],
    'every arrival due within the lease, none after',
  );
  assert.deepEqual(silences, [1_099], 'once, when the arrival due at 3.1 s found the controller silent for 1.099 s');
  assert.equal(r.run.leaseExpiredAt, T0 + 3_099);
  assert.equal(r.reports.at(-1)!.final, true);
  assert.equal(r.reports.at(-1)!.leaseExpiredAt, T0 + 3_099);
  assert.equal(r.run.mayFire(), false, 'for good');
});

test("a takeover fires the lost share from its from_at, launched like the run's own parts", async () => {
  const r = fakeRun(
    {
      segmentStart: 0,
      segmentEnd: 0.5,
      scenarios: [
        {
          name: 'open',
          executor: E.EXECUTOR_CONSTANT_ARRIVAL_RATE,
          startTarget: 20,
          stages: [{ durationMs: 2_000, target: 20 }],
          totalArrivals: 40,
          iterations: 20,
          maxInFlight: 10,
          durationMs: 2_000,
          requests: [get('a')],
        },
        {
          name: 'closed',
          executor: E.EXECUTOR_CONSTANT_VUS,
          vus: 1,
          durationMs: 2_000,
          thinkTimeMs: 400,
          requests: [get('b')],
        },
      ],
    },
    { target: { serviceMs: 100 } },
  );
  r.run.start(T0);
  await r.time.advance(600);
  r.run.takeover({
    runId: 'r',
    id: 1,
    lostStart: 0.5,
    lostEnd: 1,
    fromAt: T0 + 1_000,
    shares: [
      { scenario: 0, partStart: 0, partEnd: 1, arrivals: 20, maxInFlight: 10 },
      { scenario: 1, partStart: 0, partEnd: 1, vus: 2 },
    ],
  });
  await r.time.advance(10_000);
  const own = Array.from({ length: 20 }, (_v, j) => Math.max(0, 100 * j - EARLY_MS));
  // The lost agent's arrivals sit between ours (phase 0.5): those due from 1 s on are fired here.
  const lost = Array.from({ length: 10 }, (_v, k) => 1_050 + 100 * k - EARLY_MS);
  assert.deepEqual(
    r.sent('/a'),
    [...own, ...lost].sort((x, y) => x - y),
  );
  // Our VU every 500 ms from 0; the two taken over every 500 ms from 1 s.
  assert.deepEqual(r.sent('/b'), [0, 500, 1_000, 1_000, 1_000, 1_500, 1_500, 1_500]);
  assert.equal(r.counted(), 38);
});

test('a worker that dies leaves at most one interval of its load unreported', async () => {
  const sentBeforeDeath: barrage.v1.Report[] = [];
  let alive = true;
  const r = fakeRun(
    {
      scenarios: [
        {
          name: 'open',
          executor: E.EXECUTOR_CONSTANT_ARRIVAL_RATE,
          startTarget: 100,
          stages: [{ durationMs: 4_000, target: 100 }],
          totalArrivals: 400,
          iterations: 400,
          maxInFlight: 50,
          durationMs: 4_000,
          requests: [get('h')],
        },
      ],
    },
    {
      target: { serviceMs: 5 },
      run: {
        worker: { index: 1, count: 2 },
        send: (f) => {
          if (alive) sentBeforeDeath.push(decodeEnvelope(f).report as barrage.v1.Report);
        },
      },
    },
  );
  r.run.start(T0);
  await r.time.advance(1_500);
  alive = false;
  r.run.dispose();
  await r.time.advance(10_000);
  const fired = r.target.requests.length;
  const reported = sentBeforeDeath.flatMap((x) => x.stats).reduce((n, s) => n + (s.ok ?? 0), 0);
  assert.equal(fired, 75, 'worker 1 of 2 fires every other arrival of 100/s: 75 in 1.5 s');
  assert.equal(reported, 50, 'its interval-0 report holds the first second');
  assert.ok(fired - reported <= 50, `unreported ${fired - reported}: at most one interval of its 50/s`);
});
