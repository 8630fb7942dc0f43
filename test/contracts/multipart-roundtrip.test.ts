// The agent's generated multipart body, cut into arbitrary chunks, is read by
// the sample target's streaming counter as exactly the parts that were sent:
// the declared Content-Length is the byte count, the file part has `size` bytes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MultipartBody } from '@barrage/agent';
import fc from 'fast-check';
import { MultipartCounter } from '../../packages/sample-target/src/multipart-counter.ts';

async function bytesOf(body: MultipartBody): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body.stream()) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('generated uploads have their declared length and parse back to the same parts, however they are cut', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 300_000 }),
      fc.dictionary(
        fc.stringMatching(/^[a-z]{1,8}$/),
        fc.string({ maxLength: 40 }).filter((v) => !v.includes('\r\n--')),
        { maxKeys: 3 },
      ),
      fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 20 }),
      async (size, fields, cuts) => {
        const body = new MultipartBody({
          field: 'file',
          filename: 'a.mp3',
          contentType: 'audio/mpeg',
          size,
          fields: Object.entries(fields).map(([name, value]) => ({ name, value })),
        });
        const all = await bytesOf(body);
        assert.equal(all.length, body.length, 'Content-Length equals the bytes streamed');
        const boundary = /boundary=(.+)$/.exec(body.contentType)![1]!;
        const counter = new MultipartCounter(boundary);
        let at = 0;
        for (let i = 0; at < all.length; i++) {
          const n = cuts[i % cuts.length]!;
          counter.write(all.subarray(at, at + n));
          at += n;
        }
        assert.ok(counter.done);
        const file = counter.parts.find((p) => p.filename !== null)!;
        assert.deepEqual({ ...file }, { field: 'file', filename: 'a.mp3', contentType: 'audio/mpeg', bytes: size });
        assert.equal(counter.parts.length, Object.keys(fields).length + 1);
      },
    ),
    { numRuns: 60 },
  );
});

test('a 50 MB upload streams from one shared 64 KiB chunk', async () => {
  const body = new MultipartBody({
    field: 'f',
    filename: 'x',
    contentType: 'application/octet-stream',
    size: 50 * 1024 * 1024,
    fields: [],
  });
  const seen = new Set<ArrayBufferLike>();
  let total = 0;
  for await (const c of body.stream()) {
    total += (c as Buffer).length;
    seen.add((c as Buffer).buffer);
  }
  assert.equal(total, body.length);
  // head, tail and the one file chunk: no buffer per 64 KiB of payload.
  assert.ok(seen.size <= 3, `${seen.size} distinct buffers`);
});
