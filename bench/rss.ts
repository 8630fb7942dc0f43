// Resident memory of another process, read from /proc (Linux): the idle value
// and the peak while it runs, polled every few milliseconds until it exits.
import { readFileSync } from 'node:fs';

export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Polls `pid`'s RSS until `exited` settles; resolves with the highest value seen. */
export async function peakRss(pid: number, exited: Promise<unknown>, everyMs = 5): Promise<number> {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      /* gone */
    }
  }, everyMs);
  await exited;
  clearInterval(timer);
  return peak;
}

export const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
