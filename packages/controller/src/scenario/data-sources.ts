// Reading a scenario's data sources: a CSV file (header row first, parsed by
// csv-parse), a JSON file (an array of objects), inline CSV text or inline
// rows; every value becomes a string. Bounded (bytes, rows, columns, cell
// size), and every malformed row is reported with its line (CSV) or index
// (JSON), never with its values: a column may be secret. Files are read only
// when the scenario came from a file (relative to it); a scenario posted to
// the API may use only the data sent with it.
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isReferableColumn, type RowMode } from '@barrage/core';
import { parse as parseCsv } from 'csv-parse/sync';
import type { DataSourceInput, ScenarioInput } from './input.ts';
import type { DataSourceDef } from './scenario.ts';

/** Bounds of one source, and of all a scenario's sources together (every agent holds them all). */
export const DATA_LIMITS = {
  bytes: 64 * 1024 * 1024,
  totalBytes: 128 * 1024 * 1024,
  rows: 1_000_000,
  columns: 100,
  /** Values of all sources together (rows × columns): what every agent holds in memory. */
  cells: 10_000_000,
  cellBytes: 8192,
} as const;

/** How many problems of one source are listed before "… and N more". */
const SHOWN = 20;

/** Where data files may be read from: the scenario file's folder; absent for a scenario with no file (the API). */
export interface DataOrigin {
  dir?: string;
  /** A stored run's document, re-read for its report: sources are kept without rows, so none is read or checked. */
  record?: boolean;
}

/** Reads and checks every source of `input`, adding each problem (with its path) to `problems`. */
export function readDataSources(input: ScenarioInput, origin: DataOrigin, problems: string[]): DataSourceDef[] {
  let total = 0;
  let cells = 0;
  const out: DataSourceDef[] = [];
  if (origin.record === true) return out;
  for (const [name, src] of Object.entries(input.data ?? {})) {
    const path = `/data/${name}`;
    const given = (['file', 'csv', 'rows'] as const).filter((k) => src[k] !== undefined);
    if (given.length !== 1) {
      problems.push(
        `${path}: give exactly one of file, csv or rows${given.length > 1 ? ` (not ${given.join(' and ')})` : ''}`,
      );
      continue;
    }
    const mine: string[] = [];
    const table = readTable(src, origin, path, mine);
    if (table !== undefined) {
      table.columns.forEach((c, i) => {
        if (c === '') mine.push(`${path}: column ${i + 1} has no name in the header row`);
        else if (table.columns.indexOf(c) !== i)
          mine.push(`${path}: column ${JSON.stringify(c)} appears twice in the header row`);
      });
      // The columns are not listed: a file without its header row would show its first row, secrets and all.
      for (const c of src.secret ?? [])
        if (!table.columns.includes(c))
          mine.push(
            `${path}/secret: no column named ${JSON.stringify(c)}; the header row (the first line, or the first object's keys) must name every column`,
          );
      if (table.rows.length === 0) mine.push(`${path}: no rows`);
      else if (table.columns.length === 0) mine.push(`${path}: no columns`);
      if (table.rows.length > DATA_LIMITS.rows)
        mine.push(`${path}: ${table.rows.length} rows; at most ${DATA_LIMITS.rows} are allowed`);
      if (table.columns.length > DATA_LIMITS.columns)
        mine.push(`${path}: ${table.columns.length} columns; at most ${DATA_LIMITS.columns} are allowed`);
      if ((src.mode === 'circular' || src.mode === 'random') && src.onExhausted !== undefined)
        mine.push(`${path}/onExhausted: a ${src.mode} source never runs out; onExhausted is for unique and perVU`);
      if (src.mode !== 'random' && src.seed !== undefined) mine.push(`${path}/seed: only a random source takes a seed`);
      total += table.bytes;
      cells += table.rows.length * table.columns.length;
    }
    if (mine.length > SHOWN) mine.splice(SHOWN, mine.length, `${path}: … and ${mine.length - SHOWN} more problems`);
    problems.push(...mine);
    if (table === undefined || mine.length > 0) continue;
    out.push({
      name,
      mode: src.mode as RowMode,
      columns: table.columns,
      rows: table.rows,
      secret: [...(src.secret ?? [])],
      stopWhenExhausted: src.onExhausted === 'stop',
      seed: String(src.seed ?? input.seed ?? ''),
      origin: src.file ?? (src.csv !== undefined ? 'inline CSV' : 'inline rows'),
    });
  }
  if (cells > DATA_LIMITS.cells)
    problems.push(
      `/data: the sources hold ${cells} values together (rows × columns); at most ${DATA_LIMITS.cells} are allowed`,
    );
  if (total > DATA_LIMITS.totalBytes)
    problems.push(`/data: the sources hold ${total} bytes together; at most ${DATA_LIMITS.totalBytes} are allowed`);
  return out;
}

/** Column names a template may not reference (${source.column} takes letters, digits and _). */
export const unreferableColumns = (d: DataSourceDef): string[] => d.columns.filter((c) => !isReferableColumn(c));

interface Table {
  columns: string[];
  rows: string[][];
  bytes: number;
}

