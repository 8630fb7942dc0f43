// The run's pure pieces, without sockets or time: the takeover maths of a lost
// share, which agents a watch tick declares lost, when a run's load is settled,
// the live judge against the summary's, and what the publisher tells of a run.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Recorder } from '@barrage/agent';
import { barrage, decodeEnvelope, encodeEnvelope } from '@barrage/proto';
import fc from 'fast-check';
import type { Float64Histogram } from 'hdr-histogram-js';
import type { AgentSession } from '../src/cluster/agent-session.ts';
import type { StoredInterval } from '../src/merge/interval-figures.ts';
import { firstLiveFailure, judge } from '../src/merge/judge.ts';
import { RunAggregate } from '../src/merge/run-aggregate.ts';
import { planTakeover, type Taker } from '../src/plan/takeover.ts';
import { agentsToDeclareLost } from '../src/run/agent-watch.ts';
import type { RunEvents, RunView } from '../src/run/events.ts';
import { newParticipant, type Participant } from '../src/run/participant.ts';
import { RunPublisher } from '../src/run/publisher.ts';
import { allSettled, completeInterval, deadline, giveUpOn, type RunSpan } from '../src/run/settling.ts';
import { parseThreshold } from '../src/scenario/thresholds.ts';

const E = barrage.v1.Executor;

/** A session stand-in: the fields a participant reads, and what it was sent. */
function session(id: string, weight = 1, lastSeen = 0, open = true) {
  const sent: unknown[] = [];
  const s = {
    id,
    name: id,
    remoteAddress: '10.0.0.1',
    hello: { weight },
    lastSeen,
    open,
    send: (m: unknown) => sent.push(m),
    terminate() {},
  };
  return { s: s as unknown as AgentSession, sent };
}

function participant(
  id: string,
  o: Partial<Participant> & { lastSeen?: number; open?: boolean; weight?: number } = {},
): Participant {
  const p = newParticipant(session(id, o.weight ?? 1, o.lastSeen ?? 0, o.open ?? true).s, { id, start: 0, end: 1 });
  return Object.assign(p, o);
}

const scenarioPlan = (
  name: string,
  executor: barrage.v1.Executor,
  vus: number,
  iterations: number,
  maxInFlight = 0,
) => ({ name, executor, vus, iterations, maxInFlight });

test('takeover: a lost share is split over the agents that run each scenario, exactly, iteration-bounded ones skipped', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0.1, max: 10, noNaN: true }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 0, max: 5000 }),
      fc.integer({ min: 0, max: 100_000 }),
      fc.integer({ min: 0, max: 500 }),
      (weights, vus, arrivals, cap) => {
        const lost = {
          scenarios: [
            scenarioPlan('closed', E.EXECUTOR_CONSTANT_VUS, vus, 0),
            scenarioPlan('open', E.EXECUTOR_CONSTANT_ARRIVAL_RATE, 0, arrivals, cap),
            scenarioPlan('shared', E.EXECUTOR_SHARED_ITERATIONS, 3, 100),
          ],
        };
        const takers: Taker[] = weights.map((w, i) => ({
          id: `t${i}`,
          weight: w,
          assign: {
            scenarios: [
              scenarioPlan('open', E.EXECUTOR_CONSTANT_ARRIVAL_RATE, 0, 1),
              scenarioPlan('closed', E.EXECUTOR_CONSTANT_VUS, 1, 0),
            ],
          },
        }));
        const plan = planTakeover(lost, takers);
        assert.deepEqual(plan.skipped, ['shared']);
        const all = [...plan.shares.values()].flat();
        const closed = all.filter((s) => s.scenario === 1);
        const open = all.filter((s) => s.scenario === 0);
        assert.equal(
          closed.reduce((n, s) => n + s.vus!, 0),
          vus,
          'the lost VUs, all of them, once',
        );
        assert.ok(
          open.every((s) => s.arrivals === arrivals && s.maxInFlight! >= 1),
          'each taker walks the lost arrivals and keeps a slot',
        );
        // The parts tile [0, 1): every lost arrival is fired by exactly one taker.
        const parts = open.map((s) => [s.partStart!, s.partEnd!]).sort((a, b) => a[0]! - b[0]!);
        assert.equal(parts[0]![0], 0);
        assert.equal(parts.at(-1)![1], 1);
        for (let i = 1; i < parts.length; i++) assert.equal(parts[i]![0], parts[i - 1]![1]);
      },
    ),
    { numRuns: 300 },
  );
});

