// Golden round-trip: fixed messages encode to committed bytes and decode back
// unchanged. A failure here means the wire format changed.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeEnvelope, Envelope, encodeEnvelope } from '../src/framing.ts';
import { goldenEnvelopes } from './golden-envelope.ts';

const goldenPath = new URL('./golden.json', import.meta.url);

test('golden envelopes encode to the committed bytes and decode back', () => {
  const encoded = Object.fromEntries(
    Object.entries(goldenEnvelopes).map(([k, v]) => [k, Buffer.from(encodeEnvelope(v)).toString('hex')]),
  );
  if (process.env.BARRAGE_UPDATE_GOLDEN === '1') writeFileSync(goldenPath, JSON.stringify(encoded, null, 2) + '\n');
  const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as Record<string, string>;
  assert.deepEqual(Object.keys(encoded).sort(), Object.keys(golden).sort());
  for (const [name, hex] of Object.entries(golden)) {
    assert.equal(encoded[name], hex, `${name} bytes changed`);
    const back = decodeEnvelope(Buffer.from(hex, 'hex'));
    const expected = Envelope.toObject(Envelope.fromObject(goldenEnvelopes[name]!), { defaults: true, bytes: String });
    assert.deepEqual(Envelope.toObject(back, { defaults: true, bytes: String }), expected, `${name} round trip`);
  }
});

test('decodeEnvelope turns garbage into coded errors', () => {
  assert.throws(() => decodeEnvelope(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f])), { code: 'PROTO_FRAME_INVALID' });
  assert.throws(() => decodeEnvelope(new Uint8Array(0)), { code: 'PROTO_FRAME_EMPTY' });
  assert.throws(() => decodeEnvelope(new Uint8Array(10), 5), { code: 'PROTO_FRAME_TOO_LARGE' });
});
