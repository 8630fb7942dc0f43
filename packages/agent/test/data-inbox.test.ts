// The agent's side of data sources: the DataInbox takes a run's chunks only in
// order, of one width per source, within its caps, and forgets an older run's
// rows; its refusals never echo a cell. prepareTables checks each announced
// source against the rows that came; pickRows gives each iteration its rows
// and counts each row taken once.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { barrage } from '@barrage/proto';
import { attachRows, countRows, pickRows, type RowPick, type RunTable } from '../src/load/data-rows.ts';
import { DataInbox, MAX_DATA_CELLS, MAX_DATA_CHARS } from '../src/run/data-inbox.ts';
import { prepareTables, referenceNames } from '../src/run/data-tables.ts';

type Chunk = barrage.v1.DataChunk.$Properties;

const SECRET = 'hunter2-secret-cell';

const chunk = (runId: string, source: string, columns: number, firstRow: number, cells: string[]): Chunk => ({
  runId,
  source,
  columns,
  firstRow,
  cells,
});

/** The refusal `inbox` gives `c`: a BAD_ASSIGN that quotes no cell. */
function refused(inbox: DataInbox, c: Chunk, why: RegExp): void {
  const err = inbox.offer(c);
  assert.ok(err !== undefined, 'chunk accepted');
  assert.equal(err.code, 'AGENT_BAD_ASSIGN');
  assert.match(err.message, why);
  for (const cell of c.cells ?? []) if (cell.length > 2) assert.ok(!err.message.includes(cell), err.message);
}

test('chunks in order rebuild the rows; take hands them over once', () => {
  const inbox = new DataInbox();
  assert.equal(inbox.offer(chunk('r1', 'users', 2, 0, ['u0', SECRET, 'u1', 'p1'])), undefined);
  assert.equal(inbox.offer(chunk('r1', 'users', 2, 2, ['u2', 'p2'])), undefined);
  assert.equal(inbox.offer(chunk('r1', 'ids', 1, 0, ['7', '8', '9'])), undefined);
  const got = inbox.take('r1');
  assert.deepEqual(got.get('users'), {
    columns: 2,
    rows: [
      ['u0', SECRET],
      ['u1', 'p1'],
      ['u2', 'p2'],
    ],
  });
  assert.deepEqual(got.get('ids'), { columns: 1, rows: [['7'], ['8'], ['9']] });
  assert.equal(inbox.take('r1').size, 0);
});

test('a chunk out of order is refused, naming the rows but no cell value', () => {
  const inbox = new DataInbox();
  assert.equal(inbox.offer(chunk('r1', 'users', 2, 0, ['u0', SECRET])), undefined);
  refused(inbox, chunk('r1', 'users', 2, 5, ['u5', SECRET]), /data chunk: source users: row 5 after 1/);
  refused(inbox, chunk('r1', 'users', 2, 0, ['u0', SECRET]), /row 0 after 1/);
  // The first chunk of a source must start at row 0.
  refused(inbox, chunk('r1', 'other', 1, 3, [SECRET]), /source other: row 3 after 0/);
});

test('a source whose width changes, or a chunk of broken shape, is refused', () => {
  const inbox = new DataInbox();
  assert.equal(inbox.offer(chunk('r1', 'users', 2, 0, ['u0', SECRET])), undefined);
  refused(inbox, chunk('r1', 'users', 3, 1, ['u1', SECRET, 'x1']), /source users: 3 columns, earlier chunks had 2/);
  refused(inbox, chunk('r1', 'users', 2, 1, ['u1', SECRET, 'u2']), /3 cells do not make rows of 2/);
  refused(inbox, chunk('r1', 'users', 2, 1, []), /0 cells/);
  refused(inbox, chunk('r1', 'users', 0, 1, []), /0 columns/);
  refused(inbox, chunk('r1', 'users', 101, 1, Array(101).fill('x')), /101 columns/);
  refused(inbox, chunk('', 'users', 1, 0, ['x']), /run id missing/);
  refused(inbox, chunk('r1', 'long', 1, 0, [SECRET.repeat(1000)]), /source long: a value longer than 8192/);
  // The refusals left the good rows as they were.
  assert.deepEqual(inbox.take('r1').get('users')?.rows, [['u0', SECRET]]);
});

