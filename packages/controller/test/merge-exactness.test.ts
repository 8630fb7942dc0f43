// Merge exactness: samples recorded by several simulated agents, shipped the
// real way (Recorder -> Report -> protobuf bytes -> guarded decode -> validate
// -> merge), give exactly the percentiles of one histogram holding them all.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Recorder } from '@barrage/agent';
import { type barrage, clampLatencyUs, decodeEnvelope, encodeEnvelope, newTotalHistogram } from '@barrage/proto';
import fc from 'fast-check';
import { RunAggregate } from '../src/merge/run-aggregate.ts';
import { validateReport } from '../src/run/report-validation.ts';

const NAMES = ['health', 'sessions'];
const PERCENTILES = [50, 90, 99, 99.9, 100];

// A latency sample: mostly small, with a long tail up to a minute, in microseconds.
const sample = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 50_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 60_000_000 }) },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 5_000, noNaN: true }) },
);
// Per agent: a list of intervals, each a list of (name, latency, status).
const agentData = fc.array(
  fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), sample, fc.constantFrom(200, 200, 200, 429, 500)), {
    maxLength: 200,
  }),
  { minLength: 1, maxLength: 4 },
);

test('merged percentiles equal one histogram of every sample', () => {
  fc.assert(
    fc.property(fc.array(agentData, { minLength: 1, maxLength: 6 }), (agents) => {
      const truth = newTotalHistogram();
      const truthByName = NAMES.map(() => newTotalHistogram());
      const aggregate = new RunAggregate(NAMES);
      agents.forEach((intervals, a) => {
        const recorder = new Recorder(NAMES);
        intervals.forEach((samples, k) => {
          for (const [name, us, status] of samples) {
            recorder.record(name, {
              latencyUs: us,
              status,
              ok: status === 200,
              retryAfter: status === 429,
              bytesReceived: 10,
              bytesSent: 0,
              at: 1,
            });
            truth.recordValue(clampLatencyUs(us));
            truthByName[name]!.recordValue(clampLatencyUs(us));
          }
          const bytes = encodeEnvelope({
            report: {
              runId: 'r',
              seq: k + 1,
              interval: k,
              stats: recorder.snapshot(),
              startedAt: 1,
              final: k === intervals.length - 1,
            },
          });
          const report = decodeEnvelope(bytes).report as barrage.v1.Report;
          validateReport(report, 'r', new Map(NAMES.map((n) => [n, new Set<string>()])));
          assert.equal(aggregate.add(`agent-${a}`, report), true);
        });
      });
      const merged = aggregate.total.latency;
      assert.equal(merged.totalCount, truth.totalCount);
      assert.equal(merged.maxValue, truth.maxValue);
      assert.equal(merged.minNonZeroValue, truth.minNonZeroValue);
      for (const p of PERCENTILES) assert.equal(merged.getValueAtPercentile(p), truth.getValueAtPercentile(p), `p${p}`);
      assert.equal(merged.mean, truth.mean);
      NAMES.forEach((n, i) => {
        const h = aggregate.byName.get(n)!.latency;
        assert.equal(h.totalCount, truthByName[i]!.totalCount);
        for (const p of PERCENTILES)
          assert.equal(h.getValueAtPercentile(p), truthByName[i]!.getValueAtPercentile(p), `${n} p${p}`);
      });
    }),
    { numRuns: 60 },
  );
});

test('each (agent, seq) is merged once: a resent report changes nothing', () => {
  const recorder = new Recorder(['a']);
  recorder.record(0, {
    latencyUs: 1200,
    status: 200,
    ok: true,
    retryAfter: false,
    bytesReceived: 5,
    bytesSent: 0,
    at: 1,
  });
  const report = decodeEnvelope(
    encodeEnvelope({ report: { runId: 'r', seq: 1, interval: 0, stats: recorder.snapshot() } }),
  ).report as barrage.v1.Report;
  const agg = new RunAggregate(['a']);
  assert.equal(agg.add('x', report), true);
  assert.equal(agg.add('x', report), false);
  assert.equal(agg.add('y', report), true, 'the same seq from another agent is another report');
  assert.equal(agg.total.requests, 2);
  assert.equal(agg.duplicates, 1);
  assert.equal(agg.agents.get('x')!.requests, 1);
});

