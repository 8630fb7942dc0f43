// Progress on the terminal: the plain line and the TTY frame from given values, the
// planned load length of a scenario, and the display's three modes on in-memory streams.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clock,
  formatProgressFrame,
  formatProgressLine,
  type Progress,
  ProgressDisplay,
  type ProgressStream,
  plannedEndIsBound,
  plannedLoadMs,
} from '../src/cli/progress-display.ts';
import { loadScenario, parseScenario } from '../src/scenario/read.ts';

const base: Progress = {
  elapsedS: 12.2,
  remainingS: 47.8,
  rps: 103.4,
  p95Ms: 4.24,
  requests: 1234,
  ok: 1210,
  rateLimited: 24,
  failed: 0,
  dropped: 0,
  agentsConnected: 2,
  agentsPlanned: 2,
  agentsLost: 0,
};

test('the plain line keeps the head and agent counts scripts match, and adds the ok share and time left', () => {
  assert.equal(
    formatProgressLine(base),
    '[  12s] reqs 1,234  resp 103.4/s  p95 4.24 ms  ok 1,210 (98.0%)  429 24  failed 0  agents 2/2  48s left',
  );
  const worse = formatProgressLine({
    ...base,
    elapsedS: 3,
    failed: 7,
    dropped: 5,
    agentsConnected: 2,
    agentsPlanned: 3,
    agentsLost: 1,
  });
  assert.match(worse, /^\[\s+3s\] reqs [1-9]/);
  assert.match(worse, /failed 7  dropped 5  agents 2\/3 \(1 lost\)/);
});

test('the TTY frame: two lines within 80 columns, elapsed and left as clock times', () => {
  const frame = formatProgressFrame({ ...base, elapsedS: 125, remainingS: 3600 - 125 });
  assert.equal(
    frame,
    '2m05s elapsed · 57m55s left · agents 2/2\nresp 103.4/s · p95 4.24 ms · reqs 1,234 · ok 98.0% · 429 24 · failed 0',
  );
  for (const line of frame.split('\n')) assert.ok(line.length <= 80, line);
  assert.match(
    formatProgressFrame({ ...base, dropped: 3, agentsLost: 1, agentsConnected: 1 }),
    /agents 1\/2 \(1 lost\)\n.* · failed 0 · dropped 3$/,
  );
});

test('edge values: no requests yet, all ok, one failure in many, past the planned load', () => {
  const none = { ...base, requests: 0, ok: 0, rateLimited: 0 };
  assert.match(formatProgressLine(none), /ok 0  429 0/);
  assert.match(formatProgressFrame(none), /ok – · /);
  // Nothing answered in the last interval: no latency, not "0.0 ms".
  assert.match(formatProgressLine({ ...none, rps: 0, p95Ms: Number.NaN }), /resp 0\/s  p95 –  ok 0/);
  assert.match(formatProgressLine({ ...base, ok: 1234, rateLimited: 0 }), /ok 1,234 \(100\.0%\)/);
  // Rounded down: 100.0% only when every request was ok.
  assert.match(formatProgressFrame({ ...base, requests: 100_000, ok: 99_999 }), /ok 99\.9%/);
  assert.match(formatProgressLine({ ...base, remainingS: 0 }), /agents 2\/2  finishing$/);
  assert.match(formatProgressLine({ ...base, remainingS: 0.2 }), /  1s left$/);
  // An iteration-bounded model ending last may finish long before its maxDuration: the time left is a bound.
  assert.match(formatProgressLine({ ...base, remainingS: 65, remainingAtMost: true }), /  at most 1m05s left$/);
});

test('clock: seconds, minutes, hours', () => {
  assert.deepEqual([0, 7, 59.4, 60, 65, 3599, 3600, 7387].map(clock), [
    '0s',
    '7s',
    '59s',
    '1m00s',
    '1m05s',
    '59m59s',
    '1h00m00s',
    '2h03m07s',
  ]);
});