test('takeover: a scenario no taker runs is not re-planned, and says so', () => {
  const lost = { scenarios: [scenarioPlan('only-lost', E.EXECUTOR_CONSTANT_VUS, 4, 0)] };
  const plan = planTakeover(lost, [
    { id: 't', weight: 1, assign: { scenarios: [scenarioPlan('other', E.EXECUTOR_CONSTANT_VUS, 1, 0)] } },
  ]);
  assert.equal(plan.shares.size, 0);
  assert.deepEqual(plan.skipped, ['only-lost']);
});

test('watch: only agents silent past the timeout, not final, not already away, are declared lost', () => {
  const now = 10_000;
  const fresh = participant('fresh', { lastSeen: now - 4_999 });
  const silent = participant('silent', { lastSeen: now - 5_001 });
  const done = participant('done', { lastSeen: 0, final: true });
  const away = participant('away', {
    lastSeen: 0,
    lost: { at: 1, lastContactAt: 0, share: 0.5, policy: 'continue', takenBy: [], takenFrom: 0, returnedAt: 0 },
  });
  const back = participant('back', {
    lastSeen: 100,
    lost: { at: 1, lastContactAt: 0, share: 0.5, policy: 'continue', takenBy: [], takenFrom: 0, returnedAt: 50 },
  });
  const d = agentsToDeclareLost([fresh, silent, done, away, back], now, 5_000, 'rebalance');
  assert.deepEqual(
    d.map((x) => [x.p.id, x.kind, x.silentMs, x.policy]),
    [
      ['silent', 'lost', 5_001, 'rebalance'],
      ['back', 'lost-again', 9_900, 'rebalance'],
    ],
  );
});

test('settling: a run waits for final reports, and for a lost agent until its lease and a redial have passed', () => {
  const span: RunSpan = { startAt: 1_000, loadMs: 10_000, longestMs: 40_000, leaseMs: 15_000 };
  const final = participant('a', { final: true });
  const lost = participant('b', {
    open: false,
    lost: { at: 5_000, lastContactAt: 0, share: 0.5, policy: 'continue', takenBy: [], takenFrom: 0, returnedAt: 0 },
  });
  assert.equal(giveUpOn(lost, span), 5_000 + 15_000 + 6_000);
  assert.equal(allSettled([final, lost], giveUpOn(lost, span) - 1, span), false);
  assert.equal(allSettled([final, lost], giveUpOn(lost, span), span), true);
  assert.equal(deadline([final], span), 1_000 + 40_000 + 10_000);
  const late = participant('c', {
    open: false,
    lost: { at: 40_000, lastContactAt: 0, share: 0.5, policy: 'continue', takenBy: [], takenFrom: 0, returnedAt: 0 },
  });
  assert.equal(deadline([final, late], span), giveUpOn(late, span), 'a late loss moves the deadline');
});

/** A report of `n` 200s at `latencyUs` for interval k, from one agent, shipped the real way (encoded, decoded). */
function report(runId: string, seq: number, k: number, n: number, latencyUs = 1_000, final = false): barrage.v1.Report {
  const rec = new Recorder(['r']);
  for (let i = 0; i < n; i++)
    rec.record(0, { latencyUs, status: 200, ok: true, retryAfter: false, bytesReceived: 0, bytesSent: 0, at: 1 });
  return decodeEnvelope(
    encodeEnvelope({ report: { runId, seq, interval: k, stats: rec.snapshot(), startedAt: 1, final } }),
  ).report as barrage.v1.Report;
}