test('inconsistent reports are rejected whole', () => {
  const recorder = new Recorder(['a']);
  const good = () => {
    recorder.record(0, {
      latencyUs: 1200,
      status: 429,
      ok: false,
      retryAfter: true,
      bytesReceived: 5,
      bytesSent: 0,
      at: 1,
    });
    return decodeEnvelope(encodeEnvelope({ report: { runId: 'r', seq: 1, interval: 0, stats: recorder.snapshot() } }))
      .report as barrage.v1.Report;
  };
  const base = good();
  const redirect = () =>
    ({
      method: 'GET',
      url: 'http://h/api/sessions',
      status: 307,
      location: '/api/sessions/',
    }) as barrage.v1.RedirectSeen;
  const redirected = good();
  redirected.stats[0]!.redirects = 1;
  redirected.stats[0]!.firstRedirect = redirect();
  assert.doesNotThrow(() => validateReport(redirected, 'r', new Map([['a', new Set<string>()]]), 10));
  const cases: Array<[string, (r: barrage.v1.Report) => void]> = [
    [
      'unknown name',
      (r) => {
        r.stats[0]!.name = 'zzz';
      },
    ],
    [
      'other run',
      (r) => {
        r.runId = 'q';
      },
    ],
    [
      'seq 0',
      (r) => {
        r.seq = 0;
      },
    ],
    [
      'status sum',
      (r) => {
        r.stats[0]!.status![0]!.count = 7;
      },
    ],
    [
      'ok inflated',
      (r) => {
        r.stats[0]!.ok = 5;
      },
    ],
    [
      'retry-after > 429',
      (r) => {
        r.stats[0]!.retryAfterPresent = 2;
      },
    ],
    [
      'bad status',
      (r) => {
        r.stats[0]!.status![0]!.status = 42;
      },
    ],
    [
      'status 1000',
      (r) => {
        r.stats[0]!.status![0]!.status = 1000;
        r.stats[0]!.rateLimited = 0;
        r.stats[0]!.failed = 1;
        r.stats[0]!.retryAfterPresent = 0;
      },
    ],
    [
      'far-future interval',
      (r) => {
        r.interval = 11;
      },
    ],
    [
      'bad histogram',
      (r) => {
        r.stats[0]!.latency!.counts = [-99999, 1];
      },
    ],
    [
      'more than 10 redirects per request',
      (r) => {
        r.stats[0]!.redirects = 1_000_000;
      },
    ],
    [
      'a first redirect without redirects',
      (r) => {
        r.stats[0]!.firstRedirect = redirect();
      },
    ],
    [
      'a first redirect that is no 3xx',
      (r) => {
        r.stats[0]!.redirects = 1;
        r.stats[0]!.firstRedirect = { ...redirect(), status: 200 };
      },
    ],
    [
      'a first redirect with an absurd URL',
      (r) => {
        r.stats[0]!.redirects = 1;
        r.stats[0]!.firstRedirect = { ...redirect(), location: `/${'x'.repeat(5000)}` };
      },
    ],
  ];
  assert.doesNotThrow(() => validateReport(base, 'r', new Map([['a', new Set<string>()]])));
  for (const [why, mutate] of cases) {
    const r = good();
    mutate(r);
    assert.throws(
      () => validateReport(r, 'r', new Map([['a', new Set<string>()]]), 10),
      /PROTO_HISTOGRAM_INVALID|report rejected|histogram rejected/,
      why,
    );
  }
  // Any three-digit status a server sends is counted as it came (LinkedIn's 999 exists).
  const odd = good();
  odd.stats[0]!.status![0]!.status = 999;
  odd.stats[0]!.rateLimited = 0;
  odd.stats[0]!.failed = 1;
  odd.stats[0]!.retryAfterPresent = 0;
  assert.doesNotThrow(() => validateReport(odd, 'r', new Map([['a', new Set<string>()]]), 10));
});
