// The dashboard's units.js is core's units.ts with its types stripped and its
// exports gathered on window.BarrageUnits: the browser (dashboard, HTML
// report, chart axes) prints figures with the very code the terminal and the
// Markdown report use. Kept in the repository, not stripped on each start,
// since node:module's stripTypeScriptTypes warns on stderr that it is
// experimental. UPDATE_GOLDEN=1 writes it again after units.ts changes.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import * as units from '../../core/src/units.ts';
import { dashboardAssets } from '../src/dashboard/static-assets.ts';

const source = new URL('../../core/src/units.ts', import.meta.url);
const asset = new URL('../src/dashboard/assets/units.js', import.meta.url);

/** units.ts as a classic browser script. */
function browserUnits(): string {
  const js = stripTypeScriptTypes(readFileSync(source, 'utf8'));
  const names = [...js.matchAll(/^export (?:function|const) (\w+)/gm)].map((m) => m[1]);
  return `// GENERATED from packages/core/src/units.ts (types stripped, exports on window.BarrageUnits) by
// packages/controller/test/units-asset.test.ts; UPDATE_GOLDEN=1 writes it again. Edit units.ts, not this.
(function () {
'use strict';
${js.replace(/^export /gm, '')}
window.BarrageUnits = { ${names.join(', ')} };
})();
`;
}

test('assets/units.js is units.ts with its types stripped', () => {
  const want = browserUnits();
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(asset, want);
  assert.equal(readFileSync(asset, 'utf8'), want, 'units.ts changed: run this test with UPDATE_GOLDEN=1');
});

test('the served script prints what the module prints', () => {
  const body = dashboardAssets()['/assets/units.js']?.body;
  assert.ok(body !== undefined, 'served at /assets/units.js');
  const window: { BarrageUnits?: Record<string, (...a: unknown[]) => string> } = {};
  runInNewContext(body, { window });
  const b = window.BarrageUnits!;
  const exported = Object.keys(units).sort();
  assert.deepEqual(Object.keys(b).sort(), exported);
  const values = [Number.NaN, null, 0, 0.001, 0.843, 4.2, 67.31, 999.7, 1250, 589_824, 42_200_000, -3.5, 1e12];
  for (const name of exported) {
    const f = (units as Record<string, unknown>)[name];
    if (typeof f !== 'function') {
      assert.equal(b[name], f, name);
      continue;
    }
    for (const v of values) {
      const args = name.startsWith('formatMonitor')
        ? ['rss', v]
        : name === 'formatThresholdValue'
          ? ['growth(rss)<50MB', v]
          : name === 'formatLatency'
            ? [v, 1]
            : [v];
      assert.deepEqual(b[name]!(...args), (f as (...a: unknown[]) => unknown)(...args), `${name}(${args.join(', ')})`);
    }
  }
});
