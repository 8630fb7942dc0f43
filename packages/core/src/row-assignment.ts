// Which data row an iteration uses: a pure function of the row mode, the
// global index (see global-index.ts) and the row count, so agents and worker
// threads pick rows without talking to each other and a takeover that fires
// the same global index picks the same row.
//   unique   — global iteration (or arrival) i gets row i; past the last row: none;
//   perVU    — global VU i gets row i, its identity for the run; past the last row: none;
//   circular — row i mod rows (keyed by the global iteration);
//   random   — a row drawn from (seed, i): the same run plan draws the same rows.
import { seededUnit } from './seeded-random.ts';

export type RowMode = 'unique' | 'perVU' | 'circular' | 'random';

/**
 * The row index for `globalIndex` (the global VU index for perVU, the global
 * iteration or arrival index otherwise); undefined when the mode has no row for it.
 */
export function rowFor(mode: RowMode, globalIndex: number, rows: number, seed = ''): number | undefined {
  if (!Number.isSafeInteger(globalIndex) || globalIndex < 0) throw new RangeError(`index ${globalIndex}`);
  if (rows <= 0) return undefined;
  switch (mode) {
    case 'unique':
    case 'perVU':
      return globalIndex < rows ? globalIndex : undefined;
    case 'circular':
      return globalIndex % rows;
    case 'random':
      return Math.floor(seededUnit(seed, `row:${globalIndex}`) * rows);
  }
}
