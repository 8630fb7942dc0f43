// Each interval's breakdown is exact: reports from several agents, shipped the
// real way (Recorder -> Report -> protobuf -> validate -> merge), give per
// interval the status counts and network errors that add up to its requests,
// the requests per agent that add up to them too, and the drops. A store
// written by the previous version opens, reads, and takes the new figures.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { Recorder } from '@barrage/agent';
import { type barrage, decodeEnvelope, encodeEnvelope, newTotalHistogram } from '@barrage/proto';
import fc from 'fast-check';
import { agentLabels, intervalFigures } from '../src/merge/interval-figures.ts';
import { RunAggregate } from '../src/merge/run-aggregate.ts';
import { validateReport } from '../src/run/report-validation.ts';
import { RunStore } from '../src/store/run-store.ts';

const NAMES = ['health', 'login'];
type ErrorKind = Parameters<Recorder['recordError']>[1];
const event = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('response' as const),
      name: fc.integer({ min: 0, max: 1 }),
      status: fc.constantFrom(200, 201, 429, 500, 503),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('error' as const),
      name: fc.integer({ min: 0, max: 1 }),
      error: fc.constantFrom<ErrorKind>('timeout', 'refused', 'reset', 'other'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dropped' as const), name: fc.integer({ min: 0, max: 1 }) }) },
);
// Per agent: its intervals, each a list of events.
const agentData = fc.array(fc.array(event, { maxLength: 60 }), { minLength: 1, maxLength: 5 });
const sum = (o: Record<string, number>) => Object.values(o).reduce((n, x) => n + x, 0);

test("per interval: status + errors = requests = the agents' requests; drops counted apart", () => {
  fc.assert(
    fc.property(fc.array(agentData, { minLength: 1, maxLength: 4 }), (agents) => {
      const aggregate = new RunAggregate(NAMES);
      const truth = new Map<
        number,
        { requests: number; dropped: number; status: Map<number, number>; perAgent: Map<string, number> }
      >();
      agents.forEach((intervals, a) => {
        const recorder = new Recorder(NAMES);
        intervals.forEach((events, k) => {
          let t = truth.get(k);
          if (t === undefined) truth.set(k, (t = { requests: 0, dropped: 0, status: new Map(), perAgent: new Map() }));
          let mine = 0;
          for (const e of events) {
            if (e.kind === 'response') {
              recorder.record(e.name, {
                latencyUs: 1000 + mine,
                status: e.status,
                ok: e.status < 400,
                retryAfter: false,
                bytesReceived: 1,
                bytesSent: 0,
                at: 1,
              });
              t.status.set(e.status, (t.status.get(e.status) ?? 0) + 1);
              mine++;
            } else if (e.kind === 'error') {
              recorder.recordError(e.name, e.error, 0);
              mine++;
            } else {
              recorder.recordDropped(e.name);
              t.dropped++;
            }
          }
          t.requests += mine;
          t.perAgent.set(`agent-${a}`, mine);
          const report = decodeEnvelope(
            encodeEnvelope({
              report: {
                runId: 'r',
                seq: k + 1,
                interval: k,
                stats: recorder.snapshot(),
                startedAt: 1,
                final: k === intervals.length - 1,
              },
            }),
          ).report as barrage.v1.Report;
          validateReport(report, 'r', new Map(NAMES.map((n) => [n, new Set<string>()])));
          aggregate.add(`agent-${a}`, report);
        });
      });
      const names = agentLabels([...Array(agents.length).keys()].map((a) => ({ id: `agent-${a}`, name: `a${a}` })));
      for (const p of aggregate.series()) {
        const t = truth.get(p.interval)!;
        const f = intervalFigures(p, p.latency, names);
        assert.equal(f.requests, t.requests);
        assert.equal(f.ok + f.rateLimited + f.failed, f.requests);
        assert.equal(sum(f.status) + sum(f.errors), f.requests, 'status + errors = requests');
        assert.equal(sum(f.agents), f.requests, 'agents add up to requests');
        assert.deepEqual(
          f.status,
          Object.fromEntries([...t.status].sort((x, y) => x[0] - y[0]).map(([c, n]) => [String(c), n])),
        );
        assert.deepEqual(
          new Map(Object.entries(f.agents)),
          new Map([...t.perAgent].map(([id, n]) => [names.get(id)!, n])),
        );
        assert.equal(f.dropped, t.dropped);
        assert.equal(f.rateLimited, t.status.get(429) ?? 0);
      }
    }),
    { numRuns: 60 },
  );
});

test('agents sharing a name are told apart by the start of their id', () => {
  const names = agentLabels([
    { id: 'aaaaaaaa-1', name: 'host' },
    { id: 'bbbbbbbb-2', name: 'host' },
    { id: 'c', name: 'solo' },
  ]);
  assert.deepEqual([...names.values()], ['host (aaaaaaaa)', 'host (bbbbbbbb)', 'solo']);
});

/** The tables as the previous version created them (no breakdown, no start instant). */
const PREVIOUS_SCHEMA = `
CREATE TABLE runs (
  id TEXT PRIMARY KEY, scenario TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, ended_at TEXT,
  target TEXT, error TEXT, scenario_json TEXT NOT NULL, summary_json TEXT, requests INTEGER,
  owner_host TEXT, owner_pid INTEGER, heartbeat_at INTEGER
);
CREATE TABLE intervals (
  run_id TEXT NOT NULL, interval INTEGER NOT NULL, requests INTEGER, ok INTEGER, rate_limited INTEGER, failed INTEGER,
  p50_ms REAL, p95_ms REAL, p99_ms REAL, max_ms REAL, mean_ms REAL, histogram BLOB,
  PRIMARY KEY (run_id, interval)
);
INSERT INTO runs (id, scenario, status, created_at, ended_at, scenario_json, requests) VALUES ('old', 'legacy', 'passed', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:05.000Z', '{}', 30);
INSERT INTO intervals VALUES ('old', 0, 20, 19, 1, 0, 1.5, 2.5, 3.5, 4.5, 1.75, NULL);
INSERT INTO intervals VALUES ('old', 1, 10, 10, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL);
`;

