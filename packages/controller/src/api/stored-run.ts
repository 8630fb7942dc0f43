// A run as the routes look it up: stored or a coded 404, ended (with its own
// summary, or a partial one saying why it ended in error) or a coded 409, and the URL it is read at (from the request's own scheme and host, so it
// holds behind the address a client used).
import type { FastifyRequest } from 'fastify';
import { ControllerErrors } from '../errors.ts';
import { storedSummary } from '../report/report.ts';
import type { Summary } from '../results/summary.ts';
import type { RunStore, StoredRun } from '../store/run-store.ts';

export function runUrl(req: FastifyRequest, id: string): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}/api/v1/runs/${id}`;
}

export function storedRun(store: RunStore, id: string): StoredRun {
  const r = store.getRun(id);
  if (r === undefined) throw new ControllerErrors.RUN_NOT_FOUND(id);
  return r;
}

/** The summary of a run that has ended: its own, or the partial one of a run that ended in error or was interrupted. */
export function finishedSummary(store: RunStore, id: string): Summary {
  const r = storedRun(store, id);
  const s = storedSummary(store, id);
  if (s === undefined) throw new ControllerErrors.RUN_NOT_FINISHED(id, r.status);
  return s;
}
