// Picks a report format: by name (md, json, junit, html) or by a file's
// extension (.md, .json, .xml, .html). JSON is the summary itself.
import { junitReport } from './report-junit.ts';
import { markdownReport, type ReportInput } from './report-markdown.ts';
import { ControllerErrors } from './errors.ts';

export type ReportFormat = 'md' | 'json' | 'junit' | 'html';

const BY_EXTENSION: Record<string, ReportFormat> = { md: 'md', markdown: 'md', json: 'json', xml: 'junit', html: 'html', htm: 'html' };

export function formatOf(file: string): ReportFormat {
  const ext = /\.([A-Za-z]+)$/.exec(file)?.[1]?.toLowerCase() ?? '';
  const f = BY_EXTENSION[ext];
  if (f === undefined) throw new ControllerErrors.BAD_ARGUMENT(`--report ${file}: the name must end in .md, .json, .xml (JUnit) or .html`);
  return f;
}

export function renderReport(format: ReportFormat, input: ReportInput): string {
  switch (format) {
    case 'md': return markdownReport(input);
    case 'json': return JSON.stringify(input.summary, null, 2) + '\n';
    case 'junit': return junitReport(input.summary);
    case 'html': return htmlReport(input);
  }
}

/** A self-contained page holding the Markdown report (the charted page belongs to the live view). */
function htmlReport(input: ReportInput): string {
  const md = markdownReport(input).replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>barrage · ${input.summary.run.scenario.replace(/[<>&"]/g, '')}</title>
<style>body{font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace;margin:2rem;max-width:110ch}pre{white-space:pre-wrap}</style>
</head><body><pre>${md}</pre></body></html>
`;
}
