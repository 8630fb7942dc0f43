// Golden files: what a user sees (CLI text, the REST API's routes and answers,
// the stored schema) pinned byte-for-byte, so a refactor proves it changed none
// of it. UPDATE_GOLDEN=1 rewrites them; the diff is then the review.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

const dir = new URL('./golden/', import.meta.url);

export function matchesGolden(name: string, actual: string): void {
  const file = new URL(name, dir);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    writeFileSync(file, actual);
    if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`golden/${name} was missing: written, check it in`);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `differs from golden/${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

/** The id of the finished run in golden/golden-run.sql (a real 3 s run with 2 agents, a monitor and thresholds). */
export const GOLDEN_RUN = '497b9964-4741-4879-8b83-770d840c7588';

/** A run store file holding golden/golden-run.sql, written as the version that made it left it. */
export function goldenStoreFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'barrage-golden-')), 'runs.db');
  const db = new DatabaseSync(file);
  db.exec(readFileSync(new URL('golden-run.sql', dir), 'utf8'));
  db.close();
  return file;
}
