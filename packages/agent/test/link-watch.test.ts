// The link watch on fake time: a controller silent past the agent timeout has
// its link dropped, counted from the last contact or from when the link
// opened; a tick that itself came late (this process stalled) drops nothing;
// the run's lease is asked on every tick while it may fire.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_AGENT_TIMEOUT_MS } from '@barrage/core';
import pino from 'pino';
import { LinkWatch, WATCH_MS } from '../src/link/link-watch.ts';
import type { RunHandle } from '../src/run/run-handle.ts';
import { FakeTime, T0 } from './helpers/fake-time.ts';

function watched(run?: Partial<RunHandle>) {
  const time = new FakeTime();
  const link = {
    open: true,
    drops: [] as number[],
    terminate() {
      this.drops.push(time.now() - T0);
    },
  };
  const contacts: number[] = [];
  const watch = new LinkWatch({
    clock: time,
    timers: time,
    link,
    run: () => run as RunHandle | undefined,
    onContact: (at) => contacts.push(at - T0),
    logger: pino({ level: 'silent' }),
  });
  return { time, link, watch, contacts };
}

test('a controller silent past the agent timeout: the link is dropped on the first tick after it', async () => {
  const { time, link, watch, contacts } = watched();
  watch.opened();
  watch.start();
  await time.advance(1_000);
  watch.heard();
  assert.deepEqual(contacts, [1_000]);
  assert.equal(watch.contactAgeMs, 0);
  await time.advance(DEFAULT_AGENT_TIMEOUT_MS + 1_000);
  assert.deepEqual(
    link.drops.slice(0, 1),
    [1_000 + DEFAULT_AGENT_TIMEOUT_MS + WATCH_MS],
    'silent for more than 5 s at the tick after 6 s',
  );
});

test('a link that never heard the controller: its silence counts from when it opened', async () => {
  const { time, link, watch } = watched();
  watch.start();
  link.open = false;
  await time.advance(3_000);
  link.open = true;
  watch.opened();
  await time.advance(DEFAULT_AGENT_TIMEOUT_MS);
  assert.deepEqual(link.drops, []);
  await time.advance(WATCH_MS);
  assert.deepEqual(link.drops, [3_000 + DEFAULT_AGENT_TIMEOUT_MS + WATCH_MS]);
});

test('a tick that came late (the process stalled) drops nothing: frames may be waiting unread', async () => {
  const { time, link, watch } = watched();
  watch.opened();
  watch.start();
  await time.advance(1_000);
  time.stall(DEFAULT_AGENT_TIMEOUT_MS + 1_000);
  await time.advance(1);
  assert.deepEqual(link.drops, [], 'the late tick');
  await time.advance(WATCH_MS);
  assert.equal(link.drops.length, 1, 'an on-time tick still finds it silent');
});

test("the run's lease is asked on every tick while it may fire, not otherwise", async () => {
  let asked = 0;
  const run = {
    state: 'running' as RunHandle['state'],
    agentTimeoutMs: 60_000,
    mayFire: () => {
      asked++;
      return true;
    },
  };
  const { time, watch } = watched(run);
  watch.heard();
  watch.start();
  await time.advance(1_000);
  assert.equal(asked, 1_000 / WATCH_MS);
  run.state = 'done';
  await time.advance(1_000);
  assert.equal(asked, 1_000 / WATCH_MS);
});
