// Writes the bundled users CSV for the users-500 built-in from the sample
// target's own account list, so the file and the accounts the target accepts
// cannot drift apart (test/users.test.ts checks the file is what this writes).
// Run from the repository root: node packages/sample-target/scripts/make-users.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sampleUsersCsv } from '../src/users.ts';

export const USERS_CSV = fileURLToPath(new URL('../../controller/scenarios/data/users-500.csv', import.meta.url));

if (import.meta.main) {
  writeFileSync(USERS_CSV, sampleUsersCsv());
  process.stdout.write(`wrote ${USERS_CSV}\n`);
}
