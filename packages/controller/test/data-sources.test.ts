// Data sources read from real files in a temporary folder: CSV (header, quoted
// commas, BOM, blank lines), JSON arrays and inline csv/rows become rows of
// strings; every malformed row is reported with its line or index in one
// SCENARIO_INVALID; a scenario with no folder (the API) may not read files;
// caps on cells and rows; the stored document keeps no rows; secretCells.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DATA_LIMITS, secretCells } from '../src/scenario/data-sources.ts';
import { loadScenario, parseScenario } from '../src/scenario/read.ts';
import type { DataSourceDef, Scenario } from '../src/scenario/scenario.ts';
import { validateScenario } from '../src/scenario/validate.ts';

const dir = mkdtempSync(join(tmpdir(), 'barrage-data-sources-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A scenario whose one request reads `${users.username}`, with `users` as given. */
function doc(users: Record<string, unknown>, more: Record<string, unknown> = {}): string {
  return JSON.stringify({
    name: 'x',
    baseUrl: 'http://h',
    data: { users: { mode: 'circular', ...users } },
    requests: [{ name: 'a', path: '/${users.username}' }],
    scenarios: [{ name: 's', executor: 'constant-vus', vus: 1, duration: '1s' }],
    ...more,
  });
}

/** Writes `text` as `name` in the temporary folder. */
function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

const read = (users: Record<string, unknown>, more?: Record<string, unknown>): Scenario =>
  parseScenario(doc(users, more), 'x', { dir });

/** The SCENARIO_INVALID message `fn` throws. */
function invalid(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.equal((e as { code?: string }).code, 'SCENARIO_INVALID', (e as Error).message);
    return (e as Error).message;
  }
  assert.fail('no SCENARIO_INVALID thrown');
}

test('a CSV file with a header becomes rows of strings: quoted commas, a BOM and blank lines', () => {
  file('users.csv', '\uFEFFusername,password,age\nalice,"se,cret",30\n\n"bob ""b""",pw2,41\n\n\ncarol,pw3,7\n\n');
  const s = read({ file: 'users.csv' });
  assert.equal(s.data.length, 1);
  const d = s.data[0]!;
  assert.equal(d.name, 'users');
  assert.deepEqual(d.columns, ['username', 'password', 'age']);
  assert.deepEqual(d.rows, [
    ['alice', 'se,cret', '30'],
    ['bob "b"', 'pw2', '41'],
    ['carol', 'pw3', '7'],
  ]);
  for (const row of d.rows) for (const v of row) assert.equal(typeof v, 'string');
  assert.equal(d.origin, 'users.csv');
  assert.equal(d.mode, 'circular');
});

test('a CSV file with CRLF line ends (as spreadsheets write them) reads the same', () => {
  file('crlf.csv', 'username,password\r\nalice,p1\r\n\r\nbob,"a\r\nb"\r\n');
  assert.deepEqual(read({ file: 'crlf.csv' }).data[0]!.rows, [
    ['alice', 'p1'],
    ['bob', 'a\r\nb'],
  ]);
});

// csv-parse would take the record delimiter from the first line end it meets: a file that
// mixes LF and CRLF lines (edited on two systems) would keep a stray \r, or run rows together.
test('a CSV file mixing LF and CRLF line ends keeps no stray \\r in any value', () => {
  file('mixed.csv', 'username,password\nalice,p1\r\nbob,p2\n');
  assert.deepEqual(read({ file: 'mixed.csv' }).data[0]!.rows, [
    ['alice', 'p1'],
    ['bob', 'p2'],
  ]);
  file('mixed2.csv', 'username,password\r\nalice,p1\nbob,p2\n');
  assert.deepEqual(read({ file: 'mixed2.csv' }).data[0]!.rows, [
    ['alice', 'p1'],
    ['bob', 'p2'],
  ]);
});

test('rows 3 and 5 with the wrong cell count are both reported, each with its line, in one SCENARIO_INVALID', () => {
  file('file.csv', 'username,password\nu1,p1\nu2\nu3,p3\nu4,p4,extra\nu5,p5\n');
  const message = invalid(() => read({ file: 'file.csv' }));
  assert.match(message, /file\.csv:3: 1 values, but the header names 2 columns/);
  assert.match(message, /file\.csv:5: 3 values, but the header names 2 columns/);
  assert.doesNotMatch(message, /file\.csv:[2467]\b/);
  // No value of a bad row is echoed (a column may be secret).
  assert.doesNotMatch(message, /u2|u4|extra/);
});

test('line numbers count the blank lines skipped before a bad row', () => {
  file('gaps.csv', 'username,password\n\nu1,p1\n\nu2\n');
  const message = invalid(() => read({ file: 'gaps.csv' }));
  assert.match(message, /gaps\.csv:5: 1 values/);
});

test('an unclosed quote is reported with a line, without the text it quotes', () => {
  file('quote.csv', 'username,password\nu1,p1\nu2,"hunter2\nu3,p3\n');
  const message = invalid(() => read({ file: 'quote.csv' }));
  assert.match(message, /quote\.csv:\d+: not valid CSV \(a quote is never closed\)/);
  assert.doesNotMatch(message, /hunter2/);
});

test('a JSON file holding an array of objects is read; numbers and booleans become strings', () => {
  file(
    'users.json',
    JSON.stringify([
      { username: 'a', password: 'x', n: 1, ok: true },
      { username: 'b', password: 'y', n: 2.5, ok: false },
    ]),
  );
  const d = read({ file: 'users.json' }).data[0]!;
  assert.deepEqual(d.columns, ['username', 'password', 'n', 'ok']);
  assert.deepEqual(d.rows, [
    ['a', 'x', '1', 'true'],
    ['b', 'y', '2.5', 'false'],
  ]);
});

test('a JSON file that is not an array, or an item missing a column, is refused with the item index', () => {
  file('object.json', JSON.stringify({ username: 'a' }));
  assert.match(
    invalid(() => read({ file: 'object.json' })),
    /object\.json must hold an array of objects/,
  );
  file(
    'holes.json',
    JSON.stringify([{ username: 'a', password: 'x' }, { username: 'b' }, { username: 'c', password: 'z' }, 7]),
  );
  const message = invalid(() => read({ file: 'holes.json' }));
  assert.match(message, /holes\.json\[1\]: missing password/);
  assert.match(message, /holes\.json\[3\]: not an object of column values/);
  assert.doesNotMatch(message, /holes\.json\[[02]\]/);
  file('broken.json', '[{"username": ');
  assert.match(
    invalid(() => read({ file: 'broken.json' })),
    /broken\.json is not JSON/,
  );
});

test('inline csv: and rows: are read without any file', () => {
  const fromCsv = parseScenario(doc({ csv: 'username,password\nx,"y,z"\n' }));
  assert.deepEqual(fromCsv.data[0]!.rows, [['x', 'y,z']]);
  assert.equal(fromCsv.data[0]!.origin, 'inline CSV');
  const fromRows = parseScenario(doc({ rows: [{ username: 'x', password: 1 }] }));
  assert.deepEqual(fromRows.data[0]!.columns, ['username', 'password']);
  assert.deepEqual(fromRows.data[0]!.rows, [['x', '1']]);
  assert.equal(fromRows.data[0]!.origin, 'inline rows');
  // Inline CSV problems carry their line too.
  assert.match(
    invalid(() => parseScenario(doc({ csv: 'username,password\nx\n' }))),
    /\/data\/users\/csv:2: 1 values/,
  );
});

// rows: [{}] is a source of no columns: no chunk would carry its row, and every agent would refuse the Assign.
test('a source with no columns (rows: [{}]) is refused when the scenario is read', () => {
  assert.match(
    invalid(() => parseScenario(doc({ rows: [{}] }, { requests: [{ name: 'a', path: '/' }] }))),
    /\/data\/users: no columns/,
  );
});

test('file: in a scenario with no folder (as the API parses it) is refused, saying to inline it', () => {
  file('api.csv', 'username\nu1\n');
  const message = invalid(() => parseScenario(doc({ file: 'api.csv' })));
  assert.match(message, /\/data\/users\/file: .*inline it as csv: or rows:/);
});

test('a missing file is named; both file and rows are refused', () => {
  assert.match(
    invalid(() => read({ file: 'nowhere.csv' })),
    /\/data\/users\/file: cannot read nowhere\.csv/,
  );
  file('both.csv', 'username\nu1\n');
  assert.match(
    invalid(() => read({ file: 'both.csv', rows: [{ username: 'u' }] })),
    /\/data\/users: give exactly one of file, csv or rows \(not file and rows\)/,
  );
});

test('secret: naming no column says so without listing the columns (a file without its header row would show a secret)', () => {
  file('cols.csv', 'username,password\nu1,p1\n');
  assert.match(
    invalid(() => read({ file: 'cols.csv', secret: ['nope'] })),
    /\/data\/users\/secret: no column named "nope"; the header row \(the first line, or the first object's keys\) must name every column/,
  );
  file('headless.csv', 'alice,hunter2-secret\nbob,pw2\n');
  const message = invalid(() => read({ file: 'headless.csv', secret: ['password'] }));
  assert.ok(!message.includes('hunter2-secret'), message);
});

test(`a cell over ${DATA_LIMITS.cellBytes} characters is refused, one of exactly that length is not`, () => {
  file(
    'cell.csv',
    `username,password\nu1,${'x'.repeat(DATA_LIMITS.cellBytes)}\nu2,${'y'.repeat(DATA_LIMITS.cellBytes + 1)}\n`,
  );
  const message = invalid(() => read({ file: 'cell.csv' }));
  assert.match(message, new RegExp(`cell\\.csv:3: a value longer than ${DATA_LIMITS.cellBytes} characters`));
  assert.doesNotMatch(message, /cell\.csv:2/);
  assert.match(
    invalid(() => parseScenario(doc({ rows: [{ username: 'u', password: 'z'.repeat(DATA_LIMITS.cellBytes + 1) }] }))),
    new RegExp(`/data/users/rows\\[0\\]: password is longer than ${DATA_LIMITS.cellBytes} characters`),
  );
});

test(`more than ${DATA_LIMITS.rows} rows are refused`, () => {
  const started = performance.now();
  file('many.csv', `username\n${'u\n'.repeat(DATA_LIMITS.rows + 1)}`);
  const message = invalid(() => read({ file: 'many.csv' }));
  assert.match(
    message,
    new RegExp(`/data/users: ${DATA_LIMITS.rows + 1} rows; at most ${DATA_LIMITS.rows} are allowed`),
  );
  assert.ok(performance.now() - started < 60_000, 'reading the capped file took over a minute');
});

test('a scenario file reads its data files relative to itself', () => {
  mkdirSync(join(dir, 'nested', 'data'), { recursive: true });
  writeFileSync(join(dir, 'nested', 'data', 'u.csv'), 'username,password\nn1,q1\n');
  writeFileSync(join(dir, 'nested', 'scenario.json'), doc({ file: 'data/u.csv' }));
  const s = loadScenario(join(dir, 'nested', 'scenario.json'));
  assert.deepEqual(s.data[0]!.rows, [['n1', 'q1']]);
});

test('the stored source keeps no rows or csv (so no secret value), the scenario does; the record validates again', () => {
  const secret = 'pa55-w0rd-never-stored';
  const inline = parseScenario(
    doc({ rows: [{ username: 'u1', password: secret }], secret: ['password'] }, { description: 'r' }),
  );
  assert.deepEqual(inline.data[0]!.rows, [['u1', secret]]);
  assert.deepEqual(inline.source.data?.users, { mode: 'circular', secret: ['password'] });
  assert.doesNotMatch(JSON.stringify(inline.source), new RegExp(secret));
  const fromCsv = parseScenario(doc({ csv: `username,password\nu1,${secret}\n`, secret: ['password'] }));
  assert.equal(fromCsv.source.data?.users?.csv, undefined);
  assert.doesNotMatch(JSON.stringify(fromCsv.source), new RegExp(secret));
  file('stored.csv', `username,password\nu1,${secret}\n`);
  const fromFile = read({ file: 'stored.csv', secret: ['password'] });
  assert.equal(fromFile.source.data?.users?.file, 'stored.csv');
  for (const s of [inline, fromCsv, fromFile]) {
    // As the store keeps it: JSON, read back with no data and no folder.
    const again = validateScenario(JSON.parse(JSON.stringify(s.source)), { record: true });
    assert.equal(again.name, 'x');
    assert.deepEqual(again.data, []);
    assert.equal(again.requests[0]!.name, 'a');
  }
});

test('secretCells gives exactly the secret columns’ distinct values', () => {
  const def = (name: string, columns: string[], rows: string[][], secret: string[]): DataSourceDef => ({
    name,
    mode: 'circular',
    columns,
    rows,
    secret,
    stopWhenExhausted: false,
    seed: '',
    origin: 'inline rows',
  });
  const users = def(
    'users',
    ['username', 'password'],
    [
      ['u1', 'p1'],
      ['u2', 'p2'],
      ['u3', 'p1'],
    ],
    ['password'],
  );
  const items = def('items', ['sku'], [['s1'], ['s2']], []);
  const keys = def('keys', ['id', 'key'], [['k', 'K1']], ['key', 'id']);
  assert.deepEqual(secretCells([users, items]).sort(), ['p1', 'p2']);
  assert.deepEqual(secretCells([users, items, keys]).sort(), ['K1', 'k', 'p1', 'p2']);
  assert.deepEqual(secretCells([items]), []);
  // Read from a scenario too.
  const s = parseScenario(
    doc({ csv: 'username,password\nu1,hush\nu2,hush\nu3,quiet\n', secret: ['password'] }, { description: 'r' }),
  );
  assert.deepEqual(secretCells(s.data).sort(), ['hush', 'quiet']);
});
