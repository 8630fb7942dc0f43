// Several writes that must land together, or not at all: a run's end (its
// summary, agents, thresholds, histograms and every interval) must never be
// half-stored for a reader or a crash to find.
import type { DatabaseSync } from 'node:sqlite';

/**
 * Runs `work` in one immediate transaction (the write lock taken up front, so two
 * controllers sharing a file wait for each other instead of failing mid-way): committed
 * when it returns, rolled back when it throws. Inside another transaction it joins it.
 */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  if (db.isTransaction) return work();
  db.exec('BEGIN IMMEDIATE');
  try {
    const out = work();
    db.exec('COMMIT');
    return out;
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
