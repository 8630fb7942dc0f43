// Completion instants (controller clock) of requests finished before this
// agent's first 429 for their name. At the end of a run the controller sends
// the cluster's earliest 429 and each agent counts its completions before it,
// which makes firstRateLimitedAfter exact across agents. Bounded: past
// MAX_ENTRIES the count becomes a lower bound and `truncated` says so.
const MAX_ENTRIES = 1_000_000;

export class CompletionLog {
  private times = new Float64Array(1024);
  private names = new Uint16Array(1024);
  private length = 0;
  private readonly closed: boolean[] = [];
  truncated = false;

  /** Notes a completion; a 429 closes the log for its name after being noted as the boundary. */
  note(nameIndex: number, at: number, rateLimited: boolean): void {
    if (this.closed[nameIndex]) return;
    if (rateLimited) { this.closed[nameIndex] = true; return; }
    if (this.length === MAX_ENTRIES) { this.truncated = true; return; }
    if (this.length === this.times.length) this.grow();
    this.times[this.length] = at;
    this.names[this.length] = nameIndex;
    this.length++;
  }

  /** Completions strictly before `at`; of one name, or of all names when nameIndex < 0. */
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
