// The timers a run waits on, injected beside the Clock so the load models,
// the run and its measurements can be driven on fake time in tests (k6 runs
// its executors on virtual time the same way). Production passes Node's own.

/** A pending timer; unref() lets the process exit while it waits. */
export interface Timer {
  unref(): void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(t: Timer | undefined): void;
  setInterval(fn: () => void, ms: number): Timer;
  clearInterval(t: Timer | undefined): void;
  /** Runs `fn` on a later turn of the event loop, after pending I/O. */
  setImmediate(fn: () => void): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout | undefined),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (t) => clearInterval(t as NodeJS.Timeout | undefined),
  setImmediate: (fn) => {
    setImmediate(fn);
  },
};
