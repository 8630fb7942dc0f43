// When to dial the controller again after the link dropped: exponential
// backoff with jitter (so a fleet that lost its controller does not redial in
// step), reset by every link that opens. A one-run agent (--once) gives up
// after a bounded number of attempts; a long-lived one never does.

export const BACKOFF_MIN_MS = 100;
export const BACKOFF_MAX_MS = 5_000;
/** With --once, consecutive failed connection attempts before giving up (about a minute). */
export const ONCE_MAX_ATTEMPTS = 16;

export class Redial {
  private readonly maxAttempts: number;
  private readonly random: () => number;
  /** Consecutive attempts since the last link that opened. */
  attempt = 0;
  /** Whether any link has opened yet: a failure before that is "could not connect", after it "could not reconnect". */
  connected = false;

  /** `maxAttempts`: Infinity unless the agent leaves after one run. */
  constructor(maxAttempts = Infinity, random: () => number = Math.random) {
    this.maxAttempts = maxAttempts;
    this.random = random;
  }

  /** A link opened: the next drop starts from the shortest wait again. */
  reset(): void {
    this.attempt = 0;
    this.connected = true;
  }

  /** The wait before the next attempt (100 ms doubling to 5 s, each from half to all of it), or undefined once attempts are spent. */
  next(): number | undefined {
    if (this.attempt >= this.maxAttempts) return undefined;
    return Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt++) * (0.5 + this.random() / 2);
  }
}
