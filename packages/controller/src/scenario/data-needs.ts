// What a scenario's templates ask of its data sources: every ${source.column}
// must name a source and one of its columns, a `unique` source feeds at most one
// load model (each row once across the whole run), and a plan that needs more
// `unique` or `perVU` rows than a source holds is refused before any request,
// with both numbers — unless the source says onExhausted: stop. Pure.
import { ArrivalSchedule, didYouMean, LOAD_MODELS } from '@barrage/core';
import type { DataSourceDef, LoadScenario } from './scenario.ts';

/** A data reference found in a request's template: where, and what it names. */
export interface DataUse {
  path: string;
  source: string;
  column: string;
}

/** Rows a model needs from a source of `mode`: one per iteration (unique) or per VU (perVU); Infinity when unknown. */
export function rowsNeeded(model: LoadScenario, mode: 'unique' | 'perVU'): number {
  const m = LOAD_MODELS[model.executor];
  // An open model's users are its arrivals, or with a session its slots (one per in-flight iteration).
  if (m.kind === 'open')
    return mode === 'perVU' && model.session !== undefined
      ? model.maxInFlight
      : new ArrivalSchedule(model.startTarget, model.stages).total;
  if (mode === 'perVU') return model.vus;
  switch (model.executor) {
    case 'shared-iterations':
      return model.iterations;
    case 'per-vu-iterations':
      return model.vus * model.iterations;
    default:
      return Number.POSITIVE_INFINITY;
  }
}

/** Checks each reference; returns, per model (by index), the names of the sources its requests read. */
export function checkDataUse(
  data: readonly DataSourceDef[],
  usesByRequest: ReadonlyMap<string, readonly DataUse[]>,
  models: readonly LoadScenario[],
  modelRequests: ReadonlyArray<readonly string[]>,
  problems: string[],
): string[][] {
  const byName = new Map(data.map((d) => [d.name, d]));
  for (const uses of usesByRequest.values())
    for (const u of uses) {
      const d = byName.get(u.source);
      if (d === undefined) {
        // A source that failed to read is already reported; name the others.
        problems.push(
          `${u.path}: \${${u.source}.${u.column}} names no data source${didYouMean(u.source, byName.keys())}`,
        );
      } else if (!d.columns.includes(u.column))
        problems.push(
          `${u.path}: data source ${u.source} has no column ${u.column}${didYouMean(u.column, d.columns)} (columns: ${d.columns.join(', ')})`,
        );
    }
  const users = new Map<string, string[]>();
  const perModel = models.map((model, i) => {
    const names = [
      ...new Set(modelRequests[i]!.flatMap((r) => (usesByRequest.get(r) ?? []).map((u) => u.source))),
    ].filter((n) => byName.has(n));
    for (const n of names) {
      users.set(n, [...(users.get(n) ?? []), model.name]);
      const d = byName.get(n)!;
      if ((d.mode !== 'unique' && d.mode !== 'perVU') || d.stopWhenExhausted) continue;
      const need = rowsNeeded(model, d.mode);
      if (need <= d.rows.length) continue;
      const per = LOAD_MODELS[model.executor].kind === 'open' ? 'arrival' : d.mode === 'unique' ? 'iteration' : 'VU';
      problems.push(
        Number.isFinite(need)
          ? `/scenarios/${i}: ${model.name} needs ${need} rows of data source ${n} (one per ${per}), which has ${d.rows.length} (${d.origin}); give more rows, plan fewer, or set onExhausted: stop on the source`
          : `/scenarios/${i}: ${model.name} (${model.executor}) runs for a duration, so the rows of unique source ${n} it needs are not known in advance (${d.rows.length} rows in ${d.origin}); set onExhausted: stop on the source to end the model when they run out, or use shared-iterations, per-vu-iterations or an arrival rate`,
      );
    }
    return names;
  });
  for (const [n, models] of users)
    if (byName.get(n)!.mode === 'unique' && models.length > 1)
      problems.push(
        `/data/${n}: a unique source gives each row to one iteration of one load model, but ${models.join(' and ')} both read it; give each its own source`,
      );
  return perModel;
}
