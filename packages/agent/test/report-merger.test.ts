// The reports of an agent's worker threads merge into one report per interval:
// in order, exactly (the merged histogram is the histogram of every sample,
// counts are sums), final once the last worker is done, and never held up by
// a worker that died or started late.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addWireHistogram, type barrage, newIntervalHistogram } from '@barrage/proto';
import { Recorder } from '../src/measure/recorder.ts';
import { type MergedInterval, ReportMerger } from '../src/workers/report-merger.ts';

/** A seeded generator: the test is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function report(
  interval: number,
  stats: barrage.v1.RequestStats.$Properties[],
  extra: Partial<barrage.v1.Report.$Properties> = {},
): barrage.v1.Report.$Properties {
  return { runId: 'r', seq: 0, interval, stats, startedAt: 1, final: false, inFlight: 0, activeVus: 0, ...extra };
}

test("merged intervals hold exactly every worker's samples and counts", () => {
  const rand = rng(7);
  const names = ['a', 'b', 'c'];
  const workers = 3;
  const recorders = Array.from({ length: workers }, () => new Recorder(names, new Set(['b'])));
  const truth = names.map(() => newIntervalHistogram());
  const truthSvc = newIntervalHistogram();
  const statusTruth = new Map<string, number>();
  let checks = 0;
  const out: MergedInterval[] = [];
  const merger = new ReportMerger(workers, (m) => out.push(m));
  for (let interval = 0; interval < 4; interval++) {
    for (let w = 0; w < workers; w++) {
      for (let i = 0; i < 2000; i++) {
        const n = Math.floor(rand() * names.length);
        // Lognormal-ish latencies from 50 us to minutes.
        const us = Math.round(Math.exp(4 + rand() * 14));
        const status = rand() < 0.05 ? 429 : rand() < 0.1 ? 500 : 200;
        recorders[w]!.record(n, {
          latencyUs: us,
          serviceTimeUs: us / 2,
          status,
          ok: status === 200,
          retryAfter: status === 429,
          bytesReceived: 10,
          bytesSent: 3,
          at: 1000 + interval * 1000 + i,
        });
        if (n === 0) {
          recorders[w]!.recordCheck(n, 'body ok', status === 200);
          checks++;
        }
        truth[n]!.recordValue(us);
        if (n === 1) truthSvc.recordValue(Math.round(us / 2));
        statusTruth.set(`${names[n]}:${status}`, (statusTruth.get(`${names[n]}:${status}`) ?? 0) + 1);
      }
      recorders[w]!.recordError(2, 'timeout', 3);
      recorders[w]!.recordDropped(2);
      merger.add(
        w,
        report(interval, recorders[w]!.snapshot(), {
          inFlight: w + 1,
          eventLoopP99Ms: w,
          cpuCores: 1.5,
          final: interval === 3,
        }),
      );
    }
  }
  assert.deepEqual(
    out.map((m) => m.interval),
    [0, 1, 2, 3],
  );
  assert.deepEqual(
    out.map((m) => m.final),
    [false, false, false, true],
  );
  assert.ok(merger.finished);
  assert.equal(out[0]!.status.inFlight, 6, "in flight: the workers' sum");
  assert.equal(out[0]!.status.eventLoopP99Ms, 2, 'event-loop delay: the worst worker');
  assert.equal(out[0]!.status.cpuCores, 1.5, "CPU: the process's, not a sum");
  names.forEach((name, n) => {
    const merged = newIntervalHistogram();
    const svc = newIntervalHistogram();
    let status = new Map<number, number>();
    let timeouts = 0;
    let dropped = 0;
    let passes = 0;
    let fails = 0;
    for (const m of out) {
      const s = m.stats.find((x) => x.name === name)!;
      addWireHistogram(merged, s.latency);
      if (s.serviceTime) addWireHistogram(svc, s.serviceTime);
      for (const c of s.status!) status.set(c.status!, (status.get(c.status!) ?? 0) + c.count!);
      timeouts += s.errors!.timeout!;
      dropped += s.dropped!;
      for (const c of s.checks ?? []) {
        passes += c.passes!;
        fails += c.fails!;
      }
    }
    assert.equal(merged.totalCount, truth[n]!.totalCount);
    for (const p of [0, 50, 90, 95, 99, 99.9, 100])
      assert.equal(merged.getValueAtPercentile(p), truth[n]!.getValueAtPercentile(p), `${name} p${p}`);
    assert.equal(merged.minNonZeroValue, truth[n]!.minNonZeroValue);
    assert.equal(merged.maxValue, truth[n]!.maxValue);
    for (const [k, v] of status) assert.equal(v, statusTruth.get(`${name}:${k}`), `${name} ${k}`);
    if (n === 1)
      for (const p of [50, 99, 100])
        assert.equal(svc.getValueAtPercentile(p), truthSvc.getValueAtPercentile(p), `svc p${p}`);
    else assert.equal(svc.totalCount, 0, 'service time only where the workers kept it');
    if (n === 2) {
      assert.equal(timeouts, 12);
      assert.equal(dropped, 12);
    }
    if (n === 0) assert.equal(passes + fails, checks);
    status = new Map();
  });
});

test('an interval waits for every worker; a worker that ended earlier or died does not hold it up', () => {
  const out: MergedInterval[] = [];
  const merger = new ReportMerger(3, (m) => out.push(m));
  merger.add(0, report(0, []));
  merger.add(1, report(0, []));
  assert.equal(out.length, 0, 'worker 2 has not reported interval 0');
  merger.add(2, report(1, [])); // started late: its first report is interval 1
  assert.deepEqual(
    out.map((m) => m.interval),
    [0],
  );
  merger.add(0, report(1, [], { final: true }));
  merger.add(1, report(1, []));
  assert.deepEqual(
    out.map((m) => m.interval),
    [0, 1],
  );
  merger.add(1, report(2, []));
  assert.deepEqual(
    out.map((m) => m.interval),
    [0, 1],
    'worker 0 ended at 1; worker 2 still owes 2',
  );
  merger.gone(2);
  assert.deepEqual(
    out.map((m) => [m.interval, m.final]),
    [
      [0, false],
      [1, false],
      [2, false],
    ],
  );
  merger.add(1, report(3, [], { final: true }));
  assert.deepEqual(
    out.map((m) => [m.interval, m.final]),
    [
      [0, false],
      [1, false],
      [2, false],
      [3, true],
    ],
  );
  merger.add(1, report(4, []));
  assert.equal(out.length, 4, 'nothing after the final report');
});

test('every worker gone: an empty final report still ends the run', () => {
  const out: MergedInterval[] = [];
  const merger = new ReportMerger(2, (m) => out.push(m));
  merger.add(0, report(0, []));
  merger.gone(0);
  assert.equal(out.length, 0);
  merger.gone(1);
  assert.deepEqual(
    out.map((m) => [m.interval, m.final]),
    [[0, true]],
    'what they reported goes out as the final report',
  );
  const none: MergedInterval[] = [];
  const silent = new ReportMerger(2, (m) => none.push(m));
  silent.gone(0);
  silent.gone(1);
  assert.deepEqual(
    none.map((m) => [m.interval, m.final, m.stats.length]),
    [[0, true, 0]],
    'nothing reported: an empty final report',
  );
});

test("workers' redirects add up, and the agent sends one first redirect per name, once", () => {
  const recorders = [new Recorder(['a']), new Recorder(['a'])];
  const out: MergedInterval[] = [];
  const merger = new ReportMerger(2, (m) => out.push(m));
  recorders.forEach((r, w) => {
    r.noteFirstRedirect(0, 'GET', `http://h/w${w}`, 307, `/w${w}/`);
    r.record(0, { latencyUs: 100, status: 200, ok: true, retryAfter: false, bytesReceived: 0, bytesSent: 0, at: 1 });
    r.recordRedirects(0, w + 1);
  });
  recorders.forEach((r, w) => merger.add(w, report(0, r.snapshot())));
  // The next interval: more redirects, but the first one was sent already.
  recorders.forEach((r, w) => {
    r.noteFirstRedirect(0, 'GET', 'http://h/later', 302, '/later');
    r.record(0, { latencyUs: 100, status: 200, ok: true, retryAfter: false, bytesReceived: 0, bytesSent: 0, at: 2 });
    r.recordRedirects(0, 1);
    merger.add(w, report(1, r.snapshot(), { final: true }));
  });
  assert.deepEqual(
    out.map((m) => m.stats[0]!.redirects),
    [3, 2],
  );
  assert.deepEqual(out[0]!.stats[0]!.firstRedirect, {
    method: 'GET',
    url: 'http://h/w0',
    status: 307,
    location: '/w0/',
  });
  assert.equal(out[1]!.stats[0]!.firstRedirect, null);
});
