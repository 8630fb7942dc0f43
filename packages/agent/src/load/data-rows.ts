// Which rows of the run's data sources an iteration reads: a pure function of
// its global indexes (core's row-assignment.ts), so no agent or worker ever
// asks another. unique, circular and random rows follow the iteration's dense
// index, perVU rows the global VU index. A unique or perVU source with no row
// left for the iteration says so, and the model ends (or the VU leaves).
import { type RowMode, rowFor } from '@barrage/core';

/** A data source as the agent holds it. */
export interface RunTable {
  name: string;
  columns: readonly string[];
  /** Column name to its place in a row. */
  column: ReadonlyMap<string, number>;
  rows: ReadonlyArray<readonly string[]>;
  mode: RowMode;
  seed: string;
  /** Secret columns: their values are never logged or echoed. */
  secret: ReadonlySet<string>;
}

/** The row each source gives one iteration. */
export type IterationRows = ReadonlyMap<string, { table: RunTable; values: readonly string[] }>;

export type RowPick = { rows: IterationRows } | { exhausted: RunTable };

/**
 * Rows of `tables` for the iteration with dense index `row` run for user `vu` (the global VU index, or the identity it stands in for).
 * `firstOfVu`: the VU's first iteration (a perVU row is counted once per VU).
 * `count` hears each row taken, per source.
 */
export function pickRows(
  tables: readonly RunTable[],
  vu: number,
  row: number,
  firstOfVu: boolean,
  count?: (source: string) => void,
): RowPick {
  const rows = new Map<string, { table: RunTable; values: readonly string[] }>();
  for (const t of tables) {
    const i = rowFor(t.mode, t.mode === 'perVU' ? vu : row, t.rows.length, t.seed);
    if (i === undefined) return { exhausted: t };
    rows.set(t.name, { table: t, values: t.rows[i]! });
  }
  if (count !== undefined) for (const t of tables) if (t.mode !== 'perVU' || firstOfVu) count(t.name);
  return { rows };
}

type RowPlan = { tables?: readonly RunTable[]; countRow?: (source: string) => void } | undefined;
type RowIndex = { vu: number; iteration: number; row?: number; user?: number; data?: IterationRows };

/**
 * Gives `index` its rows from the plan's tables (nothing to do without tables);
 * returns the source that ran out, if one did. Counts nothing: see countRows.
 */
export function attachRows(plan: RowPlan, index: RowIndex | undefined): RunTable | undefined {
  if (plan?.tables === undefined || plan.tables.length === 0 || index === undefined) return undefined;
  const pick = pickRows(plan.tables, index.user ?? index.vu, index.row ?? index.iteration, false);
  if ('exhausted' in pick) return pick.exhausted;
  index.data = pick.rows;
  return undefined;
}

/**
 * Counts the rows `index` holds as used, once its iteration is really sent (a
 * row whose iteration never went, its session down, is not used). A perVU row
 * counts on its user's first iteration, and never for a stand-in: a takeover's
 * VU acting for a lost agent's user, whose row that agent already counted.
 */
export function countRows(plan: RowPlan, index: RowIndex | undefined, firstOfUser: boolean): void {
  if (plan?.countRow === undefined || index?.data === undefined) return;
  for (const { table } of index.data.values()) if (table.mode !== 'perVU' || firstOfUser) plan.countRow(table.name);
}
