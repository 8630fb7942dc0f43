// The reporter keeps every report until acknowledged and resends them in
// order; a completion log answers "how many before the first 429" exactly.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEnvelope } from '@barrage/proto';
import { CompletionLog } from '../src/measure/completion-log.ts';
import { Recorder } from '../src/measure/recorder.ts';
import { Reporter } from '../src/measure/reporter.ts';

test('unacknowledged reports are resent in order, acknowledged ones never', () => {
  const sent: number[] = [];
  let now = 10_000;
  const recorder = new Recorder(['a']);
  const reporter = new Reporter({
    runId: 'r',
    intervalMs: 1000,
    clock: { now: () => now },
    recorder,
    send: (f) => sent.push(decodeEnvelope(f).report!.seq!),
    status: () => ({ inFlight: 0, activeVus: 0 }),
  });
  reporter.start(now, now);
  // Drive intervals by hand through finish() semantics: emit three reports.
  for (let i = 0; i < 2; i++) {
    recorder.record(0, {
      latencyUs: 5,
      status: 200,
      ok: true,
      retryAfter: false,
      bytesReceived: 1,
      bytesSent: 0,
      at: now,
    });
    (reporter as unknown as { tick(): void }).tick();
    now += 1000;
  }
  reporter.finish();
  assert.deepEqual(sent, [1, 2, 3]);
  assert.equal(reporter.unacked, 3);
  reporter.ack(2);
  assert.equal(reporter.lastAcked, 2);
  sent.length = 0;
  reporter.resend();
  assert.deepEqual(sent, [1, 3]);
  reporter.ack(1);
  reporter.ack(3);
  sent.length = 0;
  reporter.resend();
  assert.deepEqual(sent, []);
  assert.equal(reporter.unacked, 0);
});

test('completion log counts answered requests sent before the first 429 arrived', () => {
  const log = new CompletionLog();
  log.note(0, 1, 2, false);
  log.note(1, 2, 3, false);
  log.note(0, 3, 6, true); // a 429 for name 0 arrives at 6
  log.note(0, 4, 7, false); // sent before it arrived, answered OK after: counts
  log.note(0, 6.5, 8, false); // sent after this agent's first 429 arrived: never needed
  log.note(0, 3.5, 5, true); // an earlier-arriving 429 moves the boundary to 5
  log.note(1, 9, 10, false);
  assert.equal(log.countBefore(5), 3, 'sent at 1, 2 and 4');
  assert.equal(log.countBefore(5, 0), 2);
  assert.equal(log.countBefore(100, 1), 2);
  assert.equal(log.countBefore(100, 0), 2, 'name 0 sent at 6.5 is not kept');
  assert.equal(log.truncated, false);
});
