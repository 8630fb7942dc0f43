// A request's streamed body from its RequestSpec: a multipart upload (one
// generated file, or parts that are files or generated) or a bodyFile. The
// plan's bytes are checked like everything else the controller sends: sizes,
// counts, and file references (an absolute path, a size, a SHA-256); whether
// this agent's copy of a file matches is body-files.ts's question.
import { isAbsolute } from 'node:path';
import type { Template } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import { FileBody } from '../http/file-body.ts';
import { MultipartBody, type MultipartPartSpec } from '../http/multipart-body.ts';
import type { StreamedBody } from '../http/streamed-body.ts';

/** What one part (or one file) may send: as the controller allows. */
export const MAX_UPLOAD_BYTES = 10 * 1024 ** 3;
const MAX_PARTS = 20;
const MAX_FIELDS = 100;
const SHA256 = /^[0-9a-f]{64}$/;

/** A file reference's problem, or undefined when it is well formed. */
export function fileRefProblem(f: barrage.v1.FileRef.$Properties): string | undefined {
  const path = f.path ?? '';
  if (!isAbsolute(path) || path.length > 4096 || path.includes('\0')) return 'the file path must be absolute';
  const size = f.size ?? 0;
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_UPLOAD_BYTES) return `file size ${size}`;
  if (!SHA256.test(f.sha256 ?? '')) return 'the file has no SHA-256';
  return undefined;
}

/**
 * The request's streamed body, or null when it has none. `compile` fills run variables and keeps
 * flow variables (multipart fields, field names, filenames and content types may hold them).
 */
export function prepareStreamedBody(
  r: barrage.v1.RequestSpec.$Properties,
  compile: (text: string) => Template,
  bad: (why: string) => Error,
): StreamedBody | null {
  const hasBody = r.body !== undefined && r.body !== null && r.body.length > 0;
  if (r.bodyFile && r.multipart) throw bad('a body file and a multipart upload');
  if ((r.bodyFile || r.multipart) && hasBody) throw bad('a body and a streamed body');
  if (r.bodyFile) {
    const why = fileRefProblem(r.bodyFile);
    if (why !== undefined) throw bad(`body file: ${why}`);
    return new FileBody(r.bodyFile.path!, r.bodyFile.size ?? 0);
  }
  if (!r.multipart) return null;
  const m = r.multipart;
  const fields = m.fields ?? [];
  if (fields.length > MAX_FIELDS) throw bad(`${fields.length} multipart fields`);
  const size = (n: number | null | undefined) => {
    const v = n ?? 0;
    if (!Number.isSafeInteger(v) || v < 0 || v > MAX_UPLOAD_BYTES) throw bad(`upload size ${v}`);
    return v;
  };
  const given = m.parts ?? [];
  if (given.length > MAX_PARTS) throw bad(`${given.length} multipart parts`);
  const parts: MultipartPartSpec[] =
    given.length === 0
      ? [
          {
            field: compile(m.field || 'file'),
            filename: compile(m.filename || 'upload.bin'),
            contentType: compile(m.contentType || 'application/octet-stream'),
            size: size(m.size),
          },
        ]
      : given.map((p, i) => {
          if (!p.field) throw bad(`multipart part ${i}: no field`);
          if (p.file) {
            const why = fileRefProblem(p.file);
            if (why !== undefined) throw bad(`multipart part ${i}: ${why}`);
            if ((p.size ?? 0) !== 0) throw bad(`multipart part ${i}: a file and a generated size`);
          }
          return {
            field: compile(p.field),
            filename: compile(p.filename || 'upload.bin'),
            contentType: compile(p.contentType || 'application/octet-stream'),
            size: p.file ? size(p.file.size) : size(p.size),
            ...(p.file ? { file: p.file.path! } : {}),
          };
        });
  return new MultipartBody({
    fields: fields.map((f) => ({ name: compile(f.name ?? ''), value: compile(f.value ?? '') })),
    parts,
  });
}
