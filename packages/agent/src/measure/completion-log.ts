// Send instants (controller clock) of requests answered with anything but
// 429. At the end of a run the controller sends the instant the cluster's
// first 429 *arrived*, and each agent counts its answered requests sent before
// it: firstRateLimitedAfter. Every request a server admitted before its
// limiter tripped was sent before that 429 came back, and one sent after it
// meets a tripped limiter, so for a fixed window this equals the server's own
// count however many requests are in flight. A request sent after this agent's
// own first 429 arrived can never count (the cluster's is no later), so it is
// not kept. Bounded: past MAX_ENTRIES the count is a lower bound (`truncated`).
const MAX_ENTRIES = 1_000_000;

export class CompletionLog {
  private times = new Float64Array(1024);
  private names = new Uint16Array(1024);
  private length = 0;
  /** Per name: when the first 429 arrived here. */
  private readonly firstLimited: number[] = [];
  truncated = false;

  /** Notes an answered request: its send instant, and when the answer arrived. */
  note(nameIndex: number, sentAt: number, completedAt: number, rateLimited: boolean): void {
    const limit = this.firstLimited[nameIndex] ?? Infinity;
    if (rateLimited) {
      if (completedAt < limit) this.firstLimited[nameIndex] = completedAt;
      return;
    }
    if (sentAt >= limit) return;
    if (this.length === MAX_ENTRIES) {
      this.truncated = true;
      return;
    }
    if (this.length === this.times.length) this.grow();
    this.times[this.length] = sentAt;
    this.names[this.length] = nameIndex;
    this.length++;
  }

  /** Requests sent strictly before `at`; of one name, or of all names when nameIndex < 0. */
  countBefore(at: number, nameIndex = -1): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) {
      if (this.times[i]! < at && (nameIndex < 0 || this.names[i] === nameIndex)) n++;
    }
    return n;
  }

  private grow(): void {
    const size = Math.min(this.times.length * 2, MAX_ENTRIES);
    const t = new Float64Array(size);
    t.set(this.times);
    this.times = t;
    const n = new Uint16Array(size);
    n.set(this.names);
    this.names = n;
  }
}
