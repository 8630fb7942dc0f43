// The sample target's accounts: the demo login plus 500 generated users, the
// same 500 as the bundled users-500.csv (scripts/make-users.ts writes that file
// from here, and a test checks the two agree), so the target needs no file.
// The passwords are derived from the names: test data, not secrets.
import { createHash } from 'node:crypto';

export interface Account {
  username: string;
  password: string;
}

export const SAMPLE_USER_COUNT = 500;

/** user001 … user500, each with its own password; the same on every call. */
export function sampleUsers(): Account[] {
  return Array.from({ length: SAMPLE_USER_COUNT }, (_v, i) => {
    const username = `user${String(i + 1).padStart(3, '0')}`;
    const password = `pw-${createHash('sha256').update(`barrage sample user ${username}`).digest('hex').slice(0, 16)}`;
    return { username, password };
  });
}

/** The users as CSV with a `username,password` header, as bundled for the users-500 built-in. */
export function sampleUsersCsv(): string {
  return ['username,password', ...sampleUsers().map((u) => `${u.username},${u.password}`), ''].join('\n');
}

/** Who may log in: username -> password, in a fixed order (the demo account first). */
export function accountTable(demo: Account): Map<string, string> {
  const table = new Map<string, string>([[demo.username, demo.password]]);
  for (const u of sampleUsers()) if (!table.has(u.username)) table.set(u.username, u.password);
  return table;
}
