// The files the dashboard's pages load, also inlined into the HTML report:
// uPlot from its npm package and the dashboard's own scripts and styles
// (assets/), read from disk once, on first use. assets/units.js is core's
// units.ts with its types stripped (test/units-asset.test.ts keeps it so): the
// browser prints figures with the terminal's code.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const uplotDir = new URL('./', pathToFileURL(require.resolve('uplot/dist/uPlot.iife.min.js')));
const own = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');

let assets: Record<string, { type: string; body: string }> | undefined;

/** Every asset the pages load, by URL: type and body (read from disk once, on first use). */
export function dashboardAssets(): Record<string, { type: string; body: string }> {
  return (assets ??= {
    '/assets/uplot.js': {
      type: 'text/javascript; charset=utf-8',
      body: readFileSync(new URL('uPlot.iife.min.js', uplotDir), 'utf8'),
    },
    '/assets/uplot.css': {
      type: 'text/css; charset=utf-8',
      body: readFileSync(new URL('uPlot.min.css', uplotDir), 'utf8'),
    },
    '/assets/units.js': { type: 'text/javascript; charset=utf-8', body: own('units.js') },
    '/assets/charts.js': { type: 'text/javascript; charset=utf-8', body: own('charts.js') },
    '/assets/dashboard.js': { type: 'text/javascript; charset=utf-8', body: own('dashboard.js') },
    '/assets/dashboard.css': { type: 'text/css; charset=utf-8', body: own('dashboard.css') },
  });
}
