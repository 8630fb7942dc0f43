// The events stream in-process, on a real HTTP server on port 0: a live run's
// channel replayed then followed, unchanged figures not sent twice, the end
// closing every stream; a run not going here replayed from the store; the
// bound on open streams (coded 503), heartbeats, listeners gone when a client
// leaves, a client that stops reading dropped; the same auth as other reads.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { test } from 'node:test';
import { systemClock } from '@barrage/core';
import pino from 'pino';
import { drain, openSse } from '../../../test/helpers/sse.ts';
import type { EventStreamLimits } from '../src/api/event-stream.ts';
import { buildApi } from '../src/api/server.ts';
import { Cluster } from '../src/cluster/cluster.ts';
import type { StoredInterval } from '../src/merge/interval-figures.ts';
import { RunManager } from '../src/runs/run-service.ts';
import { RunStore } from '../src/store/run-store.ts';

const TOKEN = 'events-token';

async function controller(o: { readsNeedToken?: boolean; limits?: Partial<EventStreamLimits> } = {}) {
  const logger = pino({ level: 'silent' });
  const cluster = new Cluster({ host: '127.0.0.1', port: 0, token: 'agent-token', clock: systemClock, logger });
  const store = new RunStore(':memory:');
  const manager = new RunManager({ cluster, store, clock: systemClock, logger });
  await buildApi({
    cluster,
    store,
    logger,
    manager,
    token: TOKEN,
    readsNeedToken: o.readsNeedToken ?? false,
    eventLimits: o.limits,
  });
  const { port } = await cluster.listen();
  return {
    store,
    hub: manager.events,
    api: `http://127.0.0.1:${port}/api/v1`,
    port,
    close: async () => {
      await cluster.close();
      store.close();
    },
  };
}

const figures = (
  interval: number,
  requests: number,
  agents: Record<string, number> = { a1: requests },
): StoredInterval => ({
  interval,
  requests,
  ok: requests,
  rateLimited: 0,
  failed: 0,
  p50Ms: 1,
  p95Ms: 2,
  p99Ms: 3,
  maxMs: 4,
  meanMs: 1.5,
  dropped: 0,
  status: { 200: requests },
  errors: { timeout: 0, refused: 0, reset: 0, other: 0, tls: 0 },
  agents,
});

