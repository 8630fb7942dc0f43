// Per-VU sessions on fake time, through the dispatch seam: a login runs once
// per VU before its first iteration and its token serves every iteration; a
// token the target stops taking (401) is refreshed and the request retried
// once, the 401 recorded as a session retry, never as failed; logins spread
// over rampUp; refresh.every logs in again before an iteration; a dead login
// drops iterations without a tight loop; teardown runs once per VU; an open
// model logs in once per in-flight slot.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArrivalSchedule } from '@barrage/core';
import { barrage } from '@barrage/proto';
import { Requester } from '../src/http/requester.ts';
import { ClosedModel } from '../src/load/closed-model.ts';
import { EARLY_MS, OpenModel } from '../src/load/open-model.ts';
import { CompletionLog } from '../src/measure/completion-log.ts';
import { Recorder } from '../src/measure/recorder.ts';
import { prepareAssignment } from '../src/run/assignment.ts';
import { FakeTarget } from './helpers/fake-target.ts';
import { FakeTime, T0 } from './helpers/fake-time.ts';

const E = barrage.v1.Executor;

interface Setup {
  vus?: number;
  durationMs?: number;
  thinkTimeMs?: number;
  /** Tokens the target takes for this long (fake ms); default forever. */
  ttlMs?: number;
  loginStatus?: number;
  session?: Partial<barrage.v1.ScenarioPlan.$Properties>;
  open?: { rate: number; maxInFlight: number };
}

/** A target whose /login hands out token N and whose /api takes a token for ttlMs after it was issued. */
function sessionRun(o: Setup) {
  const time = new FakeTime();
  const issued: number[] = [];
  const target = new FakeTarget(time, {
    serviceMs: 10,
    status: (path) => {
      if (path === '/login') return o.loginStatus ?? 200;
      const t = /t=tok(\d+)/.exec(path);
      if (path.startsWith('/api'))
        return t !== null && time.now() - issued[Number(t[1])]! < (o.ttlMs ?? Infinity) ? 200 : 401;
      return 200;
    },
    body: (path) => {
      if (path !== '/login') return '';
      issued.push(time.now());
      return JSON.stringify({ token: `tok${issued.length - 1}` });
    },
  });
  const names: string[] = [];
  const vus = o.vus ?? 2;
  const durationMs = o.durationMs ?? 1_000;
  const [s] = prepareAssignment(
    {
      runId: 'r',
      scenarios: [
        {
          name: 's',
          executor: o.open ? E.EXECUTOR_CONSTANT_ARRIVAL_RATE : E.EXECUTOR_CONSTANT_VUS,
          vus: o.open ? 0 : vus,
          vuSpan: vus,
          durationMs,
          ...(o.open
            ? {
                startTarget: o.open.rate,
                stages: [{ durationMs, target: o.open.rate }],
                totalArrivals: new ArrivalSchedule(o.open.rate, [{ durationMs, target: o.open.rate }]).total,
                iterations: new ArrivalSchedule(o.open.rate, [{ durationMs, target: o.open.rate }]).total,
                maxInFlight: o.open.maxInFlight,
              }
            : {}),
          requests: [
            { name: 'api', method: 'GET', url: 'http://target.test/api?t=${token}' },
            {
              name: 'login',
              method: 'POST',
              url: 'http://target.test/login',
              captures: [{ var: 'token', jsonPath: '$.token' }],
            },
            { name: 'logout', method: 'POST', url: 'http://target.test/logout?t=${token}' },
          ],
          mix: [{ name: 'api', weight: 1, steps: [0] }],
          sessionSteps: [1],
          ...o.session,
        },
      ],
    },
    names,
  );
  const recorder = new Recorder(names);
  const requester = new Requester({
    allowH2: false,
    connections: 100,
    recorder,
    log: new CompletionLog(),
    clock: time,
    dispatch: target.pool(100),
  });
  let idle = false;
  const ctx = {
    clock: time,
    timers: time,
    requester,
    entries: s!.entries,
    session: s!.session,
    onIdle: () => {
      idle = true;
    },
  };
  const model = o.open
    ? new OpenModel(ctx, {
        schedule: new ArrivalSchedule(o.open.rate, [{ durationMs, target: o.open.rate }]),
        count: s!.iterations,
        phase: 0,
        startAt: T0,
        maxInFlight: o.open.maxInFlight,
      })
    : new ClosedModel(ctx, {
        vus,
        iterations: Infinity,
        iterationsPerVu: Infinity,
        startAt: T0,
        endAt: T0 + durationMs,
        thinkTimeMs: o.thinkTimeMs ?? 0,
      });
  const stats = (): Record<string, barrage.v1.RequestStats.$Properties> =>
    Object.fromEntries(recorder.snapshot().map((x) => [x.name, x]));
  // When each request was sent (ms after the start).
  const at = (prefix: string) =>
    target.requests.filter((r) => r.path.startsWith(prefix)).map((r) => r.dispatchedAt - T0);
  return { time, model, stats, at, idle: () => idle };
}

