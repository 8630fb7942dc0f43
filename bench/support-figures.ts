// What a bench reports: medians and number formatting for its tables, the
// machine it ran on, and its figures, handed to bench/run-all.ts for the
// summary table of bench/RESULTS.md.
import { appendFileSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { toolVersion } from './support-tools.ts';

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'n/a';

/** One row of bench/RESULTS.md's summary table. `met` undefined: no goal. */
export interface Figure {
  claim: string;
  barrage: string;
  peer: string;
  ratio: string;
  goal: string;
  met?: boolean;
}

/** Hands figures to bench/run-all.ts (BENCH_FIGURES: a JSON-lines file); a no-op when run alone. */
export function reportFigures(bench: string, figures: Figure[]): void {
  const file = process.env.BENCH_FIGURES;
  if (file) for (const f of figures) appendFileSync(file, `${JSON.stringify({ bench, ...f })}\n`);
}

/** The machine, for the header of RESULTS.md and each bench's output. */
export function machine(): { nproc: number; cpu: string; memGiB: string; node: string; kernel: string } {
  let cpu = cpus()[0]?.model ?? '?';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    /* not Linux */
  }
  return {
    nproc: cpus().length,
    cpu,
    memGiB: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    kernel: toolVersion('uname', ['-r']),
  };
}
