// How every command says it failed: one line on stderr, `error CODE: message`,
// the code a script can match on (errors.ts, docs/errors.md). Where a progress
// display owns the terminal, its writer is passed in so the line lands above it.
export type LineWriter = (line: string) => void;

export const toStderr: LineWriter = (line) => {
  process.stderr.write(`${line}\n`);
};

/** `error CODE: message`; an error without a code keeps the empty slot (`error : …`), as it always printed. */
export function printError(e: unknown, write: LineWriter = toStderr): void {
  write(`error ${(e as { code?: string }).code ?? ''}: ${(e as Error).message}`);
}

/** A refusal the command makes itself, under a code of errors.ts. */
export function printRefusal(code: string, message: string, write: LineWriter = toStderr): void {
  write(`error ${code}: ${message}`);
}
