// Bounds on the figures an agent says about itself (its Status, and the health
// every Report carries): a figure outside them is broken or hostile and is
// dropped, never trusted. One rule for the session (Status) and the run (Reports).
export const MAX_LOOP_DELAY_MS = 3_600_000;
export const MAX_CPU_CORES = 100_000;
export const MAX_GAUGE = 1e9;

/** Whether `v` is a figure in [0, hi]. */
export const inRange = (v: number, hi: number): boolean => Number.isFinite(v) && v >= 0 && v <= hi;

/** `v` when in [0, hi], else 0. */
export const saneOr0 = (v: number, hi: number): number => (inRange(v, hi) ? v : 0);
