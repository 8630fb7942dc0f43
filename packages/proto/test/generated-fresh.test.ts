// Fails when src/generated/ no longer matches barrage.proto: run `npm run gen`.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { generate } from '../scripts/gen.ts';

test('committed generated code matches barrage.proto', () => {
  const fresh = generate();
  const dir = new URL('../src/generated/', import.meta.url);
  assert.equal(readFileSync(new URL('barrage.js', dir), 'utf8'), fresh.js, 'barrage.js is stale: run npm run gen');
  assert.equal(readFileSync(new URL('barrage.d.ts', dir), 'utf8'), fresh.dts, 'barrage.d.ts is stale: run npm run gen');
});
