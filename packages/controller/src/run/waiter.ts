// The run's one way to wait: until a condition holds, re-checked whenever
// something happened (a message, a disconnect, a watch tick) and the run pokes,
// or until a time limit. One wait at a time.
export class Waiter {
  private poked: () => void = () => {};

  /** Resolves when `done()` holds (checked now and at every poke), or after `ms`. */
  async until(done: () => boolean, ms: number): Promise<void> {
    if (done()) return;
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.poked = () => {};
        resolve();
      };
      const timer = setTimeout(finish, Math.max(0, ms));
      this.poked = () => {
        if (done()) finish();
      };
    });
  }

  /** Something happened: the current wait re-checks its condition. */
  poke(): void {
    this.poked();
  }
}
