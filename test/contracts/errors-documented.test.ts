// Every coded error in the source is documented in docs/errors.md, and every
// documented code exists (fastify's rule for FST_ERR_*).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { AgentErrors } from '@barrage/agent';
import { ControllerErrors } from '@barrage/controller';
import { ProtoErrors } from '@barrage/proto';

test('error codes and docs/errors.md agree', () => {
  const inSource = new Set(
    [ProtoErrors, AgentErrors, ControllerErrors].flatMap((m) =>
      Object.values(m).map((E) => (E as unknown as { code: string }).code),
    ),
  );
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const inDocs = new Set([...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!));
  assert.deepEqual(
    [...inSource].filter((c) => !inDocs.has(c)),
    [],
    'codes missing from docs/errors.md',
  );
  assert.deepEqual(
    [...inDocs].filter((c) => !inSource.has(c)),
    [],
    'documented codes that do not exist',
  );
});
