// The agent's multipart bodies, cut into arbitrary chunks, are read by the
// sample target's streaming counter as exactly the parts that were sent: the
// declared Content-Length is the byte count, each part has its bytes (a
// generated part `size`, a file part the file's, byte for byte), and a field
// holding a flow variable carries the value of this request's scope.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MultipartBody } from '@barrage/agent';
import fc from 'fast-check';
import { MultipartCounter } from '../../packages/sample-target/src/multipart-counter.ts';

async function bytesOf(body: MultipartBody, scope: Map<string, string> | null = null) {
  const opened = body.open(scope)!;
  const chunks: Buffer[] = [];
  for await (const c of opened.stream()) chunks.push(c as Buffer);
  return { all: Buffer.concat(chunks), length: opened.length };
}

function parse(all: Buffer, contentType: string, cuts: number[]): MultipartCounter {
  const counter = new MultipartCounter(/boundary=(.+)$/.exec(contentType)![1]!);
  let at = 0;
  for (let i = 0; at < all.length; i++) {
    const n = cuts[i % cuts.length]!;
    counter.write(all.subarray(at, at + n));
    at += n;
  }
  assert.ok(counter.done);
  return counter;
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
          fields: Object.entries(fields).map(([name, value]) => ({ name, value })),
          parts: [{ field: 'file', filename: 'a.mp3', contentType: 'audio/mpeg', size }],
        });
        const { all, length } = await bytesOf(body);
        assert.equal(all.length, length, 'Content-Length equals the bytes streamed');
        const counter = parse(all, body.contentType, cuts);
        const file = counter.parts.find((p) => p.filename !== null)!;
        assert.deepEqual({ ...file }, { field: 'file', filename: 'a.mp3', contentType: 'audio/mpeg', bytes: size });
        assert.equal(counter.parts.length, Object.keys(fields).length + 1);
      },
    ),
    { numRuns: 60 },
  );
});

test('file parts beside a generated one: the files byte for byte, flow variables from the scope', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-parts-'));
  const a = Buffer.from(Array.from({ length: 200_001 }, (_v, i) => (i * 7) % 251));
  const b = Buffer.from('second file\r\n--not-a-boundary\r\n');
  writeFileSync(join(dir, 'a.bin'), a);
  writeFileSync(join(dir, 'b.txt'), b);
  const body = new MultipartBody({
    fields: [{ name: 'owner', value: ['user-', { v: 'user' }, ''] }],
    parts: [
      {
        field: 'a',
        filename: 'a.bin',
        contentType: 'application/octet-stream',
        size: a.length,
        file: join(dir, 'a.bin'),
      },
      {
        field: 'b',
        filename: ['', { v: 'user' }, '.txt'],
        contentType: 'text/plain',
        size: b.length,
        file: join(dir, 'b.txt'),
      },
      { field: 'g', filename: 'gen.bin', contentType: 'application/octet-stream', size: 70_000 },
    ],
  });
  assert.equal(body.templated, true);
  assert.equal(body.open(new Map()), undefined, 'a flow variable not captured: no body');
  const { all, length } = await bytesOf(body, new Map([['user', 'ann']]));
  assert.equal(all.length, length);
  const counter = parse(all, body.contentType, [4096, 1, 65_537]);
  assert.deepEqual(
    counter.parts.map((p) => ({ ...p })),
    [
      { field: 'owner', filename: null, contentType: null, bytes: 8 },
      { field: 'a', filename: 'a.bin', contentType: 'application/octet-stream', bytes: a.length },
      { field: 'b', filename: 'ann.txt', contentType: 'text/plain', bytes: b.length },
      { field: 'g', filename: 'gen.bin', contentType: 'application/octet-stream', bytes: 70_000 },
    ],
  );
  assert.ok(all.includes(Buffer.concat([Buffer.from('\r\n\r\n'), a, Buffer.from('\r\n--')])), 'file a sent as it is');
  assert.ok(all.includes(Buffer.concat([b, Buffer.from('\r\n--')])), 'file b sent as it is');
  assert.ok(all.includes(Buffer.from('\r\n\r\nuser-ann\r\n')), 'the field holds the scope value');
});

test('a 50 MB upload streams from one shared 64 KiB chunk', async () => {
  const body = new MultipartBody({
    fields: [],
    parts: [{ field: 'f', filename: 'x', contentType: 'application/octet-stream', size: 50 * 1024 * 1024 }],
  });
  const opened = body.open(null)!;
  const seen = new Set<ArrayBufferLike>();
  let total = 0;
  for await (const c of opened.stream()) {
    total += (c as Buffer).length;
    seen.add((c as Buffer).buffer);
  }
  assert.equal(total, opened.length);
  // head, tail and the one file chunk: no buffer per 64 KiB of payload.
  assert.ok(seen.size <= 3, `${seen.size} distinct buffers`);
});
