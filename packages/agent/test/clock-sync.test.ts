// Clock sync: the arithmetic (exact offset for symmetric delays, the
// lowest-RTT round wins over noisier ones) and the driver on fake time, with
// an agent clock seconds off the controller's.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offsetClock } from '@barrage/core';
import fc from 'fast-check';
import { bestEstimate, ClockSync, estimateRound } from '../src/link/clock-sync.ts';
import { FakeTime } from './helpers/fake-time.ts';

test('symmetric delays give the exact offset', () => {
  fc.assert(
    fc.property(
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.double({ min: 0, max: 500, noNaN: true }),
      fc.double({ min: 0, max: 5, noNaN: true }),
      (offset, oneWay, service) => {
        const t0 = 1_000_000;
        const t1 = t0 + oneWay + offset;
        const t2 = t1 + service;
        const t3 = t2 - offset + oneWay;
        const e = estimateRound({ t0, t1, t2, t3 });
        assert.ok(Math.abs(e.offsetMs - offset) < 1e-6);
        assert.ok(Math.abs(e.rttMs - 2 * oneWay) < 1e-6);
      },
    ),
  );
});

test('the round with the smallest RTT is kept', () => {
  const offset = 250;
  const round = (t0: number, up: number, down: number) => ({
    t0,
    t1: t0 + up + offset,
    t2: t0 + up + offset,
    t3: t0 + up + down,
  });
  const e = bestEstimate([round(0, 40, 2), round(100, 1, 1), round(200, 2, 30)]);
  assert.equal(e.rttMs, 2);
  assert.equal(e.offsetMs, offset);
  assert.throws(() => bestEstimate([]));
});

test("ClockSync on fake time: an agent clock 5 s ahead or 3 s behind is measured to within half the best round's RTT, exactly with symmetric delays", async () => {
  for (const skewMs of [5_000, -3_000]) {
    for (const [up, down] of [
      [
        [3, 3, 3],
        [3, 3, 3],
      ],
      [
        [9, 1, 30, 3],
        [1, 2, 2, 3],
      ],
    ] as const) {
      const time = new FakeTime();
      let round = 0;
      const sync = new ClockSync({
        clock: offsetClock(time, skewMs),
        rounds: up.length,
        // The controller stamps t1 and t2 on its own clock (the fake time) and answers 0.5 ms later.
        ping: (p) => {
          const i = round++;
          time.setTimeout(() => {
            const t1 = time.now();
            time.setTimeout(() => sync.pong({ t0: p.t0, t1, t2: t1 + 0.5 }), 0.5 + down[i]!);
          }, up[i]!);
        },
      });
      sync.restart();
      await time.advance(1_000);
      assert.equal(sync.synced, true);
      const error = Math.abs(sync.offsetMs + skewMs);
      assert.ok(error <= sync.rttMs / 2, `skew ${skewMs}: error ${error} ms, rtt ${sync.rttMs} ms`);
      if (up.every((u, i) => u === down[i])) assert.equal(sync.offsetMs, -skewMs);
      else assert.equal(sync.rttMs, 3, 'the round with the smallest RTT (1 ms up, 2 ms down) is the one kept');
    }
  }
});

test('ClockSync starts over on restart (a new Welcome): earlier rounds are forgotten', () => {
  const pings: number[] = [];
  const sync = new ClockSync({ clock: { now: () => 0 }, rounds: 2, ping: (p) => pings.push(p.id) });
  sync.restart();
  assert.equal(sync.pong({ t0: 0, t1: 10, t2: 10 }), undefined, 'one round of two: ping again');
  assert.deepEqual(pings, [1, 2]);
  sync.restart();
  assert.equal(sync.synced, false);
  assert.equal(sync.pong({ t0: 0, t1: 10, t2: 10 }), undefined);
  assert.deepEqual(sync.pong({ t0: 0, t1: 10, t2: 10 }), { offsetMs: 10, rttMs: 0 });
  assert.equal(sync.synced, true);
});
