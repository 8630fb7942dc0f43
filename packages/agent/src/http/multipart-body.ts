// A multipart/form-data upload of generated content, produced while it is
// sent. One 64 KiB chunk of fixed pseudo-random bytes is shared by every
// upload, so an agent's memory does not grow with size × concurrency; the
// exact Content-Length is known up front (no chunked encoding).
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';

const CHUNK = makeChunk(64 * 1024);

/** Fixed bytes (xorshift32): incompressible enough, identical run to run. */
function makeChunk(size: number): Buffer {
  const b = Buffer.alloc(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  return b;
}

export interface MultipartSpec {
  field: string;
  filename: string;
  contentType: string;
  size: number;
  fields: ReadonlyArray<{ name: string; value: string }>;
}

const quoted = (s: string) => s.replace(/["\\\r\n]/g, (c) => encodeURIComponent(c));

export class MultipartBody {
  readonly contentType: string;
  readonly length: number;
  readonly fileSize: number;
  private readonly head: Buffer;
  private readonly tail: Buffer;

  constructor(spec: MultipartSpec) {
    const boundary = `barrage-${randomUUID()}`;
    this.contentType = `multipart/form-data; boundary=${boundary}`;
    let head = '';
    for (const f of spec.fields) {
      head += `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(f.name)}"\r\n\r\n${f.value}\r\n`;
    }
    head +=
      `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(spec.field)}"; filename="${quoted(spec.filename)}"\r\n` +
      `Content-Type: ${spec.contentType.replace(/[\r\n]/g, '')}\r\n\r\n`;
    this.head = Buffer.from(head);
    this.tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    this.fileSize = spec.size;
    this.length = this.head.length + spec.size + this.tail.length;
  }

  /** A fresh stream of the whole body, for one request. */
  stream(): Readable {
    return Readable.from(chunks(this.head, this.fileSize, this.tail), {
      objectMode: false,
      highWaterMark: CHUNK.length,
    });
  }
}

function* chunks(head: Buffer, size: number, tail: Buffer): Generator<Buffer> {
  yield head;
  let left = size;
  while (left > 0) {
    const n = Math.min(left, CHUNK.length);
    yield n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n);
    left -= n;
  }
  yield tail;
}
