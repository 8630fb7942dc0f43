// Send instants (controller clock) of completed requests that were not
// answered 429. At the end of a run the controller sends the send instant of
// the cluster's earliest-sent 429 and each agent counts its requests sent
// before it: firstRateLimitedAfter, exact across agents for that definition.
// A request sent after this agent's own earliest 429 can never count (the
// cluster's is no later), so it is not kept. Bounded: past MAX_ENTRIES the
// count becomes a lower bound and `truncated` says so.
const MAX_ENTRIES = 1_000_000;

export class CompletionLog {
  private times = new Float64Array(1024);
  private names = new Uint16Array(1024);
  private length = 0;
  /** Per name: send instant of the earliest-sent 429 seen here. */
  private readonly firstLimited: number[] = [];
  truncated = false;

  /** Notes a completed request by its send instant. */
  note(nameIndex: number, sentAt: number, rateLimited: boolean): void {
    const limit = this.firstLimited[nameIndex] ?? Infinity;
    if (rateLimited) { if (sentAt < limit) this.firstLimited[nameIndex] = sentAt; return; }
    if (sentAt >= limit) return;
    if (this.length === MAX_ENTRIES) { this.truncated = true; return; }
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
    const t = new Float64Array(size); t.set(this.times); this.times = t;
    const n = new Uint16Array(size); n.set(this.names); this.names = n;
  }
}
