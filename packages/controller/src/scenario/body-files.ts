// The files a scenario sends as bodies (bodyFile, multipart parts' file): read
// once here, relative to the scenario file like data files, for their size and
// SHA-256. Agents never receive the bytes: each streams its own copy at the
// absolute path named in the plan and refuses the plan when that copy differs
// (docs/scenarios.md "Bodies"). Hashing reads the file in 1 MiB pieces, so the
// controller's memory does not grow with the file either. A scenario posted
// to the API has no folder and may name no file.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { DataOrigin } from './data-sources.ts';
import type { FileRefDef, RequestDef } from './scenario.ts';

/** What one request may send from one file. */
export const MAX_BODY_FILE_BYTES = 10 * 1024 ** 3;
const PIECE = 1024 * 1024;

/** Every file reference of the requests, with its path in the document. */
function fileRefs(requests: readonly RequestDef[]): Array<[string, FileRefDef]> {
  const out: Array<[string, FileRefDef]> = [];
  requests.forEach((r, i) => {
    if (r.bodyFile !== undefined) out.push([`/requests/${i}/bodyFile`, r.bodyFile]);
    r.multipart?.parts.forEach((p, j) => {
      if (p.file !== undefined) out.push([`/requests/${i}/multipart/parts/${j}/file`, p.file]);
    });
  });
  return out;
}

/**
 * Reads every file the requests send (in place: each reference gets its absolute path, size and
 * hash), adding each problem with its path. A stored run's document (origin.record) reads none.
 */
export function readBodyFiles(requests: readonly RequestDef[], origin: DataOrigin, problems: string[]): void {
  if (origin.record === true) return;
  const seen = new Map<string, { size: number; sha256: string } | undefined>();
  for (const [path, ref] of fileRefs(requests)) {
    if (ref.path.includes('\0')) {
      problems.push(`${path}: a file name cannot hold a NUL character`);
      continue;
    }
    if (origin.dir === undefined) {
      problems.push(
        `${path}: a scenario sent to the controller may not name files; agents stream ${ref.path} from their own disks at the path the controller resolves, so start it with controller start where the file is`,
      );
      continue;
    }
    const full = isAbsolute(ref.path) ? ref.path : resolve(origin.dir, ref.path);
    if (!seen.has(full)) seen.set(full, readOne(full, ref.path, origin.dir, path, problems));
    const read = seen.get(full);
    if (read === undefined) continue;
    ref.path = full;
    ref.size = read.size;
    ref.sha256 = read.sha256;
  }
}

/** Size and SHA-256 of one regular file, read in pieces; undefined (with a problem) when it cannot be sent. */
function readOne(
  full: string,
  written: string,
  dir: string,
  path: string,
  problems: string[],
): { size: number; sha256: string } | undefined {
  let fd: number;
  try {
    fd = openSync(full, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push(`${path}: cannot read ${written} (${code === 'ENOENT' ? `no such file in ${dir}` : code})`);
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      problems.push(`${path}: ${written} is not a regular file`);
      return undefined;
    }
    if (st.size > MAX_BODY_FILE_BYTES) {
      problems.push(`${path}: ${written} is ${st.size} bytes; at most ${MAX_BODY_FILE_BYTES} (10GB) are allowed`);
      return undefined;
    }
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(PIECE);
    let size = 0;
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) {
      hash.update(buf.subarray(0, n));
      size += n;
    }
    return { size, sha256: hash.digest('hex') };
  } catch (err) {
    problems.push(`${path}: cannot read ${written} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Bytes of every file the requests send: the agents hash each when the plan arrives. */
export const bodyFileBytes = (requests: readonly RequestDef[]): number =>
  fileRefs(requests).reduce((a, [, ref]) => a + ref.size, 0);