test('a store written by the previous version opens read-only and read-write, gains the new columns, keeps its rows', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'barrage-migrate-')), 'runs.db');
  const old = new DatabaseSync(file);
  old.exec(PREVIOUS_SCHEMA);
  old.close();
  const legacy = [
    {
      interval: 0,
      requests: 20,
      ok: 19,
      rateLimited: 1,
      failed: 0,
      p50Ms: 1.5,
      p95Ms: 2.5,
      p99Ms: 3.5,
      maxMs: 4.5,
      meanMs: 1.75,
      dropped: 0,
      status: {},
      errors: { timeout: 0, refused: 0, reset: 0, other: 0, tls: 0 },
      agents: {},
    },
    {
      interval: 1,
      requests: 10,
      ok: 10,
      rateLimited: 0,
      failed: 0,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
      maxMs: null,
      meanMs: null,
      dropped: 0,
      status: {},
      errors: { timeout: 0, refused: 0, reset: 0, other: 0, tls: 0 },
      agents: {},
    },
  ];

  // Read-only (`controller runs`/`report`) reads it as it is, changing nothing.
  const reader = new RunStore(file, { readOnly: true });
  assert.deepEqual(reader.getIntervals('old'), legacy);
  assert.deepEqual(reader.getTiming('old'), { plannedStartAt: null, intervalMs: 1000 });
  reader.close();

  const store = new RunStore(file);
  const cols = (table: string) => {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      return (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
    } finally {
      db.close();
    }
  };
  assert.ok(
    ['dropped', 'status_json', 'errors_json', 'agents_json'].every((c) => cols('intervals').includes(c)),
    cols('intervals').join(),
  );
  assert.ok(
    ['start_at', 'interval_ms'].every((c) => cols('runs').includes(c)),
    cols('runs').join(),
  );
  assert.deepEqual(store.getIntervals('old'), legacy, 'old rows read with an empty breakdown');
  assert.equal(store.getRun('old')!.status, 'passed');

  // A new run in the migrated store keeps everything.
  store.createRun({ id: 'new', scenario: 's', scenarioSource: {}, target: undefined });
  store.startRun('new', Date.parse('2025-02-01T00:00:00.000Z'), 1000);
  const h = newTotalHistogram();
  for (let i = 1; i <= 10; i++) h.recordValue(i * 1000);
  store.saveInterval(
    'new',
    {
      interval: 0,
      requests: 12,
      ok: 9,
      rateLimited: 1,
      failed: 2,
      latency: h,
      p50Us: 0,
      p95Us: 0,
      p99Us: 0,
      maxUs: 0,
      meanUs: 0,
      dropped: 3,
      status: new Map([
        [429, 1],
        [200, 9],
      ]),
      errors: { timeout: 1, refused: 1, reset: 0, other: 0, tls: 0 },
      agents: new Map([
        ['id-1', 7],
        ['id-2', 5],
      ]),
    },
    h,
    new Map([
      ['id-1', 'a1'],
      ['id-2', 'a2'],
    ]),
  );
  const [iv] = store.getIntervals('new');
  assert.deepEqual(
    { ...iv, p50Ms: undefined, p95Ms: undefined, p99Ms: undefined, meanMs: undefined },
    {
      interval: 0,
      requests: 12,
      ok: 9,
      rateLimited: 1,
      failed: 2,
      p50Ms: undefined,
      p95Ms: undefined,
      p99Ms: undefined,
      maxMs: 10,
      meanMs: undefined,
      dropped: 3,
      status: { 200: 9, 429: 1 },
      errors: { timeout: 1, refused: 1, reset: 0, other: 0, tls: 0 },
      agents: { a1: 7, a2: 5 },
    },
  );
  assert.equal(iv!.p50Ms, 5.003);
  assert.deepEqual(store.getTiming('new'), {
    plannedStartAt: Date.parse('2025-02-01T00:00:00.000Z'),
    intervalMs: 1000,
  });
  store.close();
  // Opening it again is a no-op.
  new RunStore(file).close();
});

test('agent names that are also Object.prototype keys stay plain names with their counts', async () => {
  const { intervalFigures } = await import('../src/merge/interval-figures.ts');
  const point = {
    interval: 0,
    requests: 5,
    ok: 5,
    rateLimited: 0,
    failed: 0,
    latency: null,
    p50Us: 0,
    p95Us: 0,
    p99Us: 0,
    maxUs: 0,
    meanUs: 0,
    dropped: 0,
    status: new Map([[200, 5]]),
    errors: { timeout: 0, refused: 0, reset: 0, other: 0, tls: 0 },
    agents: new Map([
      ['a', 2],
      ['b', 3],
    ]),
  };
  const f = intervalFigures(
    point,
    null,
    new Map([
      ['a', '__proto__'],
      ['b', 'constructor'],
    ]),
  );
  assert.equal(Object.getPrototypeOf(f.agents), Object.prototype);
  assert.deepEqual(Object.entries(f.agents), [
    ['__proto__', 2],
    ['constructor', 3],
  ]);
  assert.equal(JSON.parse(JSON.stringify(f)).agents.constructor, 3);
});
