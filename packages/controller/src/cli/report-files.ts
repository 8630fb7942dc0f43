// Where `start --report` writes: each --report names a file (its format by
// extension), or a directory (an existing one, or a path ending in /) that gets
// every format, named after the run. Checked before the run starts, so a bad
// name costs no load; duplicates are written once.
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatOf, type ReportFormat } from '../report/report.ts';

/** A directory's files, named after the run: `<run id>.md`, `.html`, `.json`, `.junit.xml`. */
const IN_DIRECTORY: ReadonlyArray<readonly [ReportFormat, string]> = [
  ['md', '.md'],
  ['html', '.html'],
  ['json', '.json'],
  ['junit', '.junit.xml'],
];

export interface ReportFile {
  path: string;
  format: ReportFormat;
}

function isDirectory(given: string): boolean {
  return /[/\\]$/.test(given) || (existsSync(given) && statSync(given).isDirectory());
}

/** Throws CTRL_BAD_ARGUMENT for a file name without a known extension; call it before the run. */
export function checkReportTargets(given: readonly string[]): void {
  for (const g of given) if (!isDirectory(g)) formatOf(g);
}

/** The files the --report values stand for, once the run has an id. */
export function reportFiles(given: readonly string[], runId: string): ReportFile[] {
  const out = new Map<string, ReportFile>();
  for (const g of given) {
    if (isDirectory(g))
      for (const [format, ext] of IN_DIRECTORY) out.set(join(g, runId + ext), { path: join(g, runId + ext), format });
    else out.set(g, { path: g, format: formatOf(g) });
  }
  return [...out.values()];
}

/** Renders and writes each file (a directory is made when missing); says where each went. */
export async function writeReports(
  files: readonly ReportFile[],
  render: (format: ReportFormat) => string | Promise<string>,
  say: (line: string) => void,
): Promise<void> {
  const rendered = new Map<ReportFormat, string>();
  for (const f of files) {
    let text = rendered.get(f.format);
    if (text === undefined) {
      text = await render(f.format);
      rendered.set(f.format, text);
    }
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, text);
    say(`report written to ${f.path}`);
  }
}
