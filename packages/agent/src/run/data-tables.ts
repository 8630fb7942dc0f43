// The Assign's data sources made into tables the load models read: each
// DataSource checked against the rows its chunks brought (data-inbox.ts) —
// same width, same row count, a known mode — so a template's ${source.column}
// always finds its value.
import { isReferableColumn, type RowMode } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import { AgentErrors } from '../errors.ts';
import type { RunTable } from '../load/data-rows.ts';
import type { ReceivedTable } from './data-inbox.ts';

const MODES: readonly string[] = ['unique', 'perVU', 'circular', 'random'];

/** The run's tables, in the Assign's order; throws BAD_ASSIGN when a source and its rows disagree. */
export function prepareTables(
  sources: readonly barrage.v1.DataSource.$Properties[],
  received: ReadonlyMap<string, ReceivedTable>,
): RunTable[] {
  const bad = (why: string) => new AgentErrors.BAD_ASSIGN(`data source ${why}`);
  const names = new Set<string>();
  return sources.map((d, i) => {
    const name = d.name ?? '';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name) || names.has(name))
      throw bad(`${i}: name ${JSON.stringify(name.slice(0, 70))}`);
    names.add(name);
    const columns = d.columns ?? [];
    const got = received.get(name);
    if (got === undefined) throw bad(`${name}: no rows arrived`);
    if (got.columns !== columns.length) throw bad(`${name}: ${columns.length} columns, rows of ${got.columns}`);
    if (got.rows.length !== (d.rows ?? 0)) throw bad(`${name}: ${d.rows} rows announced, ${got.rows.length} arrived`);
    if (!MODES.includes(d.mode ?? '')) throw bad(`${name}: mode ${JSON.stringify((d.mode ?? '').slice(0, 20))}`);
    const column = new Map<string, number>();
    columns.forEach((c, k) => {
      if (isReferableColumn(c)) column.set(c, k);
    });
    return {
      name,
      columns,
      column,
      rows: got.rows,
      mode: d.mode as RowMode,
      seed: (d.seed ?? '').slice(0, 200),
      secret: new Set(d.secretColumns ?? []),
    };
  });
}

/** The template names a table's columns answer to: `source.column`. */
export const referenceNames = (t: RunTable): string[] => [...t.column.keys()].map((c) => `${t.name}.${c}`);
