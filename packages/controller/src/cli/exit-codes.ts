// The controller's exit codes, one map for every command: CI reads a threshold
// failure (99) apart from a run that could not be judged (1).
import type { StoredStatus } from '../store/run-store.ts';

export const EXIT = {
  /** The run passed every threshold; or a command that only reads or serves succeeded. */
  passed: 0,
  /** The run went, and a threshold failed. */
  thresholds: 99,
  /** Anything else: bad flags or input, no agents, a run that errored, aborted or was interrupted. */
  error: 1,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A finished run's exit code, from its status. */
export function exitCodeOf(status: StoredStatus | string): ExitCode {
  return status === 'passed' ? EXIT.passed : status === 'failed' ? EXIT.thresholds : EXIT.error;
}
