// Writes schemas/scenario.schema.json from the schema the controller validates
// with (npm run gen). Editors use the file for completion and hover text:
// `# yaml-language-server: $schema=<path>/schemas/scenario.schema.json`.
// packages/controller/test/scenario-schema-file.test.ts fails when it is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { scenarioSchema } from '../packages/controller/src/scenario/schema.ts';

export const schemaFile = new URL('../schemas/scenario.schema.json', import.meta.url);

export function schemaText(): string {
  return JSON.stringify(scenarioSchema, null, 2) + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(schemaFile, schemaText());
  process.stdout.write(`wrote ${fileURLToPath(schemaFile)}\n`);
}
