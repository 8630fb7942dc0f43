// Counting what the fuzzer saw: outcomes by category and code, and the
// anomalies (anything that is neither an acceptance nor a coded rejection),
// kept with enough context to replay them from the seed.
import { ProtoErrors } from '@barrage/proto';
import { ControllerErrors } from '../../packages/controller/src/errors.ts';

/** Every code barrage defines; anything else in a rejection is an anomaly. */
export const KNOWN_CODES: ReadonlySet<string> = new Set(
  [...Object.values(ProtoErrors), ...Object.values(ControllerErrors)].map(
    (E) => (E as unknown as { code: string }).code,
  ),
);

/** A coded rejection: a known code, and not "something unexpected failed". */
export function isCoded(code: unknown): code is string {
  return typeof code === 'string' && KNOWN_CODES.has(code) && code !== ControllerErrors.INTERNAL.code;
}

const KEEP = 40;

export class Tally {
  readonly counts = new Map<string, number>();
  readonly anomalies: string[] = [];
  anomalyCount = 0;

  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  anomaly(text: string): void {
    this.anomalyCount++;
    if (this.anomalies.length < KEEP) this.anomalies.push(text);
  }

  /** Entries whose key starts with `prefix`, the prefix cut off, largest first. */
  under(prefix: string): Array<[string, number]> {
    return [...this.counts]
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, n]): [string, number] => [k.slice(prefix.length), n])
      .sort((a, b) => b[1] - a[1]);
  }
}
