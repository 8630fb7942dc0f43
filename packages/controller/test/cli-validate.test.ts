// `controller validate FILE|NAME` and the command line's small comforts, as a
// user sees them: a valid scenario's one-line summary (exit 0, names of the
// ${env:} it reads but no values needed), an invalid one's coded error (exit 1),
// --version, and the per-user store path rule (XDG, else ~/.local/share).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { storeFile } from '../src/cli/config.ts';

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const controller = (...args: string[]) =>
  spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH } });

test('validate: a valid file, a built-in, an invalid file, a missing one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-validate-'));
  const good = join(dir, 'good.yaml');
  writeFileSync(
    good,
    [
      'name: good',
      'requests: [{ name: h, path: /health, headers: { x-key: "${env:GOOD_KEY}" } }]',
      'thresholds: ["rate(ok)>0.99", "p(95)<500ms"]',
      'scenarios: [{ name: c, executor: constant-vus, vus: 5, duration: 2s }]',
      '',
    ].join('\n'),
  );
  const ok = controller('validate', good);
  assert.deepEqual(
    [ok.status, ok.stdout, ok.stderr],
    [
      0,
      'scenario good is valid: 1 load model (constant-vus), 1 request, 2 thresholds, 0 monitors, load up to 2 s, reads ${env:} GOOD_KEY\n',
      '',
    ],
  );
  const builtin = controller('validate', 'health-100');
  assert.equal(builtin.status, 0, builtin.stderr);
  assert.match(builtin.stdout, /^scenario health-100 is valid: 1 load model \(shared-iterations\)/);

  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'name: bad\nrequests: [{ name: h, path: /health }]\nscenarios: [{ name: c, executor: nope }]\n');
  const invalid = controller('validate', bad);
  assert.equal(invalid.status, 1);
  assert.equal(invalid.stdout, '');
  assert.match(invalid.stderr, /^error SCENARIO_INVALID: /);
  const missing = controller('validate', join(dir, 'nowhere.yaml'));
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^error SCENARIO_NOT_FOUND: /);
});

test('--version names every package and the protocol', () => {
  const v = controller('--version');
  assert.equal(v.status, 0);
  assert.match(
    v.stdout,
    /^controller \d+\.\d+\.\d+ \(agent \d+\.\d+\.\d+, core \d+\.\d+\.\d+, proto \d+\.\d+\.\d+; protocol v1\)\n$/,
  );
});

test('the store: $BARRAGE_DB, else $XDG_DATA_HOME/barrage/barrage.db (absolute only), else ~/.local/share', () => {
  assert.equal(storeFile({ BARRAGE_DB: '/x/runs.db', XDG_DATA_HOME: '/d' }, '/home/u'), '/x/runs.db');
  assert.equal(storeFile({ XDG_DATA_HOME: '/d' }, '/home/u'), '/d/barrage/barrage.db');
  assert.equal(storeFile({ XDG_DATA_HOME: 'relative' }, '/home/u'), '/home/u/.local/share/barrage/barrage.db');
  assert.equal(storeFile({ BARRAGE_DB: '' }, '/home/u'), '/home/u/.local/share/barrage/barrage.db');
});
