// A run's rows on the wire: dataChunks cuts each source into DataChunk frames
// of whole rows, every encoded Envelope well under the frame limit (ws
// maxPayload), firstRow contiguous per source, a row longer than the limit
// alone in its chunk; the frames, decoded as the agent decodes them, rebuild
// every table exactly through the agent's own DataInbox.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type barrage, decodeEnvelope, encodeEnvelope, MAX_FRAME_BYTES } from '@barrage/proto';
import { DataInbox } from '../../agent/src/run/data-inbox.ts';
import { CHUNK_BYTES, dataChunks, dataSources } from '../src/plan/data-chunks.ts';
import { DATA_LIMITS } from '../src/scenario/data-sources.ts';
import type { DataSourceDef } from '../src/scenario/scenario.ts';

/** Envelope, run id and source name around the cells: a few hundred bytes at most. */
const OVERHEAD = 512;

const def = (name: string, columns: string[], rows: string[][], secret: string[] = []): DataSourceDef => ({
  name,
  mode: 'unique',
  columns,
  rows,
  secret,
  stopWhenExhausted: false,
  seed: '',
  origin: 'inline rows',
});

/** 20,000 rows of four columns, cells of 40 to 400 characters, some of them not ASCII. */
function bigTable(): DataSourceDef {
  const rows = Array.from({ length: 20_000 }, (_v, i) => [
    `user${i}`,
    `${'p'.repeat(40 + (i % 97))}${i}`,
    `${'é日'.repeat(20 + ((i * 7) % 180))}`,
    `{"id":${i},"note":"${'n'.repeat(i % 300)}"}`,
  ]);
  return def('users', ['username', 'password', 'bio', 'json'], rows, ['password']);
}

const encoded = (c: barrage.v1.DataChunk.$Properties) => encodeEnvelope({ dataChunk: c });

/** Every chunk encoded, decoded as the agent's link decodes a frame, and offered to an inbox; the tables it holds. */
function throughAgent(runId: string, chunks: barrage.v1.DataChunk.$Properties[]) {
  const inbox = new DataInbox();
  for (const c of chunks) {
    const env = decodeEnvelope(encoded(c));
    assert.equal(env.body, 'dataChunk');
    const err = inbox.offer(env.dataChunk!);
    assert.equal(err, undefined, err?.message);
  }
  return inbox.take(runId);
}

test('a 20,000-row table goes in chunks each well under the frame limit, firstRow contiguous', () => {
  const table = bigTable();
  const chunks = dataChunks('run-1', [table]);
  assert.ok(chunks.length > 5, `${chunks.length} chunks`);
  let next = 0;
  for (const c of chunks) {
    const bytes = encoded(c).byteLength;
    assert.ok(bytes < MAX_FRAME_BYTES, `${bytes} bytes`);
    assert.ok(bytes <= CHUNK_BYTES + OVERHEAD, `${bytes} bytes`);
    assert.equal(c.runId, 'run-1');
    assert.equal(c.source, 'users');
    assert.equal(c.columns, 4);
    assert.equal(c.firstRow, next);
    assert.equal(c.cells!.length % 4, 0);
    next += c.cells!.length / 4;
  }
  assert.equal(next, table.rows.length);
  // Chunks are filled: all but the last hold more than half the limit.
  for (const c of chunks.slice(0, -1)) assert.ok(encoded(c).byteLength > CHUNK_BYTES / 2);
});

test('the chunks rebuild the table exactly through the agent’s DataInbox', () => {
  const table = bigTable();
  const got = throughAgent('run-2', dataChunks('run-2', [table]));
  assert.deepEqual([...got.keys()], ['users']);
  assert.equal(got.get('users')!.columns, 4);
  assert.deepEqual(got.get('users')!.rows, table.rows);
});