function readTable(src: DataSourceInput, origin: DataOrigin, path: string, problems: string[]): Table | undefined {
  if (src.rows !== undefined) return fromObjects(src.rows, `${path}/rows`, problems, 0);
  if (src.csv !== undefined) return fromCsv(src.csv, `${path}/csv`, problems);
  const file = src.file!;
  if (origin.dir === undefined) {
    problems.push(
      `${path}/file: a scenario sent to the controller may use only data sent with it; inline it as csv: or rows: (the CLI does this for you)`,
    );
    return undefined;
  }
  const full = isAbsolute(file) ? file : resolve(origin.dir, file);
  let text: string;
  try {
    const size = statSync(full).size;
    if (size > DATA_LIMITS.bytes) {
      problems.push(`${path}/file: ${file} is ${size} bytes; at most ${DATA_LIMITS.bytes} are allowed`);
      return undefined;
    }
    text = readFileSync(full, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push(`${path}/file: cannot read ${file} (${code === 'ENOENT' ? `no such file in ${origin.dir}` : code})`);
    return undefined;
  }
  if (/\.json$/i.test(file)) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      problems.push(`${path}/file: ${file} is not JSON${jsonErrorPlace(err, text)}`);
      return undefined;
    }
    if (!Array.isArray(doc)) {
      problems.push(`${path}/file: ${file} must hold an array of objects`);
      return undefined;
    }
    return fromObjects(doc, `${path}/file: ${file}`, problems, text.length);
  }
  if (!/\.csv$/i.test(file)) {
    problems.push(`${path}/file: ${file} must end in .csv or .json`);
    return undefined;
  }
  return fromCsv(text, `${path}/file: ${file}`, problems);
}

/** Rows of a CSV text with its header; a row with another cell count, or a cell too long, is reported with its line. */
function fromCsv(text: string, where: string, problems: string[]): Table | undefined {
  if (Buffer.byteLength(text) > DATA_LIMITS.bytes) {
    problems.push(`${where}: larger than ${DATA_LIMITS.bytes} bytes`);
    return undefined;
  }
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parseCsv(text, {
      bom: true,
      info: true,
      // Files edited on two systems mix line ends; csv-parse would otherwise take the first it meets.
      record_delimiter: ['\r\n', '\n'],
      relax_column_count: true,
      skip_empty_lines: true,
      to: DATA_LIMITS.rows + 2,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (err) {
    const e = err as Error & { lines?: number };
    problems.push(`${where}${e.lines === undefined ? '' : `:${e.lines}`}: not valid CSV (${csvReason(e)})`);
    return undefined;
  }
  const header = records.shift();
  if (header === undefined) {
    problems.push(`${where}: empty; the first line must name the columns`);
    return undefined;
  }
  const columns = header.record.map((c) => c.trim());
  const rows: string[][] = [];
  for (const { record, info } of records) {
    if (record.length !== columns.length)
      problems.push(`${where}:${info.lines}: ${record.length} values, but the header names ${columns.length} columns`);
    else if (record.some((v) => v.length > DATA_LIMITS.cellBytes))
      problems.push(`${where}:${info.lines}: a value longer than ${DATA_LIMITS.cellBytes} characters`);
    else rows.push(record);
  }
  return { columns, rows, bytes: Buffer.byteLength(text) };
}

/** csv-parse's reason without the text it quotes (a value may be secret). */
const csvReason = (e: Error & { code?: string }): string =>
  e.code === 'CSV_QUOTE_NOT_CLOSED'
    ? 'a quote is never closed'
    : e.code === 'INVALID_OPENING_QUOTE' || e.code === 'CSV_INVALID_CLOSING_QUOTE'
      ? 'a quote inside an unquoted value, or text after a closing quote; double quotes inside quoted values ("")'
      : (e.code ?? 'parse error');

/** Rows of an array of flat objects: the columns are the first object's keys; every object must have exactly those. */
function fromObjects(items: unknown[], where: string, problems: string[], bytes: number): Table | undefined {
  const first = items[0];
  if (first === undefined) return { columns: [], rows: [], bytes };
  const columns = isRecord(first) ? Object.keys(first) : [];
  const rows: string[][] = [];
  let size = bytes;
  items.forEach((item, i) => {
    if (!isRecord(item)) return problems.push(`${where}[${i}]: not an object of column values`);
    const keys = Object.keys(item);
    const missing = columns.filter((c) => !(c in item));
    const extra = keys.filter((k) => !columns.includes(k));
    if (missing.length > 0 || extra.length > 0)
      return problems.push(
        `${where}[${i}]: ${[missing.length > 0 ? `missing ${missing.join(', ')}` : '', extra.length > 0 ? `unexpected ${extra.join(', ')}` : ''].filter(Boolean).join('; ')} (the columns are the first row's: ${columns.join(', ')})`,
      );
    const row: string[] = [];
    for (const c of columns) {
      const v = item[c];
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
        return problems.push(`${where}[${i}]: ${c} is not a string, number or boolean`);
      const s = String(v);
      if (s.length > DATA_LIMITS.cellBytes)
        return problems.push(`${where}[${i}]: ${c} is longer than ${DATA_LIMITS.cellBytes} characters`);
      row.push(s);
      if (bytes === 0) size += s.length + 1;
    }
    rows.push(row);
  });
  return { columns, rows, bytes: size };
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Where JSON.parse failed, as a line and column: never its message, which quotes
 * the text around the spot (a secret column's value, say).
 */
export function jsonErrorPlace(err: unknown, text: string): string {
  const m = /position (\d+)/.exec((err as Error).message ?? '');
  if (m === null) return '';
  const at = Math.min(Number(m[1]), text.length);
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return ` (at line ${line}, column ${at - before.lastIndexOf('\n')})`;
}

/** Every value of every secret column (distinct): what no output may show. */
export function secretCells(data: readonly DataSourceDef[]): string[] {
  const out = new Set<string>();
  for (const d of data)
    for (const c of d.secret) {
      const k = d.columns.indexOf(c);
      for (const row of d.rows) out.add(row[k]!);
    }
  return [...out];
}
