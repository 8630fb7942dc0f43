// The HTML report: the Markdown report as one self-contained page, with the
// run's charts drawn by the dashboard's own chart code, and the
// Content-Security-Policy it is served with from the API.
import { createHash } from 'node:crypto';
import { dashboardAssets } from '../dashboard/static-assets.ts';
import { markdownReport } from './markdown.ts';
import { escapeHtml, markdownToHtml } from './markdown-html.ts';
import type { ReportInput } from './report-input.ts';

/**
 * One self-contained page: the seed-style report as HTML, and the run's charts drawn by the
 * dashboard's own chart code with uPlot, all inline (data, scripts, styles): it opens from disk
 * with no network. Without interval data (none stored) the charts section says so.
 */
export function htmlReport(input: ReportInput): string {
  const assets = dashboardAssets();
  // Inline text must not close its element early.
  const script = (js: string) => `<script>${js.replace(/<\/script/gi, '<\\/script')}</script>`;
  const series = input.series;
  const data = JSON.stringify(
    series === undefined
      ? null
      : { intervalMs: series.intervalMs, intervals: series.intervals, monitors: input.monitorSamples },
  ).replace(/</g, '\\u003c');
  const title = escapeHtml(`barrage · ${input.summary.run.scenario}`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>${assets['/assets/uplot.css']!.body}</style>
<style>${assets['/assets/dashboard.css']!.body}</style>
</head><body data-page="report"><main>
<article class="report">
${withCharts(markdownToHtml(markdownReport(input)), `<section id="charts" class="charts"><h2>Charts</h2>${series === undefined || series.intervals.length === 0 ? '<p class="muted">No interval data was stored for this run.</p>' : ''}</section>`)}
</article></main>
<script type="application/json" id="barrage-series">${data}</script>
${script(assets['/assets/uplot.js']!.body)}
${script(assets['/assets/units.js']!.body)}
${script(assets['/assets/charts.js']!.body)}
${script(`(function () {
  var model = JSON.parse(document.getElementById('barrage-series').textContent);
  if (model !== null && model.intervals.length > 0) BarrageCharts.create(document.getElementById('charts'), model);
  document.body.setAttribute('data-charts-drawn', model === null ? '0' : String(model.intervals.length > 0 ? 1 : 0));
})();`)}
</body></html>
`;
}

/**
 * The Content-Security-Policy an HTML report is served with: its own inline scripts (by hash)
 * and nothing else; no requests at all (it holds everything it shows).
 */
export function reportCsp(html: string): string {
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
  );
  return `default-src 'none'; script-src ${hashes.join(' ') || "'none'"}; style-src 'unsafe-inline'; img-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

/** The charts go after the title and executive summary (before the second section), or at the end. */
function withCharts(html: string, charts: string): string {
  const first = html.indexOf('<h2>');
  const second = first < 0 ? -1 : html.indexOf('<h2>', first + 4);
  return second < 0 ? `${html}\n${charts}` : `${html.slice(0, second)}${charts}\n${html.slice(second)}`;
}
