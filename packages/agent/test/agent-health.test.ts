// The agent's health figures on fake time, with gauges that count the time a
// fake event loop spends busy: a stall shows as the lateness of the tick it
// held up (at once, even while it lasts), a loop kept busy in short slices
// shows as utilisation without lag, and rates need a window to mean anything.
// What the controller makes of these figures is in test/agent-health.test.ts.

import assert from 'node:assert/strict';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { test } from 'node:test';
import { AgentHealth, type ProcessGauges } from '../src/measure/agent-health.ts';
import { FakeTime, T0 } from './helpers/fake-time.ts';

/** An event loop on fake time: burn() keeps it busy (nothing else runs meanwhile). */
class FakeLoop implements ProcessGauges {
  private readonly time: FakeTime;
  private busyMs = 0;

  constructor(time: FakeTime) {
    this.time = time;
  }

  burn(ms: number): void {
    this.time.stall(ms);
    this.busyMs += ms;
  }

  cpuUsage(previous?: NodeJS.CpuUsage): NodeJS.CpuUsage {
    const user = this.busyMs * 1000;
    return { user: user - (previous?.user ?? 0), system: 0 };
  }

  eventLoopUtilization(later?: EventLoopUtilization, earlier?: EventLoopUtilization): EventLoopUtilization {
    const now = later ?? { active: this.busyMs, idle: this.time.now() - T0 - this.busyMs, utilization: 0 };
    const active = now.active - (earlier?.active ?? 0);
    const idle = now.idle - (earlier?.idle ?? 0);
    return { active, idle, utilization: active + idle > 0 ? active / (active + idle) : 0 };
  }
}

function health() {
  const time = new FakeTime();
  const loop = new FakeLoop(time);
  return { time, loop, health: new AgentHealth({ clock: time, timers: time, gauges: loop }) };
}

test('ticks on time: no lag; a 400 ms stall is the lateness of the tick it held up, in the interval that holds it', async () => {
  const { time, loop, health: h } = health();
  h.start();
  await time.advance(1_000);
  assert.deepEqual(h.sample(), { eventLoopP99Ms: 0, eventLoopMaxMs: 0, eventLoopUtilization: 0, cpuCores: 0 });
  loop.burn(400); // the tick due at 1010 ms runs at 1400 ms
  await time.advance(600);
  const s = h.sample();
  assert.equal(s.eventLoopMaxMs, 390);
  assert.ok(s.eventLoopMaxMs >= 300, "past the controller's saturation mark (250 ms)");
  assert.equal(s.cpuCores, 0.4, '400 ms of CPU in 1 s');
  assert.equal(s.eventLoopUtilization, 0.4);
  await time.advance(1_000);
  assert.equal(h.sample().eventLoopMaxMs, 0, 'the next interval is clean again');
});

test('a stall still in progress shows at once', async () => {
  const { time, loop, health: h } = health();
  h.start();
  await time.advance(1_000);
  h.sample();
  loop.burn(400);
  assert.equal(h.sample().eventLoopMaxMs, 390);
});

test('a loop kept busy in 5 ms slices: busy all the time, a core used, but no lag to flag', async () => {
  const { time, loop, health: h } = health();
  h.start();
  let burning = true;
  const burn = () => {
    loop.burn(5);
    if (burning) time.setImmediate(burn);
  };
  time.setImmediate(burn);
  await time.advance(1_000);
  const s = h.sample();
  burning = false;
  assert.ok(s.eventLoopUtilization >= 0.95, `utilisation ${s.eventLoopUtilization}`);
  assert.ok(s.cpuCores >= 0.95, `${s.cpuCores} cores`);
  assert.ok(s.eventLoopP99Ms < 50, `p99 ${s.eventLoopP99Ms} ms: busy, not stalled`);
  assert.ok(s.eventLoopMaxMs <= 5, `max ${s.eventLoopMaxMs} ms: a tick waits one slice at most`);
});

test('CPU and utilisation are rates: a window under 250 ms reports neither; lag is still reported', async () => {
  const { time, loop, health: h } = health();
  h.start();
  await time.advance(100);
  loop.burn(100);
  const s = h.sample();
  assert.equal(s.cpuCores, 0);
  assert.equal(s.eventLoopUtilization, 0);
  assert.equal(s.eventLoopMaxMs, 90);
});

test('100 ms intervals: the rate window carries over until it is 250 ms long, then reports the whole window', async () => {
  const { time, loop, health: h } = health();
  h.start();
  const samples = [];
  for (let i = 0; i < 3; i++) {
    loop.burn(100); // busy the whole interval
    samples.push(h.sample());
  }
  assert.deepEqual(
    samples.map((s) => s.eventLoopUtilization),
    [0, 0, 1],
    'the third sample covers 300 ms of a loop that never rested',
  );
  assert.ok(samples[2]!.cpuCores > 0);
  await time.advance(100);
  assert.equal(h.sample().eventLoopUtilization, 0, 'a new window starts after a report');
});

test('p99 is over the last second of ticks: one stall in a short run is its max, not its p99; two are its p99', async () => {
  const { time, loop, health: h } = health();
  h.start();
  await time.advance(100);
  loop.burn(70);
  await time.advance(30);
  const once = h.sample();
  assert.equal(once.eventLoopMaxMs, 60);
  assert.equal(once.eventLoopP99Ms, 0, '1 late tick of a second is under 1 %');
  loop.burn(70);
  await time.advance(30);
  const twice = h.sample();
  assert.equal(twice.eventLoopMaxMs, 60);
  assert.equal(twice.eventLoopP99Ms, 60, '2 late ticks in the last second are 2 %');
});

test('never started (a run stopped before its start instant): no lag to report', () => {
  const { loop, health: h } = health();
  loop.burn(5_000);
  const s = h.sample();
  assert.equal(s.eventLoopMaxMs, 0);
  assert.equal(s.eventLoopP99Ms, 0);
});
