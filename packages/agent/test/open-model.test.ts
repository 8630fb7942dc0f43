// Open models on fake time, through the injected clock and the dispatch seam:
// arrivals at exactly the schedule's instants and in exactly its number,
// latency from the intended send when the target or the agent is slow (no
// coordinated omission), an in-flight cap that drops instead of queueing, and
// a lease that stops the firing. Nothing here depends on this machine's speed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArrivalSchedule } from '@barrage/core';
import { barrage } from '@barrage/proto';
import { Requester } from '../src/http/requester.ts';
import { EARLY_MS, OpenModel } from '../src/load/open-model.ts';
import { CompletionLog } from '../src/measure/completion-log.ts';
import { prepareAssignment } from '../src/run/assignment.ts';
import { FakeTarget, type FakeTargetOptions } from './helpers/fake-target.ts';
import { FakeTime, T0 } from './helpers/fake-time.ts';
import { SampleRecorder } from './helpers/sample-recorder.ts';

const E = barrage.v1.Executor;

interface Setup {
  executor: barrage.v1.Executor;
  startRate: number;
  stages: Array<{ durationMs: number; target: number }>;
  maxInFlight: number;
  /** Connections to the target (default: one per in-flight slot). */
  connections?: number;
  target?: FakeTargetOptions;
  mayFire?: () => boolean;
  startAt?: number;
}

function openModel(o: Setup) {
  const time = new FakeTime();
  const target = new FakeTarget(time, o.target);
  const schedule = new ArrivalSchedule(o.startRate, o.stages);
  const names: string[] = [];
  const [s] = prepareAssignment(
    {
      runId: 'r',
      scenarios: [
        {
          name: 's',
          executor: o.executor,
          durationMs: schedule.durationMs,
          startTarget: o.startRate,
          stages: o.stages,
          totalArrivals: schedule.total,
          iterations: schedule.total,
          maxInFlight: o.maxInFlight,
          requests: [{ name: 'a', method: 'GET', url: 'http://target.test/a' }],
        },
      ],
    },
    names,
  );
  const recorder = new SampleRecorder(names, new Set(names));
  const requester = new Requester({
    allowH2: false,
    connections: o.connections ?? o.maxInFlight,
    recorder,
    log: new CompletionLog(),
    clock: time,
    serviceTime: true,
    dispatch: target.pool(o.connections ?? o.maxInFlight),
  });
  let idleAt: number | undefined;
  const startAt = o.startAt ?? T0;
  const model = new OpenModel(
    {
      clock: time,
      timers: time,
      requester,
      entries: s!.entries,
      mayFire: o.mayFire,
      onIdle: () => {
        idleAt = time.now();
      },
    },
    { schedule, count: schedule.total, phase: 0, startAt, maxInFlight: o.maxInFlight },
  );
  const due = (j: number) => startAt + schedule.agentTime(j, schedule.total, 0);
  return { time, target, recorder, model, schedule, due, idleAt: () => idleAt };
}

test('constant-arrival-rate: R/s over D fires exactly R x D arrivals, each at its scheduled instant', async () => {
  const m = openModel({
    executor: E.EXECUTOR_CONSTANT_ARRIVAL_RATE,
    startRate: 50,
    stages: [{ durationMs: 2_000, target: 50 }],
    maxInFlight: 10,
    target: { serviceMs: 5 },
    startAt: T0 + 1_000,
  });
  m.model.start();
  await m.time.advance(10_000);
  assert.equal(m.target.requests.length, 100, '50/s for 2 s');
  m.target.requests.forEach((r, j) => {
    assert.equal(
      r.dispatchedAt,
      T0 + 1_000 + 20 * j - EARLY_MS,
      `arrival ${j} is sent when due (the model wakes ${EARLY_MS} ms ahead)`,
    );
  });
  assert.deepEqual(
    new Set(m.recorder.samples.map((s) => s.latencyMs)),
    new Set([5]),
    'answered in 5 ms, each timed from its send',
  );
  assert.equal(m.idleAt(), T0 + 1_000 + 99 * 20 - EARLY_MS + 5, 'idle once the last answer is in');
});

