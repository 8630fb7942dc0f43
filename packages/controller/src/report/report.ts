// Picks a report format: by name (md, json, junit, html) or by a file's
// extension (.md, .json, .xml, .html), and renders it. JSON is the summary
// itself; Markdown is markdown.ts, JUnit junit.ts, the HTML page html.ts.

import { ControllerErrors } from '../errors.ts';
import type { RunStore } from '../store/run-store.ts';
import { htmlReport } from './html.ts';
import { junitReport } from './junit.ts';
import { markdownReport, type ReportInput } from './markdown.ts';

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

/** A stored run's intervals, for the HTML report's charts. */
export function storedSeries(
  store: Pick<RunStore, 'getIntervals' | 'getTiming'>,
  id: string,
): NonNullable<ReportInput['series']> {
  return { intervalMs: store.getTiming(id)?.intervalMs ?? 1000, intervals: store.getIntervals(id) };
}
