// What the controller's command line can be told and where each default comes
// from: the environment variables it reads, every flag default, the parsers of
// flag values, and the flags `start` and `serve` share. main.ts declares the
// commands with these; nothing else in cli/ reads process.env for settings.

import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { MAX_WORKERS, parseWorkerCount } from '@barrage/core';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { generateToken } from '../cluster/token.ts';
import type { ControllerGuardOptions } from '../plan/target-policy.ts';
import { parseDuration } from '../scenario/units.ts';

/** Environment variables the controller reads (docs/cli.md). */
export const ENV = {
  /** The run store file (default: storeFile() under the XDG data directory). */
  db: 'BARRAGE_DB',
  /** The XDG base directory for user data; the store is barrage/barrage.db under it. */
  dataHome: 'XDG_DATA_HOME',
  /** The agents' token (and the API's, unless BARRAGE_API_TOKEN). */
  token: 'BARRAGE_TOKEN',
  /** The API token, when it differs from the agents'. Read by cluster/token.ts apiTokenOf too. */
  apiToken: 'BARRAGE_API_TOKEN',
  logLevel: 'BARRAGE_LOG_LEVEL',
} as const;

export const DEFAULTS = {
  logLevel: 'warn',
  host: '127.0.0.1',
  /** `serve` always, `start` with remote agents; a `start` for local agents only takes any free port. */
  port: 7400,
  remoteAgents: 0,
  apiRate: 60,
  waitMs: 60_000,
  runsLimit: 50,
  reportFormat: 'md',
} as const;

/**
 * The run store every command opens without --db: $BARRAGE_DB, else the XDG data directory
 * ($XDG_DATA_HOME, or ~/.local/share, when it is not an absolute path), so `runs` finds what
 * `start` stored whichever directory each was run from.
 */
export function storeFile(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const given = env[ENV.db];
  if (given !== undefined && given !== '') return given;
  const xdg = env[ENV.dataHome];
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.local', 'share'), 'barrage', 'barrage.db');
}

/** The defaults as this environment sets them. */
export function envDefaults(env: NodeJS.ProcessEnv = process.env): { db: string; logLevel: string } {
  return { db: storeFile(env), logLevel: env[ENV.logLevel] ?? DEFAULTS.logLevel };
}

/** --db, with its default shown as the rule rather than this user's path (help texts stay the same for everyone). */
export function dbOption(env: NodeJS.ProcessEnv = process.env): Option {
  return new Option('--db <file>', 'run store (SQLite)').default(
    storeFile(env),
    env[ENV.db] ? '$BARRAGE_DB' : '$XDG_DATA_HOME/barrage/barrage.db, else ~/.local/share/barrage/barrage.db',
  );
}

/** A duration default as help prints it: "60 s", "1.5 s", "250 ms". */
export function humanMs(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The agents' token: --token, else $BARRAGE_TOKEN, else a new one (`generated`: say it, agents need it). */
export function agentToken(
  given: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { token: string; generated: boolean } {
  const known = given ?? env[ENV.token];
  return known === undefined ? { token: generateToken(), generated: true } : { token: known, generated: false };
}

/** The token `start --controller URL` presents: --api-token or --token, else $BARRAGE_API_TOKEN, else $BARRAGE_TOKEN. */
export function remoteApiToken(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return given ?? env[ENV.apiToken] ?? env[ENV.token];
}

/** Progress is drawn in place only on a terminal that can take it. */
export function stderrIsTty(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.stderr.isTTY === true && env.TERM !== 'dumb';
}

/** On loopback, reads of the API need no token (the guard still checks the Host header). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

// Flag value parsers: a bad value is commander's usage error (exit 1), never a crash later.
export const int = (min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer >= ${min}`);
  return n;
};
export const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];
/** --set NAME=VALUE, repeatable: NAME as ${env:NAME} spells it. The value is never echoed (it may be a secret). */
export const setValue = (v: string, prev: Record<string, string> | undefined) => {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(v);
  if (m === null) throw new InvalidArgumentError('must be NAME=VALUE, NAME made of letters, digits and _');
  return { ...prev, [m[1]!]: m[2]! };
};
/** Checked here with the agent's own rule; passed on as given (`auto` is the agent host's cores). */
export const agentWorkers = (v: string) => {
  if (parseWorkerCount(v) === undefined)
    throw new InvalidArgumentError(`must be auto or a whole number from 1 to ${MAX_WORKERS}`);
  return v === 'auto' ? v : String(Number(v));
};
export const duration = (v: string) => {
  try {
    return parseDuration(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

/** The flags `start` and `serve` share: TLS, the API's token and rate, the target allowlist and caps. */
export function guardFlags(c: Command): Command {
  return c
    .option(
      '--tls-cert <file>',
      'PEM certificate (chain): agents connect with wss://, the API is https:// (with --tls-key)',
    )
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option(
      '--api-token <token>',
      'API token: API changes always need it, reads beyond loopback (default: $BARRAGE_API_TOKEN, else the agent token)',
    )
    .option('--api-rate <n>', 'API changes allowed per minute per client address', int(1), DEFAULTS.apiRate)
    .option(
      '--allow-target <pattern>',
      'only fire at these targets: host name, *.domain, IP or CIDR (repeatable); link-local and cloud metadata need an explicit IP/CIDR',
      collect,
      [] as string[],
    )
    .option('--max-vus <n>', 'refuse scenarios with more VUs than this (closed models, summed)', int(1))
    .option(
      '--max-rate <n>',
      'refuse scenarios with a higher peak arrival rate per second (open models, summed)',
      int(1),
    )
    .option('--max-duration <duration>', 'refuse scenarios whose load lasts longer', duration);
}

/** What commander hands the actions: the shared flags as parsed. */
export interface GuardFlags {
  tlsCert?: string;
  tlsKey?: string;
  apiToken?: string;
  apiRate: number;
  allowTarget: string[];
  maxVus?: number;
  maxRate?: number;
  maxDuration?: number;
}

export interface StartFlags extends GuardFlags {
  scenario: string;
  target?: string;
  localAgents?: number;
  agents: number;
  agentWorkers?: string;
  out?: string;
  report: string[];
  set: Record<string, string>;
  host: string;
  port?: number;
  token?: string;
  ca?: string;
  wait: number;
  logLevel: string;
  db: string;
  controller?: string;
  quiet?: boolean;
}

export interface ServeFlags extends GuardFlags {
  host: string;
  port: number;
  token?: string;
  db: string;
  logLevel: string;
}

export interface RunsFlags {
  db: string;
  limit: number;
}

export interface ReportFlags {
  format: string;
  db: string;
  out?: string;
}

/** The shared flags as the commands take them. */
export function guardOptions(f: GuardFlags): ControllerGuardOptions & { apiRate: number } {
  return {
    tlsCert: f.tlsCert,
    tlsKey: f.tlsKey,
    apiToken: f.apiToken,
    apiRate: f.apiRate,
    allowTargets: f.allowTarget,
    maxVus: f.maxVus,
    maxRate: f.maxRate,
    maxDurationMs: f.maxDuration,
  };
}
