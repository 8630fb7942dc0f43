// Command lines written in deploy/ (Kubernetes args, Compose commands, systemd
// ExecStart) checked against the flags the CLIs really have, read from their
// own --help, so a renamed or removed flag fails the manifests' test instead
// of a deployment.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The CLIs by the names the image's entrypoint takes, as paths from the repository root. */
export const BIN = {
  controller: 'packages/controller/src/cli/main.ts',
  agent: 'packages/agent/src/cli.ts',
  'sample-target': 'packages/sample-target/src/cli.ts',
} as const;
export type Bin = keyof typeof BIN;

/** A CLI's flags, read from its own --help: flag name -> whether it takes a value. */
type Flags = Map<string, boolean>;
const helpCache = new Map<string, Flags>();

function flagsOf(bin: Bin, sub?: string): Flags {
  const key = `${bin} ${sub ?? ''}`;
  const cached = helpCache.get(key);
  if (cached) return cached;
  const out = execFileSync(process.execPath, [BIN[bin], ...(sub ? [sub] : []), '--help'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const flags: Flags = new Map();
  for (const m of out.matchAll(/^\s+(?:-\w, )?(--[a-z][a-z-]*)( <[^>]+>| \[[^\]]+\])?/gm))
    flags.set(m[1]!, m[2] !== undefined);
  assert.ok(flags.size > 1, `no flags parsed from ${key} --help`);
  helpCache.set(key, flags);
  return flags;
}

const SUBCOMMANDS: Record<Bin, readonly string[]> = { controller: ['start', 'serve'], agent: [], 'sample-target': [] };

/**
 * Checks a command line as the image's entrypoint takes it (binary name, then its
 * arguments) and returns its flags with their values (repeatable flags collected).
 */
export function checkCommand(
  argv: readonly string[],
  where: string,
): { bin: Bin; sub?: string; flags: Map<string, string[]> } {
  const bin = argv[0] as Bin;
  assert.ok(bin in BIN, `${where}: first argument ${argv[0]} is not one of ${Object.keys(BIN).join(', ')}`);
  let i = 1;
  let sub: string | undefined;
  if (SUBCOMMANDS[bin].length > 0) {
    sub = argv[1];
    assert.ok(
      sub !== undefined && SUBCOMMANDS[bin].includes(sub),
      `${where}: ${bin} needs one of ${SUBCOMMANDS[bin].join(', ')}, got ${sub}`,
    );
    i = 2;
  }
  const known = flagsOf(bin, sub);
  const flags = new Map<string, string[]>();
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    assert.ok(a.startsWith('--'), `${where}: stray argument ${JSON.stringify(a)} (after ${argv[i - 1]})`);
    assert.ok(known.has(a), `${where}: ${bin}${sub ? ` ${sub}` : ''} has no flag ${a}`);
    const values = flags.get(a) ?? [];
    if (known.get(a)) {
      const v = argv[++i];
      assert.ok(v !== undefined && !v.startsWith('--'), `${where}: ${a} needs a value`);
      values.push(v);
    } else values.push('true');
    flags.set(a, values);
  }
  return { bin, ...(sub ? { sub } : {}), flags };
}

export const one = (flags: Map<string, string[]>, name: string): string | undefined => flags.get(name)?.at(-1);