test('at most 10 sources per run', () => {
  const inbox = new DataInbox();
  for (let i = 0; i < 10; i++) assert.equal(inbox.offer(chunk('r1', `s${i}`, 1, 0, ['v'])), undefined);
  refused(inbox, chunk('r1', 's10', 1, 0, ['v']), /more than 10 sources/);
  assert.equal(inbox.offer(chunk('r1', 's3', 1, 1, ['w'])), undefined);
});

test('a new run id drops the older run’s rows', () => {
  const inbox = new DataInbox();
  assert.equal(inbox.offer(chunk('old', 'users', 1, 0, ['a', 'b'])), undefined);
  assert.equal(inbox.offer(chunk('new', 'users', 1, 0, ['c'])), undefined);
  // The new run's rows start again at 0: the old run's count is gone.
  assert.equal(inbox.offer(chunk('new', 'users', 1, 1, ['d'])), undefined);
  assert.equal(inbox.take('old').size, 0);
  // take of another run forgets the inbox's too.
  const fresh = new DataInbox();
  fresh.offer(chunk('a', 'users', 1, 0, ['x']));
  assert.equal(fresh.take('b').size, 0);
  assert.equal(fresh.take('a').size, 0);
  const again = new DataInbox();
  again.offer(chunk('old', 'users', 1, 0, ['a', 'b']));
  again.offer(chunk('new', 'users', 1, 0, ['c']));
  assert.deepEqual(again.take('new').get('users')?.rows, [['c']]);
});

test(`more than ${MAX_DATA_CHARS} characters is refused, and the run’s rows are dropped`, () => {
  const inbox = new DataInbox();
  const cell = 'z'.repeat(8192);
  const perChunk = 100 * 10; // 10 rows of 100 columns
  let row = 0;
  let err: (Error & { code: string }) | undefined;
  for (let n = 0; n < 30 && err === undefined; n++) {
    err = inbox.offer(chunk('big', 't', 100, row, Array(perChunk).fill(cell)));
    row += 10;
  }
  assert.ok(err !== undefined, 'never refused');
  assert.equal(err.code, 'AGENT_BAD_ASSIGN');
  assert.match(err.message, new RegExp(`more than ${MAX_DATA_CELLS} values or ${MAX_DATA_CHARS} characters`));
  assert.ok(!err.message.includes(cell));
  // Refused at the first chunk that takes the characters over the cap.
  const perRow = 100 * 8192;
  assert.ok(row * perRow > MAX_DATA_CHARS && (row - 10) * perRow <= MAX_DATA_CHARS, `refused after ${row} rows`);
  assert.equal(inbox.take('big').size, 0);
  // The inbox is usable again: a new run starts from nothing.
  assert.equal(inbox.offer(chunk('next', 't', 1, 0, ['ok'])), undefined);
  assert.deepEqual(inbox.take('next').get('t')?.rows, [['ok']]);
});

test(`more than ${MAX_DATA_CELLS} values is refused`, () => {
  const inbox = new DataInbox();
  const cells = Array(100 * 10_000).fill('1');
  let err: (Error & { code: string }) | undefined;
  let row = 0;
  for (let n = 0; n < 11 && err === undefined; n++) {
    err = inbox.offer(chunk('many', 't', 100, row, cells));
    row += 10_000;
  }
  assert.equal(row, 110_000, 'refused at the chunk past 10 million values');
  assert.match(err!.message, /more than 10000000 values/);
});