test('several sources: each its own chunks in order, firstRow from 0, announced as the Assign says', () => {
  const a = def('a', ['x'], [['1'], ['2'], ['3']]);
  const b = def(
    'b',
    ['k', 'v'],
    Array.from({ length: 50 }, (_v, i) => [`k${i}`, 'v'.repeat(100)]),
    ['v'],
  );
  const chunks = dataChunks('run-3', [a, b], 1000);
  assert.deepEqual(
    chunks.map((c) => [c.source, c.firstRow]),
    [['a', 0], ...Array.from({ length: chunks.length - 1 }, (_v, i) => ['b', chunks[i + 1]!.firstRow])],
  );
  assert.equal(chunks.filter((c) => c.source === 'a').length, 1);
  const got = throughAgent('run-3', chunks);
  assert.deepEqual(got.get('a')!.rows, a.rows);
  assert.deepEqual(got.get('b')!.rows, b.rows);
  assert.deepEqual(dataSources([a, b]), [
    { name: 'a', columns: ['x'], rows: 3, mode: 'unique', seed: '', stopWhenExhausted: false, secretColumns: [] },
    {
      name: 'b',
      columns: ['k', 'v'],
      rows: 50,
      mode: 'unique',
      seed: '',
      stopWhenExhausted: false,
      secretColumns: ['v'],
    },
  ]);
});

test('a row longer than the limit goes alone in its chunk', () => {
  const small = (i: number) => [`s${i}`, 'x'.repeat(50)];
  const huge = ['h', 'y'.repeat(5000)];
  const rows = [
    ...Array.from({ length: 30 }, (_v, i) => small(i)),
    huge,
    ...Array.from({ length: 30 }, (_v, i) => small(i + 30)),
  ];
  const chunks = dataChunks('run-4', [def('t', ['id', 'blob'], rows)], 1000);
  const alone = chunks.find((c) => c.cells!.includes(huge[1]!))!;
  assert.deepEqual(alone.cells, huge);
  assert.equal(alone.firstRow, 30);
  const after = chunks[chunks.indexOf(alone) + 1]!;
  assert.equal(after.firstRow, 31);
  assert.deepEqual(throughAgent('run-4', chunks).get('t')!.rows, rows);
  // A huge first row is alone too.
  const first = dataChunks('run-5', [def('t', ['id', 'blob'], [huge, small(1)])], 1000);
  assert.deepEqual(
    first.map((c) => c.cells),
    [huge, small(1)],
  );
});

test('the largest row the caps allow (100 cells of 8192 three-byte characters) is alone and still fits a frame', () => {
  const cell = '日'.repeat(DATA_LIMITS.cellBytes);
  const columns = Array.from({ length: DATA_LIMITS.columns }, (_v, i) => `c${i}`);
  const widest = columns.map(() => cell);
  const narrow = columns.map((c) => c);
  const chunks = dataChunks('run-6', [def('w', columns, [narrow, widest, narrow])]);
  assert.deepEqual(
    chunks.map((c) => c.firstRow),
    [0, 1, 2],
  );
  const bytes = encoded(chunks[1]!).byteLength;
  assert.ok(bytes > CHUNK_BYTES, `${bytes}`);
  assert.ok(bytes < MAX_FRAME_BYTES, `${bytes} bytes: over the frame limit`);
  assert.deepEqual(throughAgent('run-6', chunks).get('w')!.rows, [narrow, widest, narrow]);
});

test('no rows, no chunks', () => {
  assert.deepEqual(dataChunks('run-7', []), []);
});

// The agent's caps must let through whatever the controller's let through: here
// 1,000,000 rows of ten "123" values (a 40 MB CSV), 10 million values, the cells cap.
test('a table within the controller’s caps is accepted by the agent’s inbox', () => {
  const row = Array.from({ length: 10 }, () => '123');
  const rows = Array.from({ length: DATA_LIMITS.rows }, () => row);
  const csvBytes = rows.length * (row.join(',').length + 1);
  assert.ok(csvBytes < DATA_LIMITS.bytes && csvBytes < DATA_LIMITS.totalBytes);
  const inbox = new DataInbox();
  for (const c of dataChunks('run-8', [
    def(
      'n',
      row.map((_v, i) => `c${i}`),
      rows,
    ),
  ])) {
    const err = inbox.offer(c);
    assert.equal(err, undefined, `row ${c.firstRow}: ${err?.message}`);
  }
});
