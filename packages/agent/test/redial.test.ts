// The redial policy: 100 ms doubling to 5 s, each wait jittered to between
// half and all of it, from the shortest again after a link opened; a one-run
// agent gives up after 16 attempts in a row.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BACKOFF_MAX_MS, BACKOFF_MIN_MS, ONCE_MAX_ATTEMPTS, Redial } from '../src/link/redial.ts';

test('waits double from 100 ms to 5 s, jittered between half and all of each', () => {
  const full = new Redial(Infinity, () => 1 - Number.EPSILON);
  const half = new Redial(Infinity, () => 0);
  const fulls = Array.from({ length: 9 }, () => Math.round(full.next()!));
  const halves = Array.from({ length: 9 }, () => half.next()!);
  assert.deepEqual(fulls, [100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000]);
  assert.deepEqual(
    halves,
    fulls.map((w) => w / 2),
  );
  assert.equal(BACKOFF_MIN_MS, 100);
  assert.equal(BACKOFF_MAX_MS, 5_000);
});

test('a link that opens starts the waits over', () => {
  const r = new Redial(Infinity, () => 0);
  r.next();
  r.next();
  r.next();
  r.reset();
  assert.equal(r.next(), 50);
});

test('a one-run agent gives up after 16 attempts in a row; a long-lived one never does', () => {
  const once = new Redial(ONCE_MAX_ATTEMPTS, () => 0.5);
  for (let i = 0; i < 16; i++) assert.notEqual(once.next(), undefined);
  assert.equal(once.next(), undefined);
  assert.equal(once.attempt, 16);
  const forever = new Redial(Infinity, () => 0.5);
  for (let i = 0; i < 1_000; i++) assert.ok(forever.next()! <= BACKOFF_MAX_MS);
});