test('a login per VU before its first iteration; a 401 refreshes and retries once, counted as a session retry', async () => {
  const m = sessionRun({
    vus: 3,
    durationMs: 2_000,
    thinkTimeMs: 90,
    ttlMs: 450,
    session: { sessionRefreshOn: [401] },
  });
  m.model.start();
  await m.time.advance(5_000);
  const s = m.stats();
  const api = s.api!;
  assert.ok(m.idle());
  assert.ok(api.sessionRetries! > 0, 'tokens expired and were refreshed');
  assert.equal(api.failed, 0, 'no 401 is a failure');
  assert.equal(s.login!.ok, 3 + api.sessionRetries!, 'logins = VUs + refreshes');
  // Every answer is counted: the 401s in the statuses, beside the retries' 200s.
  const byStatus = Object.fromEntries((api.status ?? []).map((c) => [c.status, c.count]));
  assert.equal(byStatus[401], api.sessionRetries);
  assert.equal(api.ok! + api.sessionRetries!, m.at('/api').length, 'barrage counts what the target saw');
  assert.equal(s.login!.ok, m.at('/login').length);
});

test('rampUp: VU i of N logs in rampUp·i/N after the start', async () => {
  const m = sessionRun({ vus: 4, session: { sessionRampUpMs: 1_000 } });
  m.model.start();
  await m.time.advance(3_000);
  assert.deepEqual(m.at('/login'), [0, 250, 500, 750]);
});

test('refresh.every: a session older than every logs in again before the next iteration', async () => {
  const m = sessionRun({ vus: 1, durationMs: 3_500, thinkTimeMs: 290, session: { sessionRefreshEveryMs: 1_000 } });
  m.model.start();
  await m.time.advance(5_000);
  // Iterations start every 300 ms (10 ms answer + 290 ms think), each after the login if one is due.
  assert.deepEqual(m.at('/login'), [0, 1_210, 2_420]);
  assert.equal(m.stats().api!.sessionRetries, 0);
});

test('a login that fails drops the iteration and is tried again after a second, not in a tight loop', async () => {
  const m = sessionRun({ vus: 1, durationMs: 3_500, loginStatus: 500 });
  m.model.start();
  await m.time.advance(5_000);
  assert.deepEqual(m.at('/login'), [0, 1_010, 2_020, 3_030]);
  assert.equal(m.at('/api').length, 0, 'nothing is sent on a missing token');
  assert.equal(m.stats().api!.dropped, 4);
});

test('teardown runs once per VU when it leaves, with its session', async () => {
  const m = sessionRun({ vus: 3, session: { sessionTeardown: [2] } });
  m.model.start();
  await m.time.advance(3_000);
  assert.equal(m.at('/logout').length, 3);
  assert.ok(
    m.at('/logout').every((t) => t >= 1_000),
    'when the model ends',
  );
  assert.ok(m.idle());
});

test('open models: one login per in-flight slot, kept across the arrivals that use it', async () => {
  const m = sessionRun({ durationMs: 1_000, open: { rate: 50, maxInFlight: 2 } });
  m.model.start();
  await m.time.advance(3_000);
  // Arrival 0 logs its slot in (10 ms) before its request (10 ms): arrival 1, due at 20 ms, finds it
  // still busy (it fires EARLY_MS ahead) and takes the second slot. Every later arrival finds a slot logged in.
  assert.deepEqual(m.at('/login'), [0, 20 - EARLY_MS]);
  assert.equal(m.stats().api!.ok, 50);
});