const source = (o: Partial<barrage.v1.DataSource.$Properties> = {}): barrage.v1.DataSource.$Properties => ({
  name: 'users',
  columns: ['username', 'password'],
  rows: 2,
  mode: 'unique',
  seed: 's',
  stopWhenExhausted: false,
  secretColumns: ['password'],
  ...o,
});

const received = (columns: number, rows: string[][], name = 'users') => new Map([[name, { columns, rows }]]);

const twoRows = [
  ['u0', 'p0'],
  ['u1', 'p1'],
];

test('prepareTables: the announced sources, checked against the rows that came', () => {
  const [t] = prepareTables([source()], received(2, twoRows));
  assert.equal(t!.name, 'users');
  assert.equal(t!.mode, 'unique');
  assert.deepEqual(t!.rows, twoRows);
  assert.deepEqual(
    [...t!.column],
    [
      ['username', 0],
      ['password', 1],
    ],
  );
  assert.deepEqual([...t!.secret], ['password']);
  assert.deepEqual(referenceNames(t!), ['users.username', 'users.password']);
  assert.deepEqual(prepareTables([], new Map()), []);
});

test('prepareTables refuses rows announced but not arrived, an unknown mode, and disagreeing shapes', () => {
  const throwsBad = (fn: () => unknown, why: RegExp) =>
    assert.throws(fn, (e: Error & { code?: string }) => e.code === 'AGENT_BAD_ASSIGN' && why.test(e.message));
  throwsBad(() => prepareTables([source({ rows: 3 })], received(2, twoRows)), /users: 3 rows announced, 2 arrived/);
  throwsBad(() => prepareTables([source({ rows: 1 })], received(2, twoRows)), /1 rows announced, 2 arrived/);
  throwsBad(() => prepareTables([source({ mode: 'sequential' })], received(2, twoRows)), /users: mode "sequential"/);
  throwsBad(() => prepareTables([source({ mode: '' })], received(2, twoRows)), /mode ""/);
  throwsBad(() => prepareTables([source()], new Map()), /users: no rows arrived/);
  throwsBad(() => prepareTables([source()], received(3, [['a', 'b', 'c']])), /2 columns, rows of 3/);
  throwsBad(() => prepareTables([source(), source()], received(2, twoRows)), /1: name "users"/);
  throwsBad(() => prepareTables([source({ name: 'bad name' })], received(2, twoRows, 'bad name')), /name/);
});

test('prepareTables: columns whose names are not identifiers cannot be referenced', () => {
  const columns = ['first name', '1st', 'a-b', 'ok_1', '', '_x'];
  const [t] = prepareTables(
    [source({ columns, rows: 1, secretColumns: [] })],
    received(6, [['a', 'b', 'c', 'd', 'e', 'f']]),
  );
  assert.deepEqual([...t!.column.keys()], ['ok_1', '_x']);
  assert.equal(t!.column.get('_x'), 5);
  assert.deepEqual(referenceNames(t!), ['users.ok_1', 'users._x']);
});

const table = (name: string, mode: RunTable['mode'], rows: number): RunTable => ({
  name,
  columns: ['v'],
  column: new Map([['v', 0]]),
  rows: Array.from({ length: rows }, (_v, i) => [`${name}${i}`]),
  mode,
  seed: 'seed',
  secret: new Set(),
});

test('pickRows: perVU rows follow the VU, unique and circular rows the iteration', () => {
  const tables = [table('me', 'perVU', 3), table('once', 'unique', 5), table('loop', 'circular', 2)];
  const pick = pickRows(tables, 1, 4, false);
  assert.ok('rows' in pick);
  const values = (p: RowPick) => ('rows' in p ? [...p.rows].map(([k, r]) => [k, r.values[0]]) : []);
  assert.deepEqual(values(pick), [
    ['me', 'me1'],
    ['once', 'once4'],
    ['loop', 'loop0'],
  ]);
  assert.equal('rows' in pick && pick.rows.get('me')!.table, tables[0]);
  assert.deepEqual(values(pickRows(tables, 2, 3, true)), [
    ['me', 'me2'],
    ['once', 'once3'],
    ['loop', 'loop1'],
  ]);
});

