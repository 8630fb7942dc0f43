// Whether this agent's copies of a plan's body files are the controller's:
// agents do not receive the bytes (a file may be gigabytes), they stream their
// own copy at the absolute path the plan names, so each copy is checked once
// per run, before Ready, for its size and SHA-256. A copy that differs or is
// missing refuses the plan with AGENT_BODY_FILE, naming the path: sending
// other bytes than the scenario's would make every figure of the run a lie.
// Read 1 MiB at a time; the plan's arrival waits for it (the controller's
// ready wait allows a second per 200 MB).
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { barrage } from '@barrage/proto';
import { AgentErrors } from '../errors.ts';
import { fileRefProblem } from './body-plan.ts';

const PIECE = 1024 * 1024;
const MAX_FILES = 1000;

/** Every file reference of the plan, once per path. */
function refsOf(a: barrage.v1.Assign.$Properties): barrage.v1.FileRef.$Properties[] {
  const out = new Map<string, barrage.v1.FileRef.$Properties>();
  for (const s of a.scenarios ?? [])
    for (const r of s.requests ?? []) {
      const refs = [r.bodyFile, ...(r.multipart?.parts ?? []).map((p) => p.file)];
      for (const f of refs) if (f) out.set(`${f.path}\n${f.size}\n${f.sha256}`, f);
    }
  return [...out.values()];
}

/** Throws AGENT_BODY_FILE for the first file this agent does not hold as the plan names it. */
export function verifyBodyFiles(a: barrage.v1.Assign.$Properties): void {
  const refs = refsOf(a);
  if (refs.length > MAX_FILES) throw new AgentErrors.BAD_ASSIGN(`${refs.length} body files`);
  for (const f of refs) {
    const why = fileRefProblem(f);
    if (why !== undefined) throw new AgentErrors.BAD_ASSIGN(`body file: ${why}`);
    const differs = copyProblem(f.path!, f.size ?? 0, f.sha256!);
    if (differs !== undefined) throw new AgentErrors.BODY_FILE(f.path!, differs);
  }
}

/** Why this agent's file at `path` is not `size` bytes hashing to `sha256`; undefined when it is. */
function copyProblem(path: string, size: number, sha256: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? 'no such file on this agent (copy it to the same path on every agent host)'
      : `cannot read it (${code})`;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return 'not a regular file on this agent';
    if (st.size !== size) return `${st.size} bytes on this agent, ${size} at the controller`;
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(PIECE);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) hash.update(buf.subarray(0, n));
    if (hash.digest('hex') !== sha256) return "its content differs from the controller's copy (SHA-256)";
    return undefined;
  } catch (err) {
    return `cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  } finally {
    closeSync(fd);
  }
}
