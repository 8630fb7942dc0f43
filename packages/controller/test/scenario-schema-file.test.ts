// The published schemas/scenario.schema.json is the schema the controller
// validates with (regenerate with npm run gen), and on its own, with a plain
// JSON Schema validator, it accepts every built-in and rejects a broken one.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { schemaFile, schemaText } from '../../../scripts/gen-schema.ts';
import { builtinScenarios } from '../src/scenario/read.ts';

test('schemas/scenario.schema.json is up to date', () => {
  assert.equal(readFileSync(schemaFile, 'utf8'), schemaText(), 'stale: run npm run gen');
});

test('the published schema alone validates the built-ins and reports errors with paths', () => {
  const validate = new Ajv({ allErrors: true, strict: false }).compile(
    JSON.parse(readFileSync(schemaFile, 'utf8')) as object,
  );
  for (const name of builtinScenarios()) {
    const doc = parse(readFileSync(new URL(`../scenarios/${name}.yaml`, import.meta.url), 'utf8')) as unknown;
    assert.ok(validate(doc), `${name}: ${JSON.stringify(validate.errors)}`);
  }
  assert.equal(
    validate({
      name: 'x',
      requests: [{ name: 'a', path: '/a' }],
      scenarios: [{ name: 's', executor: 'constant-vus', vus: 0 }],
    }),
    false,
  );
  assert.ok(validate.errors!.some((e) => e.instancePath === '/scenarios/0/vus'));
});
