// Picks a report format: by name (md, json, junit, html) or by a file's
// extension (.md, .json, .xml, .html), and renders it. JSON is the summary
// itself; Markdown is markdown.ts, JUnit junit.ts, the HTML page html.ts. And
// what a stored run's reports are made of: its summary (a partial one for a
// run that ended without its own) and its interval series.

import { ControllerErrors } from '../errors.ts';
import { partialSummary } from '../results/partial-summary.ts';
import type { Summary } from '../results/summary.ts';
import type { RunStore } from '../store/run-store.ts';
import { htmlReport } from './html.ts';
import { junitReport } from './junit.ts';
import { markdownReport } from './markdown.ts';
import type { ReportInput } from './report-input.ts';

export type ReportFormat = 'md' | 'json' | 'junit' | 'html';

const BY_EXTENSION: Record<string, ReportFormat> = {
  md: 'md',
  markdown: 'md',
  json: 'json',
  xml: 'junit',
  html: 'html',
  htm: 'html',
};

export function formatOf(file: string): ReportFormat {
  const ext = /\.([A-Za-z]+)$/.exec(file)?.[1]?.toLowerCase() ?? '';
  const f = BY_EXTENSION[ext];
  if (f === undefined)
    throw new ControllerErrors.BAD_ARGUMENT(`--report ${file}: the name must end in .md, .json, .xml (JUnit) or .html`);
  return f;
}

export function renderReport(format: ReportFormat, input: ReportInput): string {
  switch (format) {
    case 'md':
      return markdownReport(input);
    case 'json':
      return JSON.stringify(input.summary, null, 2) + '\n';
    case 'junit':
      return junitReport(input.summary);
    case 'html':
      return htmlReport(input);
  }
}

/**
 * A stored run's summary: its own once it ended with one; for a run that ended in error or was
 * interrupted, the partial summary of what it recorded, with its reason; undefined while it runs.
 */
export function storedSummary(
  store: Pick<RunStore, 'getRun' | 'getSummary' | 'getTiming' | 'getIntervals' | 'getMonitorSamples'>,
  id: string,
): Summary | undefined {
  const own = store.getSummary(id);
  if (own !== undefined) return own;
  const run = store.getRun(id);
  if (run === undefined || run.status === 'running') return undefined;
  return partialSummary(
    { ...run, status: run.status },
    store.getTiming(id)!,
    store.getIntervals(id),
    store.getMonitorSamples(id),
  );
}

/** A stored run's intervals, for the HTML report's charts. */
export function storedSeries(
  store: Pick<RunStore, 'getIntervals' | 'getTiming'>,
  id: string,
): NonNullable<ReportInput['series']> {
  return { intervalMs: store.getTiming(id)?.intervalMs ?? 1000, intervals: store.getIntervals(id) };
}