/** Resolves once `cond` holds, re-checked after each turn of the event loop (server-side state a client cannot see). */
async function settled(cond: () => boolean, turns = 100_000): Promise<void> {
  for (let i = 0; i < turns && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition never held');
}

test('a live run: replay, then each new figure once, then end closes the stream', async (t) => {
  const c = await controller();
  t.after(c.close);
  c.store.createRun({ id: 'r1', scenario: 'live', scenarioSource: {}, target: undefined });
  const ch = c.hub.open('r1');
  ch.start('live', Date.parse('2025-03-01T10:00:00.000Z'), 1000);
  ch.interval(figures(0, 10));
  ch.monitors({ rss: [{ t: 0, value: 100 }] });

  const s = await openSse(`${c.api}/runs/r1/events`);
  assert.equal(s.status, 200);
  assert.match(s.headers.get('content-type')!, /^text\/event-stream/);
  assert.deepEqual(await s.next(), {
    event: 'start',
    id: 'start',
    data: { id: 'r1', scenario: 'live', plannedStartAt: '2025-03-01T10:00:00.000Z', intervalMs: 1000 },
  });
  assert.deepEqual(await s.next(), { event: 'interval', id: '0', data: figures(0, 10) });
  assert.deepEqual(await s.next(), { event: 'monitor', id: 'rss:0', data: { name: 'rss', t: 0, value: 100 } });

  ch.interval(figures(0, 10)); // the same figures again (an interval closing as it was): not sent
  ch.interval({ ...figures(1, 7), p50Ms: null, p95Ms: null, p99Ms: null, maxMs: null, meanMs: null });
  ch.monitors({
    rss: [
      { t: 0, value: 100 },
      { t: 1000, value: 101 },
    ],
  });
  ch.thresholds([{ expr: 'count(429)>=1', scope: 'all', value: 0, ok: false }], false);
  ch.thresholds([{ expr: 'count(429)>=1', scope: 'all', value: 0, ok: false }], false); // unchanged: not sent
  ch.interval(figures(1, 8)); // a late report: sent again, replacing it
  ch.thresholds([{ expr: 'count(429)>=1', scope: 'all', value: Number.NaN, ok: false }], true);
  ch.end('failed');
  const rest = await drain(s);
  assert.deepEqual(
    rest.map((e) => [e.event, e.id]),
    [
      ['interval', '1'],
      ['monitor', 'rss:1'],
      ['thresholds', 'thresholds'],
      ['interval', '1'],
      ['thresholds', 'thresholds:final'],
      ['end', 'end'],
    ],
  );
  assert.equal((rest[0]!.data as StoredInterval).p50Ms, null);
  assert.deepEqual(rest[3]!.data, figures(1, 8));
  assert.deepEqual(
    rest[4]!.data,
    { final: true, results: [{ expr: 'count(429)>=1', scope: 'all', value: null, ok: false }] },
    'NaN travels as null',
  );
  assert.deepEqual(rest[5]!.data, { status: 'failed' });
  await settled(() => c.hub.streams === 0);
  assert.equal(c.hub.live('r1'), undefined, 'an ended run leaves the hub');
});

test('a run not going here is replayed from the store and ended with its stored status', async (t) => {
  const c = await controller();
  t.after(c.close);
  c.store.createRun({ id: 'gone', scenario: 's', scenarioSource: {}, target: undefined });
  c.store.saveFigures('gone', figures(0, 5), null);
  c.store.failRun('gone', 'CTRL_SETUP_FAILED: setup step login failed');
  const events = await drain(await openSse(`${c.api}/runs/gone/events`));
  assert.deepEqual(
    events.map((e) => e.event),
    ['interval', 'end'],
  );
  assert.equal((events[0]!.data as StoredInterval).requests, 5);
  assert.deepEqual(events[1]!.data, { status: 'error', error: 'CTRL_SETUP_FAILED: setup step login failed' });
  const missing = await fetch(`${c.api}/runs/nope/events`);
  assert.deepEqual([missing.status, ((await missing.json()) as { code: string }).code], [404, 'CTRL_RUN_NOT_FOUND']);
});

test('bounded: streams past the limit get a coded 503; a client that leaves frees its slot and its listener', async (t) => {
  const c = await controller({ limits: { maxStreams: 2, heartbeatMs: 20 } });
  t.after(c.close);
  c.store.createRun({ id: 'r', scenario: 's', scenarioSource: {}, target: undefined });
  const ch = c.hub.open('r');
  t.after(() => ch.end('aborted'));
  const a = await openSse(`${c.api}/runs/r/events`);
  const b = await openSse(`${c.api}/runs/r/events`);
  const third = await fetch(`${c.api}/runs/r/events`);
  assert.equal(third.status, 503);
  assert.equal(third.headers.get('retry-after'), '5');
  assert.equal(((await third.json()) as { code: string }).code, 'CTRL_TOO_MANY_STREAMS');
  assert.equal(ch.streams, 2);
  assert.ok(await a.comment(), 'heartbeat comment lines come on a quiet stream');
  assert.equal(a.comments[0], ': ping');
  a.close();
  await settled(() => c.hub.streams === 1 && ch.streams === 1);
  const again = await openSse(`${c.api}/runs/r/events`);
  assert.equal(again.status, 200, 'the slot is free again');
  again.close();
  b.close();
  await settled(() => c.hub.streams === 0 && ch.streams === 0);
});

test('a client that stops reading is dropped once its backlog passes the bound', async (t) => {
  const c = await controller({ limits: { maxPendingBytes: 64 * 1024 } });
  t.after(c.close);
  c.store.createRun({ id: 'r', scenario: 's', scenarioSource: {}, target: undefined });
  const ch = c.hub.open('r');
  t.after(() => ch.end('aborted'));
  const socket = connect(c.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => {});
  socket.write(`GET /api/v1/runs/r/events HTTP/1.1\r\nhost: 127.0.0.1:${c.port}\r\n\r\n`);
  socket.pause(); // and never reads
  await settled(() => ch.streams === 1);
  // Big intervals (many agents) until the server gives up on the client: kernel buffers first,
  // then the bounded backlog. 400 MB would mean it never does.
  const agents = Object.fromEntries(Array.from({ length: 400 }, (_v, i) => [`agent-${i}`, 1]));
  let sent = 0;
  for (let k = 0; ch.streams > 0 && sent < 400 * 1024 * 1024; k++) {
    const f = figures(k, 400, agents);
    ch.interval(f);
    sent += JSON.stringify(f).length;
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(ch.streams, 0, 'the stalled client was dropped');
  await settled(() => c.hub.streams === 0);
  socket.destroy();
});

test('the same rules as other reads: off loopback the token is needed', async (t) => {
  const c = await controller({ readsNeedToken: true });
  t.after(c.close);
  c.store.createRun({ id: 'r', scenario: 's', scenarioSource: {}, target: undefined });
  c.store.failRun('r', 'x');
  const anonymous = await fetch(`${c.api}/runs/r/events`);
  assert.deepEqual([anonymous.status, ((await anonymous.json()) as { code: string }).code], [401, 'CTRL_UNAUTHORIZED']);
  const events = await drain(await openSse(`${c.api}/runs/r/events`, { authorization: `Bearer ${TOKEN}` }));
  assert.deepEqual(
    events.map((e) => e.event),
    ['end'],
  );
});

test('a long live run: the channel keeps the recent intervals, the replay takes older ones from the store, each once and in order', async () => {
  const { RunEventHub } = await import('../src/runs/run-events.ts');
  const hub = new RunEventHub();
  const channel = hub.open('r');
  const point = (interval: number) => ({
    interval,
    requests: 1,
    ok: 1,
    rateLimited: 0,
    failed: 0,
    p50Ms: 1,
    p95Ms: 1,
    p99Ms: 1,
    maxMs: 1,
    meanMs: 1,
    dropped: 0,
    status: { 200: 1 },
    errors: { timeout: 0, refused: 0, reset: 0, other: 0, tls: 0 },
    agents: { a: 1 },
  });
  for (let k = 0; k < 500; k++) channel.interval(point(k));
  const asked: number[] = [];
  const replay = channel.replay((before) => {
    asked.push(before);
    return Array.from(
      { length: before },
      (_v, k) => `event: interval\nid: ${k}\ndata: ${JSON.stringify(point(k))}\n\n`,
    );
  });
  const ids = replay.filter((f) => f.startsWith('event: interval')).map((f) => Number(/\nid: (\d+)/.exec(f)![1]));
  assert.deepEqual(
    ids,
    Array.from({ length: 500 }, (_v, k) => k),
  );
  assert.equal(asked.length, 1);
  assert.ok(asked[0]! >= 500 - 120 && asked[0]! < 500, `the channel kept intervals from ${asked[0]}`);
});
