// The clock every timing decision goes through, injectable for tests.
// Milliseconds, monotonic within a process, close to the Unix epoch.
export interface Clock {
  now(): number;
}

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
};

/** A clock shifted by a fixed offset: controller time as seen from an agent. */
export function offsetClock(base: Clock, offsetMs: number): Clock {
  return { now: () => base.now() + offsetMs };
}
