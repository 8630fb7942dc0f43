// How many worker threads an agent may run (`--workers auto|N`): the one rule
// the agent, its CLI and the controller's `--agent-workers` all apply.
import { availableParallelism } from 'node:os';

/** Worker threads beyond this buy nothing but memory (one event loop and connection pool each). */
export const MAX_WORKERS = 256;

/** `auto` (one per core) or a whole number from 1 to MAX_WORKERS; undefined for anything else. */
export function parseWorkerCount(value: string): number | undefined {
  if (value === 'auto') return Math.min(MAX_WORKERS, availableParallelism());
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= MAX_WORKERS ? n : undefined;
}