test('completeInterval: the newest interval every running agent reported; a finished agent holds nothing back', () => {
  const agg = new RunAggregate(['r']);
  const a = participant('a');
  const b = participant('b');
  assert.equal(completeInterval([a, b], agg), -1);
  agg.add('a', report('x', 1, 0, 1));
  agg.add('a', report('x', 2, 1, 1));
  agg.add('b', report('x', 1, 0, 1));
  assert.equal(completeInterval([a, b], agg), 0);
  b.final = true;
  assert.equal(completeInterval([a, b], agg), 1);
});

test("judge: the live judge and the summary's judge are one; abortOnFail waits for its delay and for a value", () => {
  const agg = new RunAggregate(['r']);
  const ts = [
    parseThreshold('p(95)<500ms'),
    parseThreshold('count(ok)<=3', 'r', { abortOnFail: true, delayMs: 2_000 }),
  ];
  assert.equal(
    firstLiveFailure(ts.slice(1), 5_000, (due) => judge(due, { aggregate: agg, windowMs: 5_000 })),
    undefined,
    'no value yet: not a failure',
  );
  agg.add('a', report('x', 1, 0, 4, 2_000_000));
  const results = judge(ts, { aggregate: agg, windowMs: 5_000 });
  assert.deepEqual(
    results.map((r) => [r.expr, r.scope, r.ok]),
    [
      ['p(95)<500ms', 'all', false],
      ['count(ok)<=3', 'r', false],
    ],
  );
  assert.equal(
    firstLiveFailure(ts.slice(1), 1_999, (due) => judge(due, { aggregate: agg, windowMs: 1_999 })),
    undefined,
    'before its delay',
  );
  assert.equal(
    firstLiveFailure(ts.slice(1), 2_000, (due) => judge(due, { aggregate: agg, windowMs: 2_000 }))?.expr,
    'count(ok)<=3',
  );
});

test('publisher: each complete interval once with its open histogram, again as it closes, monitor samples once each, a tick every time', () => {
  const told: string[] = [];
  const events: Required<RunEvents> = {
    started: () => {},
    ended: () => {},
    interval: (f: StoredInterval, h: Float64Histogram | null) =>
      told.push(`interval ${f.interval} ${f.requests}${h ? ' h' : ''}`),
    monitorSample: (name, s, i) => told.push(`sample ${name}#${i}=${s.value}`),
    thresholds: (r) => told.push(`thresholds ${r.length}`),
    progress: () => told.push('tick'),
  };
  const a = participant('a');
  let publisher: RunPublisher;
  const agg = new RunAggregate(['r'], (p, h) => publisher.closed(p, h));
  const view: RunView = {
    runId: 'x',
    startAt: 1,
    intervalMs: 1000,
    aggregate: agg,
    participants: new Map([['a', a]]),
    get completeInterval() {
      return completeInterval([a], agg);
    },
  };
  publisher = new RunPublisher(events, view);
  publisher.tick({}, undefined);
  agg.add('a', report('x', 1, 0, 2));
  agg.add('a', report('x', 2, 1, 3));
  publisher.tick({ m: [{ t: 0, value: 5 }] }, []);
  publisher.tick(
    {
      m: [
        { t: 0, value: 5 },
        { t: 1000, value: 6 },
      ],
    },
    undefined,
  );
  agg.closeAll();
  publisher.final(agg.series());
  assert.deepEqual(told, [
    'tick',
    'interval 0 2 h',
    'interval 1 3 h',
    'sample m#0=5',
    'thresholds 0',
    'tick',
    'sample m#1=6',
    'tick',
    'interval 0 2 h',
    'interval 1 3 h',
    'interval 0 2',
    'interval 1 3',
  ]);
});
