// The rows of a run's data sources, as DataChunk frames bring them before the
// Assign. Bounded: cells, bytes and sources are capped, chunks must come in
// order and agree on their source's width, and only the latest run's chunks
// are kept (a new run id drops an older run's). The Assign then takes the
// tables and checks them against its DataSource list (assignment.ts).
import type { barrage } from '@barrage/proto';
import { AgentErrors } from '../errors.ts';

/** What an agent holds at most for one run: the controller's own caps (10 million values, 128 MiB of text) and some room. */
export const MAX_DATA_CELLS = 10_000_000;
export const MAX_DATA_CHARS = 160 * 1024 * 1024;
const MAX_SOURCES = 10;
const MAX_COLUMNS = 100;
const MAX_CELL = 8192;

/** One source's rows, received so far. */
export interface ReceivedTable {
  columns: number;
  rows: string[][];
}

export class DataInbox {
  private runId = '';
  private cells = 0;
  private chars = 0;
  private tables = new Map<string, ReceivedTable>();

  /** Adds a chunk; the BAD_ASSIGN error for one that breaks the order, the shape or the caps. */
  offer(c: barrage.v1.DataChunk.$Properties): (Error & { code: string }) | undefined {
    try {
      this.add(c);
      return undefined;
    } catch (err) {
      return err as Error & { code: string };
    }
  }

  private add(c: barrage.v1.DataChunk.$Properties): void {
    const bad = (why: string) => new AgentErrors.BAD_ASSIGN(`data chunk: ${why}`);
    if (!c.runId) throw bad('run id missing');
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(c.source ?? '')) throw bad('source name');
    if (c.runId !== this.runId) this.clear(c.runId);
    const width = c.columns ?? 0;
    if (!Number.isInteger(width) || width < 1 || width > MAX_COLUMNS) throw bad(`${width} columns`);
    const cells = c.cells ?? [];
    if (cells.length === 0 || cells.length % width !== 0)
      throw bad(`${cells.length} cells do not make rows of ${width}`);
    let t = this.tables.get(c.source ?? '');
    if (t === undefined) {
      if (this.tables.size >= MAX_SOURCES) throw bad(`more than ${MAX_SOURCES} sources`);
      this.tables.set(c.source ?? '', (t = { columns: width, rows: [] }));
    }
    if (t.columns !== width) throw bad(`source ${c.source}: ${width} columns, earlier chunks had ${t.columns}`);
    if ((c.firstRow ?? 0) !== t.rows.length) throw bad(`source ${c.source}: row ${c.firstRow} after ${t.rows.length}`);
    for (const cell of cells) {
      if (cell.length > MAX_CELL) throw bad(`source ${c.source}: a value longer than ${MAX_CELL}`);
      this.chars += cell.length;
    }
    this.cells += cells.length;
    if (this.cells > MAX_DATA_CELLS || this.chars > MAX_DATA_CHARS) {
      this.clear('');
      throw bad(`more than ${MAX_DATA_CELLS} values or ${MAX_DATA_CHARS} characters`);
    }
    for (let i = 0; i < cells.length; i += width) t.rows.push(cells.slice(i, i + width));
  }

  /** The tables received for `runId` (empty when none came); the inbox forgets them. */
  take(runId: string): Map<string, ReceivedTable> {
    const out = runId === this.runId ? this.tables : new Map<string, ReceivedTable>();
    this.clear('');
    return out;
  }

  private clear(runId: string): void {
    this.runId = runId;
    this.cells = 0;
    this.chars = 0;
    this.tables = new Map();
  }
}