test('the planned load is the latest startTime + duration over the scenarios, a ramp its stages summed', () => {
  const s = parseScenario(`
name: two-models
baseUrl: http://127.0.0.1:1
requests: [{ name: health, path: /health }]
scenarios:
  - { name: steady, executor: constant-vus, vus: 2, duration: 30s }
  - name: ramp
    executor: ramping-arrival-rate
    startTime: 10s
    stages: [{ duration: 15s, target: 10 }, { duration: 20s, target: 0 }]
`);
  assert.equal(plannedLoadMs(s), 45_000);
  assert.equal(plannedEndIsBound(s), false);
});

test("the built-in baseline ends on an iteration-bounded model: its planned end is only a bound ('at most')", () => {
  const s = loadScenario('baseline');
  assert.equal(plannedLoadMs(s), 495_000);
  assert.equal(plannedEndIsBound(s), true);
});

/** An in-memory stream; a TTY when given a size. */
function sink(tty?: { columns: number; rows: number }): ProgressStream & { text: string } {
  const s = {
    text: '',
    write(chunk: string) {
      s.text += chunk;
      return true;
    },
    ...(tty ? { isTTY: true, ...tty } : {}),
  };
  return s as unknown as ProgressStream & { text: string };
}

test('not a TTY: one plain line per update, messages as they come, nothing after done', () => {
  const out = sink();
  const d = new ProgressDisplay(out);
  assert.equal(d.mode, 'plain');
  d.write('run 1: http://x\n');
  d.update(base);
  d.update({ ...base, elapsedS: 13 });
  d.done();
  d.update({ ...base, elapsedS: 14 });
  d.write('report written\n');
  assert.equal(
    out.text,
    `run 1: http://x\n${formatProgressLine(base)}\n${formatProgressLine({ ...base, elapsedS: 13 })}\nreport written\n`,
  );
});

test('quiet: no progress, on a TTY or not; messages still print', () => {
  for (const out of [sink(), sink({ columns: 120, rows: 40 })]) {
    const d = new ProgressDisplay(out, { quiet: true });
    assert.equal(d.mode, 'quiet');
    d.update(base);
    d.write('error CTRL_X: boom\n');
    d.done();
    assert.equal(out.text, 'error CTRL_X: boom\n');
  }
});

test('a TTY: the frame is redrawn in place, messages go above it, and done leaves the last frame', () => {
  const out = sink({ columns: 120, rows: 40 });
  const d = new ProgressDisplay(out);
  assert.equal(d.mode, 'tty');
  d.update(base);
  assert.ok(out.text.includes(formatProgressFrame(base)));
  const before = out.text.length;
  d.update({ ...base, elapsedS: 13.1, remainingS: 46.9 });
  const redraw = out.text.slice(before);
  assert.match(redraw, /\x1b\[2K/, 'erases lines');
  assert.match(redraw, /\x1b\[1A/, 'moves the cursor up');
  assert.ok(redraw.includes('13s elapsed · 47s left'));
  const mark = out.text.length;
  d.write('stopping: waiting\n');
  const message = out.text.slice(mark);
  // The frame is erased, the message written as it is, the frame drawn again below it.
  assert.ok(message.indexOf('\x1b[2K') < message.indexOf('stopping: waiting\n'));
  assert.ok(message.indexOf('stopping: waiting\n') < message.lastIndexOf('13s elapsed'));
  d.done();
  const end = out.text.length;
  d.update({ ...base, elapsedS: 99 });
  d.write('after\n');
  assert.equal(out.text.slice(end), 'after\n', 'after done: no more frames, nothing erased');
});

test('a TTY nobody sized (0 x 0, as under script(1)) still shows the frame', () => {
  const out = sink({ columns: 0, rows: 0 });
  const d = new ProgressDisplay(out);
  d.update(base);
  d.done();
  assert.ok(out.text.includes(formatProgressFrame(base)));
});

test('tty: false overrides a TTY stream (TERM=dumb)', () => {
  const out = sink({ columns: 80, rows: 24 });
  const d = new ProgressDisplay(out, { tty: false });
  assert.equal(d.mode, 'plain');
  d.update(base);
  assert.equal(out.text, formatProgressLine(base) + '\n');
});
