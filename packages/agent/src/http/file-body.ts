// A body streamed from a file on the agent's disk (bodyFile:), 64 KiB at a
// time, never held whole: memory does not grow with file size x concurrency.
// Its length is the size the controller named and the agent checked when the
// plan came (run/body-files.ts); the read stops there, so a file that grew
// since sends no more, and one that shrank fails the request (undici refuses
// a body shorter than its Content-Length) instead of sending something else.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { OpenedBody, StreamedBody } from './streamed-body.ts';

export const FILE_CHUNK = 64 * 1024;

/** A fresh stream of the first `size` bytes of `path`. */
export function fileStream(path: string, size: number): Readable {
  if (size === 0) return Readable.from([]);
  return createReadStream(path, { start: 0, end: size - 1, highWaterMark: FILE_CHUNK });
}

export class FileBody implements StreamedBody, OpenedBody {
  readonly path: string;
  readonly length: number;
  readonly templated = false;

  constructor(path: string, size: number) {
    this.path = path;
    this.length = size;
  }

  open(): OpenedBody {
    return this;
  }

  stream(): Readable {
    return fileStream(this.path, this.length);
  }
}
