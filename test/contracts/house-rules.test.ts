// The floor plan's rules that no formatter or linter checks: no source file over
// 400 lines (generated code aside; tests, benches and scripts included), every
// source file opens with a comment saying what it is for, and the controller
// imports nothing from the agent (what both mean by a scenario is in core).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MAX_LINES = 400;

/** The repository's TypeScript and JavaScript files, as git knows them (tracked or new, not ignored). */
function sourceFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.js', '*.mjs'], {
    cwd: root,
    encoding: 'utf8',
  });
  return out.split('\n').filter((f) => f !== '' && !f.includes('/generated/') && !f.includes('node_modules/'));
}

const lines = (f: string) => readFileSync(`${root}${f}`, 'utf8').split('\n').length - 1;

test(`no source file is over ${MAX_LINES} lines`, () => {
  const files = sourceFiles();
  assert.ok(files.length > 100, `found only ${files.length} files`);
  const over = files.map((f) => [f, lines(f)] as const).filter(([, n]) => n > MAX_LINES);
  assert.deepEqual(over, [], 'split these by concept');
});

test('every package source file opens with a comment saying what it is for', () => {
  const missing = sourceFiles()
    .filter((f) => /^packages\/[^/]+\/src\//.test(f))
    .filter((f) => !/^(#![^\n]*\n)?\s*(\/\/|\/\*)/.test(readFileSync(`${root}${f}`, 'utf8')));
  assert.deepEqual(missing, []);
});

test('the controller imports nothing from the agent', () => {
  const hits = sourceFiles()
    .filter((f) => f.startsWith('packages/controller/src/'))
    .filter((f) =>
      /from ['"]@barrage\/agent|import\(['"]@barrage\/agent|packages\/agent\//.test(
        readFileSync(`${root}${f}`, 'utf8'),
      ),
    );
  assert.deepEqual(hits, []);
});
