// Closed models on fake time, through the injected clock and the dispatch
// seam: constant-vus with think time fires at exactly the expected instants,
// shared- and per-vu-iterations spend exactly their budget, ramping-vus runs
// the stages' VU count at each instant, a model goes idle the moment its last
// VU leaves, and a lease that runs out stops it. Nothing here depends on this
// machine's speed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterVusAt } from '@barrage/core';
import { barrage } from '@barrage/proto';
import { Requester } from '../src/http/requester.ts';
import { ClosedModel, type ClosedModelOptions } from '../src/load/closed-model.ts';
import { CompletionLog } from '../src/measure/completion-log.ts';
import { Recorder } from '../src/measure/recorder.ts';
import { prepareAssignment } from '../src/run/assignment.ts';
import { FakeTarget } from './helpers/fake-target.ts';
import { FakeTime, T0 } from './helpers/fake-time.ts';

function closedModel(
  opts: Omit<ClosedModelOptions, 'startAt' | 'endAt' | 'thinkTimeMs'> & {
    durationMs: number;
    thinkTimeMs?: number;
    serviceMs: number;
    mayFire?: () => boolean;
  },
) {
  const time = new FakeTime();
  const target = new FakeTarget(time, { serviceMs: opts.serviceMs });
  const names: string[] = [];
  const [s] = prepareAssignment(
    {
      runId: 'r',
      scenarios: [
        {
          name: 's',
          executor: barrage.v1.Executor.EXECUTOR_CONSTANT_VUS,
          vus: opts.vus,
          durationMs: opts.durationMs,
          requests: [{ name: 'a', method: 'GET', url: 'http://target.test/a' }],
        },
      ],
    },
    names,
  );
  const recorder = new Recorder(names);
  const requester = new Requester({
    allowH2: false,
    connections: opts.vus,
    recorder,
    log: new CompletionLog(),
    clock: time,
    dispatch: target.pool(opts.vus),
  });
  let idleAt: number | undefined;
  const model = new ClosedModel(
    {
      clock: time,
      timers: time,
      requester,
      entries: s!.entries,
      mayFire: opts.mayFire,
      onIdle: () => {
        idleAt = time.now();
      },
    },
    { ...opts, startAt: T0, endAt: T0 + opts.durationMs, thinkTimeMs: opts.thinkTimeMs ?? 0 },
  );
  const sent = () => target.requests.map((r) => r.dispatchedAt - T0);
  return { time, target, recorder, model, sent, idleAt: () => idleAt };
}

test('constant-vus with think time: each VU fires every service + think ms, from the start to the end', async () => {
  const m = closedModel({
    vus: 2,
    iterations: Infinity,
    iterationsPerVu: Infinity,
    durationMs: 1_000,
    thinkTimeMs: 70,
    serviceMs: 30,
  });
  m.model.start();
  await m.time.advance(5_000);
  assert.deepEqual(
    m.sent(),
    Array.from({ length: 20 }, (_v, i) => 100 * Math.floor(i / 2)),
  );
  assert.equal(m.idleAt(), T0 + 1_000, 'the end wakes the thinking VUs: idle at the end, not a think time later');
});

test('shared-iterations: the VUs spend exactly the budget between them, then the model is idle', async () => {
  const m = closedModel({ vus: 3, iterations: 10, iterationsPerVu: Infinity, durationMs: 60_000, serviceMs: 10 });
  m.model.start();
  await m.time.advance(60_000);
  assert.deepEqual(m.sent(), [0, 0, 0, 10, 10, 10, 20, 20, 20, 30]);
  assert.equal(m.idleAt(), T0 + 40);
});

test('per-vu-iterations: each VU runs its own budget; a VU with nothing left does not think first', async () => {
  const m = closedModel({
    vus: 2,
    iterations: Infinity,
    iterationsPerVu: 3,
    durationMs: 60_000,
    thinkTimeMs: 50,
    serviceMs: 10,
  });
  m.model.start();
  await m.time.advance(60_000);
  assert.deepEqual(m.sent(), [0, 0, 60, 60, 120, 120]);
  assert.equal(m.idleAt(), T0 + 130, 'idle when the last iteration ends, not after its think time');
  assert.equal(m.recorder.snapshot()[0]!.ok, 6);
});

test("ramping-vus: the VUs running at each instant are the stages' target", async () => {
  const stages = [
    { durationMs: 1_000, target: 4 },
    { durationMs: 1_000, target: 4 },
    { durationMs: 1_000, target: 0 },
  ];
  const m = closedModel({
    vus: 4,
    target: (t) => clusterVusAt(0, stages, t),
    iterations: Infinity,
    iterationsPerVu: Infinity,
    durationMs: 3_000,
    serviceMs: 10,
  });
  m.model.start();
  // VUs join on a ramp tick (every 50 ms) and leave when an iteration ends (every 10 ms):
  // just after a quarter second both have happened.
  for (let at = 0; at < 3_000; at += 250) {
    await m.time.runUntil(T0 + at + 5);
    assert.equal(m.model.activeVus, clusterVusAt(0, stages, at), `at ${at} ms`);
  }
  await m.time.advance(5_000);
  assert.equal(m.model.activeVus, 0);
  assert.equal(m.idleAt(), T0 + 3_000);
});

test('a ramp goes idle when its VUs finish after the end, not at some later deadline', async () => {
  const m = closedModel({
    vus: 3,
    target: () => 3,
    iterations: Infinity,
    iterationsPerVu: Infinity,
    durationMs: 200,
    serviceMs: 60,
  });
  m.model.start();
  await m.time.advance(5_000);
  assert.deepEqual(m.sent(), [0, 0, 0, 60, 60, 60, 120, 120, 120, 180, 180, 180]);
  assert.equal(m.idleAt(), T0 + 240, 'the iterations started at 180 ms end at 240 ms, and the model with them');
  assert.equal(m.model.activeVus, 0);
});

test('stopping during think time ends the model at once', async () => {
  const m = closedModel({
    vus: 1,
    iterations: Infinity,
    iterationsPerVu: Infinity,
    durationMs: 60_000,
    thinkTimeMs: 30_000,
    serviceMs: 5,
  });
  m.model.start();
  await m.time.advance(1_000);
  m.model.stop();
  assert.equal(m.idleAt(), T0 + 1_000);
  assert.deepEqual(m.sent(), [0]);
});

test('a lease that runs out stops the VUs: no iteration starts after it', async () => {
  const m = closedModel({
    vus: 1,
    iterations: Infinity,
    iterationsPerVu: Infinity,
    durationMs: 60_000,
    serviceMs: 100,
    mayFire: () => m.time.now() < T0 + 450,
  });
  m.model.start();
  await m.time.advance(60_000);
  assert.deepEqual(m.sent(), [0, 100, 200, 300, 400]);
  assert.equal(m.idleAt(), T0 + 500);
});
