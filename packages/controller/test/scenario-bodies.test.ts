// Scenario bodies: form (url-encoded once, variables marked |uri), bodyFile and
// multipart parts read relative to the scenario file (size and SHA-256), flow
// variables allowed in multipart fields and filenames, and the coded
// SCENARIO_INVALID errors with their paths.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseScenario } from '../src/scenario/read.ts';

const doc = (requests: string, extra = '') => `
name: b
baseUrl: http://127.0.0.1:1
requests:
${requests}
${extra}
scenarios: [{ name: s, executor: shared-iterations, vus: 1, iterations: 1 }]
`;

const invalid = (text: string, origin = {}) => {
  try {
    parseScenario(text, 'b', origin);
  } catch (err) {
    assert.equal((err as { code?: string }).code, 'SCENARIO_INVALID');
    return (err as Error).message;
  }
  assert.fail('accepted');
};

test('form: names and values encoded once, variables marked |uri, content type set', () => {
  const s = parseScenario(
    doc(
      `  - { name: a, method: POST, path: /t, form: { "user name": "a&b=c \${who}", n: 5, "k\${who}": x } }`,
      'vars: { who: "z z" }',
    ),
  );
  const r = s.requests[0]!;
  assert.equal(r.body, 'user%20name=a%26b%3Dc%20${who|uri}&n=5&k${who|uri}=x');
  assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
});

test('one body per request, with its path', () => {
  assert.match(
    invalid(doc(`  - { name: a, method: POST, path: /t, form: { a: b }, json: { a: 1 } }`)),
    /\/requests\/0: give one body: json, body, form, bodyFile or multipart/,
  );
  assert.match(
    invalid(doc(`  - { name: a, method: POST, path: /t, bodyFile: f.bin, multipart: { size: 1KB } }`)),
    /\/requests\/0: give one body/,
  );
  assert.match(
    invalid(doc(`  - { name: a, method: POST, path: /t, form: { a: "\${x|json}" } }`, 'vars: { x: "1" }')),
    /\/requests\/0\/form\/a: .*\|json/,
  );
});

test('bodyFile and file parts: read beside the scenario; refused for a scenario without a folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-bodies-'));
  writeFileSync(join(dir, 'f.bin'), 'hello');
  const sha = createHash('sha256').update('hello').digest('hex');
  const text = doc(`  - { name: a, method: PUT, path: /t, bodyFile: f.bin }
  - name: m
    method: POST
    path: /u
    multipart:
      fields: { owner: "\${uuid}" }
      parts: [{ field: doc, file: f.bin }, { field: g, size: 1KB, filename: "\${vu}.bin" }]`);
  const s = parseScenario(text, 'b', { dir });
  assert.deepEqual({ ...s.requests[0]!.bodyFile }, { path: join(dir, 'f.bin'), size: 5, sha256: sha });
  assert.equal(s.requests[0]!.headers['content-type'], 'application/octet-stream');
  const parts = s.requests[1]!.multipart!.parts;
  assert.equal(parts[0]!.filename, 'f.bin');
  assert.deepEqual({ ...parts[0]!.file }, { path: join(dir, 'f.bin'), size: 5, sha256: sha });
  assert.equal(parts[1]!.size, 1024);
  assert.match(invalid(text), /\/requests\/0\/bodyFile: a scenario sent to the controller may not name files/);
  assert.match(
    invalid(text.replace('bodyFile: f.bin', 'bodyFile: nope.bin'), { dir }),
    /\/requests\/0\/bodyFile: cannot read nope.bin \(no such file/,
  );
  assert.match(
    invalid(text.replace('method: PUT, ', ''), { dir }),
    /\/requests\/0\/method: a bodyFile needs POST, PUT or PATCH/,
  );
});

test('multipart: size or parts, each part file or size', () => {
  assert.match(
    invalid(doc(`  - { name: a, method: POST, path: /t, multipart: { fields: { a: b } } }`)),
    /\/requests\/0\/multipart: give size/,
  );
  assert.match(
    invalid(doc(`  - { name: a, method: POST, path: /t, multipart: { parts: [{ field: f }] } }`)),
    /\/requests\/0\/multipart\/parts\/0: give file \(from disk\) or size/,
  );
});
