// Generated values on the agent, on fake time: a part's VUs and iterations
// carry the global indexes its offsets give them, a ramp that sends a VU away
// and brings it back keeps counting (no iteration index twice), open-model
// arrivals are numbered from the agent's offset, and a seed repeats values.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IndexKind } from '@barrage/core';
import { ArrivalSchedule } from '@barrage/core';
import { barrage } from '@barrage/proto';
import { Requester } from '../src/http/requester.ts';
import { ClosedModel } from '../src/load/closed-model.ts';
import { OpenModel } from '../src/load/open-model.ts';
import { CompletionLog } from '../src/measure/completion-log.ts';
import { Recorder } from '../src/measure/recorder.ts';
import { prepareAssignment } from '../src/run/assignment.ts';
import { FakeTarget } from './helpers/fake-target.ts';
import { FakeTime, T0 } from './helpers/fake-time.ts';

const URL = 'http://target.test/a?vu=${vu}&it=${iteration}&seq=${seq}&r=${randomInt(1,1000000)}';

function setup(kind: IndexKind, o: { vuOffset: number; iterationOffset: number; seed?: string }) {
  const time = new FakeTime();
  const target = new FakeTarget(time, { serviceMs: 10 });
  const names: string[] = [];
  const [s] = prepareAssignment(
    {
      runId: 'r',
      scenarios: [
        {
          name: 's',
          executor: barrage.v1.Executor.EXECUTOR_CONSTANT_VUS,
          vus: 3,
          durationMs: 1000,
          requests: [{ name: 'a', method: 'GET', url: URL }],
          seed: o.seed ?? '',
        },
      ],
    },
    names,
  );
  const requester = new Requester({
    allowH2: false,
    connections: 3,
    recorder: new Recorder(names),
    log: new CompletionLog(),
    clock: time,
    dispatch: target.pool(3),
  });
  const ctx = {
    clock: time,
    timers: time,
    requester,
    entries: s!.entries,
    onIdle: () => {},
    generation: {
      indexes: { kind, vuOffset: o.vuOffset, iterationOffset: o.iterationOffset, iterationsPerVu: 2 },
      seed: s!.seed,
      scenarioIndex: 0,
      scenarioCount: 1,
      maxSteps: 1,
      clock: time,
    },
  };
  const seen = () =>
    target.requests.map(
      (r) => Object.fromEntries(new URLSearchParams(r.path.split('?')[1]!)) as Record<string, string>,
    );
  return { time, ctx, seen };
}

test('shared-iterations: iterations are numbered from the part offset, VUs from the VU offset', async () => {
  const m = setup('shared', { vuOffset: 10, iterationOffset: 500 });
  const model = new ClosedModel(m.ctx, {
    vus: 3,
    iterations: 7,
    iterationsPerVu: Infinity,
    startAt: T0,
    endAt: T0 + 60_000,
    thinkTimeMs: 0,
  });
  model.start();
  await m.time.advance(60_000);
  const seen = m.seen();
  assert.deepEqual(
    seen.map((s) => Number(s.it)).sort((a, b) => a - b),
    [500, 501, 502, 503, 504, 505, 506],
  );
  assert.deepEqual([...new Set(seen.map((s) => s.vu))].sort(), ['11', '12', '13']);
  assert.equal(new Set(seen.map((s) => s.seq)).size, 7);
});

test('a ramp that sends VUs away and back keeps counting their iterations: no index twice', async () => {
  const m = setup('unbounded', { vuOffset: 0, iterationOffset: 0 });
  // 3 VUs, then 1, then 3 again: VU slots 1 and 2 leave and come back.
  const model = new ClosedModel(m.ctx, {
    vus: 3,
    target: (t) => (t < 100 ? 3 : t < 300 ? 1 : 3),
    iterations: Infinity,
    iterationsPerVu: Infinity,
    startAt: T0,
    endAt: T0 + 500,
    thinkTimeMs: 0,
  });
  model.start();
  await m.time.advance(2_000);
  const its = m.seen().map((s) => s.it);
  assert.ok(its.length > 40);
  assert.equal(new Set(its).size, its.length, 'an iteration index was used twice');
  assert.deepEqual([...new Set(m.seen().map((s) => s.vu))].sort(), ['1', '2', '3']);
});

test('open models number arrivals from the agent offset; a seed gives the same random values again', async () => {
  const run = async (seed: string) => {
    const m = setup('open', { vuOffset: 0, iterationOffset: 1000, seed });
    const model = new OpenModel(m.ctx, {
      schedule: new ArrivalSchedule(100, [{ durationMs: 100, target: 100 }]),
      count: 10,
      phase: 0,
      startAt: T0,
      maxInFlight: 10,
    });
    model.start();
    await m.time.advance(1_000);
    return m.seen();
  };
  const a = await run('s1');
  assert.deepEqual(
    a.map((s) => Number(s.it)),
    Array.from({ length: 10 }, (_, i) => 1000 + i),
  );
  assert.deepEqual(
    (await run('s1')).map((s) => s.r),
    a.map((s) => s.r),
  );
  assert.notDeepEqual(
    (await run('s2')).map((s) => s.r),
    a.map((s) => s.r),
  );
});
