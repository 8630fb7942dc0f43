// Rows taken from each data source over a report interval: what the summary's
// "rows used per source and per agent" adds up. Cleared by each report.
import type { barrage } from '@barrage/proto';

export class DataRowCount {
  private counts = new Map<string, number>();

  readonly count = (source: string): void => {
    this.counts.set(source, (this.counts.get(source) ?? 0) + 1);
  };

  /** The interval's counts; the next interval starts from zero. */
  take(): barrage.v1.NamedCount.$Properties[] {
    const out = [...this.counts].map(([name, count]) => ({ name, count }));
    this.counts = new Map();
    return out;
  }
}
