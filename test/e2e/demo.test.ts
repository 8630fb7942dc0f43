// The README's first command runs scripts/demo.ts: stress-100 on 2 local agents
// against the sample target. Its merged TOTAL must equal the target's own count
// (which also holds the one setup login).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/processes.ts';

test('the demo prints a merged summary that reconciles with the target', async () => {
  const r = await runCli(fileURLToPath(new URL('../../scripts/demo.ts', import.meta.url)), []);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /barrage · stress-100 · passed · 2 agent\(s\)/);
  // Counts are grouped by thousands in the table (1,234).
  const total = /^TOTAL\s+([\d,]+)\s/m.exec(r.stdout);
  const served = /the target's own count: (\d+) responses/.exec(r.stdout);
  assert.ok(total && served, r.stdout);
  assert.equal(
    Number(served[1]),
    Number(total[1]!.replace(/,/g, '')) + 1,
    'TOTAL + 1 setup login = what the target answered',
  );
  for (const name of ['health', 'sessions', 'ready', 'live']) {
    const row = new RegExp(`^${name}\\s+([\\d,]+)\\s.*?\\s(200:\\d+(?: 429:\\d+)?)\\s`, 'm').exec(r.stdout);
    assert.ok(row, `row for ${name}`);
    const route = name === 'sessions' ? 'GET /api/sessions/' : `GET /${name}`;
    assert.match(
      r.stdout,
      new RegExp(`^  ${route.replace(/\//g, '\\/')}\\s+${row[2]}$`, 'm'),
      `${name}: barrage's status counts equal the target's`,
    );
  }
});
