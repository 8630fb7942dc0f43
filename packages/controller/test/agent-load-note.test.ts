// The note an agent's health figures support: "saturated" only with a lagging
// event loop AND a figure that shows it busy (loop near always running, or
// about a core), quoting both; a lag while not busy is a stall; busy without a
// lag in two intervals is "could not keep up"; calm figures say nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentLoadNote } from '../src/results/agent-load-note.ts';

const calm = {
  name: 'a1',
  eventLoopP99Ms: 12,
  eventLoopMaxMs: 20,
  cpuCores: 0.3,
  eventLoopUtilization: 0.4,
  busyIntervals: 0,
};

test('a lag with the loop near always running, or a core in use, is saturation, with the figures that show it', () => {
  const byLoop = agentLoadNote({ ...calm, eventLoopP99Ms: 80, eventLoopMaxMs: 310, eventLoopUtilization: 0.97 });
  assert.equal(
    byLoop,
    'agent a1 was saturated: its event loop lagged up to 310 ms (worst interval p99 80 ms) while its loop was running 97 % of its busiest interval and it used 0.30 cores at most; it fired and timed its requests late, so its latencies are suspect: add agents or workers (agent --workers), or lower its share',
  );
  const byCpu = agentLoadNote({ ...calm, eventLoopMaxMs: 400, cpuCores: 0.85 });
  assert.match(byCpu!, /^agent a1 was saturated: .* it used 0\.85 cores at most/);
});

test('a lag while the agent was not busy is a stall, never saturation', () => {
  // The case: a note that said "saturated" beside 0.085 cores busy.
  const once = agentLoadNote({ ...calm, eventLoopP99Ms: 30, eventLoopMaxMs: 420, cpuCores: 0.085 });
  assert.equal(
    once,
    'agent a1 stalled for up to 420 ms (worst interval p99 30 ms) though it was not busy: its loop was running 40 % of its busiest interval and it used 0.09 cores at most; that is a pause (garbage collection, a long synchronous task, its host not running it), not saturation; requests in flight then have latencies up to 420 ms too long',
  );
  const starved = agentLoadNote({ ...calm, eventLoopP99Ms: 120, eventLoopMaxMs: 200, cpuCores: 0.2 });
  assert.match(starved!, /^agent a1 stalled for up to 200 ms \(worst interval p99 120 ms\) though it was not busy/);
  assert.doesNotMatch(starved!, /saturated/);
});

test('a lag in a run too short to measure how busy the agent was claims neither saturation nor a pause', () => {
  const short = agentLoadNote({
    ...calm,
    eventLoopP99Ms: 62,
    eventLoopMaxMs: 62,
    eventLoopUtilization: 0,
    cpuCores: 0,
  });
  assert.match(short!, /^agent a1 stalled for up to 62 ms .*the run was too short to measure how busy it was/);
  assert.doesNotMatch(short!, /saturated|not busy/);
});

test('the thresholds: at the limits nothing is said', () => {
  assert.equal(agentLoadNote({ ...calm, eventLoopP99Ms: 50, eventLoopMaxMs: 250, cpuCores: 0.79 }), undefined);
  assert.equal(agentLoadNote({ ...calm, eventLoopUtilization: 0.99, cpuCores: 1, busyIntervals: 1 }), undefined);
  assert.equal(agentLoadNote(calm), undefined);
  assert.match(agentLoadNote({ ...calm, eventLoopMaxMs: 251, eventLoopUtilization: 0.9 })!, /was saturated/);
});

test('busy in two intervals without a lag: could not keep up', () => {
  const note = agentLoadNote({ ...calm, eventLoopUtilization: 0.98, cpuCores: 1, busyIntervals: 3 });
  assert.match(note!, /^agent a1 could not keep up: its event loop was busy 98 % of the time in 3 interval\(s\)/);
});
