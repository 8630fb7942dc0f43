// Bounds every scenario keeps, whatever its schema allows: what Node's timers
// can hold, and the check that says so.
/** Node timers hold at most 2^31-1 ms (24.8 days): no scenario may run longer, nor any one wait. */
export const MAX_SCENARIO_MS = 2 ** 31 - 1;

/** `ms`, with a problem noted when it is over MAX_SCENARIO_MS. */
export function boundedMs(ms: number, path: string, problems: string[]): number {
  if (ms > MAX_SCENARIO_MS) problems.push(`${path}: at most 24 days`);
  return ms;
}
