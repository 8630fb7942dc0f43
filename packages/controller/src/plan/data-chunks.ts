// A run's data sources on the wire: each source's settings go in the Assign
// (DataSource), its rows in DataChunk frames sent just before it, each chunk
// a run of whole rows well under the frame limit, so a table of any allowed
// size crosses without one giant frame. Pure.
import type { barrage } from '@barrage/proto';
import type { DataSourceDef } from '../scenario/scenario.ts';

/** Cell text per chunk: a quarter of the 4 MiB frame limit leaves room for protobuf's overhead. */
export const CHUNK_BYTES = 1024 * 1024;

/** The settings of each source, as the Assign carries them (rows come in chunks). */
export function dataSources(data: readonly DataSourceDef[]): barrage.v1.DataSource.$Properties[] {
  return data.map((d) => ({
    name: d.name,
    columns: [...d.columns],
    rows: d.rows.length,
    mode: d.mode,
    seed: d.seed,
    stopWhenExhausted: d.stopWhenExhausted,
    secretColumns: [...d.secret],
  }));
}

/** Every source's rows, in order, cut into chunks of at most `limit` bytes of cells (a longer row goes alone). */
export function dataChunks(
  runId: string,
  data: readonly DataSourceDef[],
  limit = CHUNK_BYTES,
): barrage.v1.DataChunk.$Properties[] {
  const out: barrage.v1.DataChunk.$Properties[] = [];
  for (const d of data) {
    let cells: string[] = [];
    let first = 0;
    let bytes = 0;
    d.rows.forEach((row, i) => {
      const size = row.reduce((a, c) => a + Buffer.byteLength(c) + 3, 0);
      if (cells.length > 0 && bytes + size > limit) {
        out.push({ runId, source: d.name, columns: d.columns.length, firstRow: first, cells });
        cells = [];
        first = i;
        bytes = 0;
      }
      cells.push(...row);
      bytes += size;
    });
    if (cells.length > 0) out.push({ runId, source: d.name, columns: d.columns.length, firstRow: first, cells });
  }
  return out;
}