test('pickRows: an exhausted unique or perVU source is returned, and nothing is counted', () => {
  const me = table('me', 'perVU', 3);
  const once = table('once', 'unique', 5);
  const counted: string[] = [];
  const count = (s: string) => counted.push(s);
  assert.deepEqual(pickRows([me, once], 0, 5, true, count), { exhausted: once });
  assert.deepEqual(pickRows([me, once], 3, 0, true, count), { exhausted: me });
  assert.deepEqual(counted, []);
});

test('pickRows counts each source once per iteration, a perVU source only on the VU’s first', () => {
  const tables = [table('me', 'perVU', 3), table('once', 'unique', 5), table('any', 'random', 4)];
  const counted: string[] = [];
  const count = (s: string) => counted.push(s);
  pickRows(tables, 0, 0, true, count);
  assert.deepEqual(counted, ['me', 'once', 'any']);
  counted.length = 0;
  pickRows(tables, 0, 1, false, count);
  assert.deepEqual(counted, ['once', 'any']);
});

test('pickRows: random rows are drawn from the seed, the same for the same index', () => {
  const a = table('any', 'random', 7);
  const draws = Array.from({ length: 200 }, (_v, i) => {
    const p = pickRows([a], 0, i, false);
    return 'rows' in p ? p.rows.get('any')!.values[0]! : '';
  });
  assert.ok(draws.every((d) => /^any[0-6]$/.test(d)));
  assert.ok(new Set(draws).size > 3);
  const again = pickRows([a], 0, 17, false);
  assert.equal('rows' in again && again.rows.get('any')!.values[0], draws[17]);
});

test('attachRows: an index gets its rows (by its row, else its iteration); an exhausted source is returned; countRows counts what went', () => {
  const once = table('once', 'unique', 2);
  const per = table('per', 'perVU', 3);
  const counted: string[] = [];
  const plan = { tables: [once, per], countRow: (s: string) => counted.push(s) };
  const byRow: { vu: number; iteration: number; row?: number; data?: unknown } = { vu: 0, iteration: 99, row: 1 };
  assert.equal(attachRows(plan, byRow as Parameters<typeof attachRows>[1]), undefined);
  assert.equal((byRow.data as Map<string, { values: string[] }>).get('once')!.values[0], 'once1');
  assert.deepEqual(counted, [], 'attaching counts nothing: the iteration may never go');
  countRows(plan, byRow as Parameters<typeof countRows>[1], false);
  assert.deepEqual(counted, ['once'], 'a perVU row counts only on its user’s first iteration');
  const byIteration: { vu: number; iteration: number; data?: unknown } = { vu: 0, iteration: 0 };
  assert.equal(attachRows(plan, byIteration as Parameters<typeof attachRows>[1]), undefined);
  assert.equal((byIteration.data as Map<string, { values: string[] }>).get('once')!.values[0], 'once0');
  countRows(plan, byIteration as Parameters<typeof countRows>[1], true);
  assert.deepEqual(counted, ['once', 'once', 'per']);
  assert.equal(attachRows(plan, { vu: 0, iteration: 2 }), once);
  // A user past the perVU rows (a slot without a user of its own) finds none.
  assert.equal(attachRows(plan, { vu: 0, iteration: 0, user: Number.MAX_SAFE_INTEGER }), per);
  // No tables: nothing attached.
  const none: { vu: number; iteration: number; data?: unknown } = { vu: 0, iteration: 0 };
  assert.equal(attachRows({ tables: [] }, none as Parameters<typeof attachRows>[1]), undefined);
  assert.equal(attachRows(undefined, none as Parameters<typeof attachRows>[1]), undefined);
  assert.equal(none.data, undefined);
});