test('ramping-arrival-rate: 0 -> 100/s over 2 s then 100/s for 1 s: 25 arrivals by 1 s, 100 by 2 s, 200 by 3 s', async () => {
  const m = openModel({
    executor: E.EXECUTOR_RAMPING_ARRIVAL_RATE,
    startRate: 0,
    stages: [
      { durationMs: 2_000, target: 100 },
      { durationMs: 1_000, target: 100 },
    ],
    maxInFlight: 10,
  });
  m.model.start();
  const sentBy = async (ms: number) => {
    await m.time.runUntil(T0 + ms);
    return m.target.requests.length;
  };
  // A(t) = 25 t^2 arrivals by t seconds on the ramp: an arrival due exactly at 1 s is not yet due just before it.
  assert.equal(await sentBy(1_000 - EARLY_MS - 1), 25);
  assert.equal(await sentBy(2_000 - EARLY_MS - 1), 100);
  assert.equal(await sentBy(10_000), 200);
  m.target.requests.forEach((r, j) => assert.equal(r.dispatchedAt, Math.max(T0, m.due(j) - EARLY_MS), `arrival ${j}`));
});

test('a slow target: latency counts from the intended send, queueing for the connection included; service time from the connection', async () => {
  // One connection answering in 100 ms, arrivals every 50 ms: a closed loop would see 100 ms each time.
  const m = openModel({
    executor: E.EXECUTOR_CONSTANT_ARRIVAL_RATE,
    startRate: 20,
    stages: [{ durationMs: 1_000, target: 20 }],
    maxInFlight: 100,
    connections: 1,
    target: { serviceMs: 100 },
    startAt: T0 + 1_000,
  });
  m.model.start();
  await m.time.advance(10_000);
  assert.equal(m.recorder.samples.length, 20);
  assert.deepEqual(
    m.recorder.samples.map((s) => s.latencyMs),
    Array.from({ length: 20 }, (_v, j) => 100 + 50 * j),
  );
  assert.deepEqual(new Set(m.recorder.samples.map((s) => s.serviceMs)), new Set([100]));
});

test('a stalled agent: arrivals due during the stall go out at once, their latency counts from when they were due', async () => {
  const m = openModel({
    executor: E.EXECUTOR_CONSTANT_ARRIVAL_RATE,
    startRate: 10,
    stages: [{ durationMs: 1_000, target: 10 }],
    maxInFlight: 10,
    target: { serviceMs: 10 },
  });
  m.model.start();
  await m.time.advance(250);
  m.time.stall(400); // frozen from 250 ms to 650 ms: the arrivals due at 300, 400, 500 and 600 ms wait
  await m.time.advance(10_000);
  assert.equal(m.target.requests.length, 10, 'none lost');
  assert.deepEqual(
    m.target.requests.slice(3, 7).map((r) => r.dispatchedAt - T0),
    [650, 650, 650, 650],
  );
  assert.deepEqual(
    m.recorder.samples.map((s) => s.latencyMs),
    [10, 10, 10, 360, 260, 160, 60, 10, 10, 10],
  );
  assert.deepEqual(new Set(m.recorder.samples.map((s) => s.serviceMs)), new Set([10]), 'the target was never slow');
});

test('an in-flight cap drops what cannot start, never queues it', async () => {
  const m = openModel({
    executor: E.EXECUTOR_CONSTANT_ARRIVAL_RATE,
    startRate: 10,
    stages: [{ durationMs: 1_000, target: 10 }],
    maxInFlight: 2,
    target: { serviceMs: 1_000 },
  });
  m.model.start();
  await m.time.advance(10_000);
  const [a] = m.recorder.snapshot();
  assert.equal(m.target.requests.length, 2, 'the two that found a free slot');
  assert.equal(a!.dropped, 8);
  assert.equal(a!.ok, 2);
});

test('a lease that runs out stops the firing: nothing due after it is sent', async () => {
  const m = openModel({
    executor: E.EXECUTOR_CONSTANT_ARRIVAL_RATE,
    startRate: 10,
    stages: [{ durationMs: 2_000, target: 10 }],
    maxInFlight: 10,
    target: { serviceMs: 10 },
    mayFire: () => m.time.now() < T0 + 450,
  });
  m.model.start();
  await m.time.advance(10_000);
  assert.deepEqual(
    m.target.requests.map((r) => r.dispatchedAt - T0),
    [0, 99, 199, 299, 399],
  );
  assert.equal(m.idleAt(), T0 + 499, 'stopped when it found the lease gone, idle with nothing in flight');
});
