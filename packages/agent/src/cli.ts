#!/usr/bin/env node
// `agent --controller ws://HOST:PORT|wss://HOST:PORT [--token T] [--ca FILE] [--name NAME] [--weight W] [--workers auto|N] [--source-ips LIST|CIDR|IFACE] [--once]`
// The token may come from BARRAGE_TOKEN instead of argv, which other users can read.
// Logs: readable lines on a terminal, JSON lines otherwise.

import {
  humanLogLines,
  logsForHumans,
  MAX_WORKERS,
  parseWorkerCount,
  REDACT,
  readTrust,
  type TrustOptions,
} from '@barrage/core';
import { installFastHistogramDecode } from '@barrage/proto';
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { Agent } from './link/agent.ts';

installFastHistogramDecode(); // worker threads' reports are decoded and merged here (docs/protocol.md)

function positive(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number > 0');
  return n;
}

function workerCount(value: string): number {
  const n = parseWorkerCount(value);
  if (n === undefined) throw new InvalidArgumentError(`must be auto or a whole number from 1 to ${MAX_WORKERS}`);
  return n;
}

const program = new Command('agent')
  .description('barrage agent: connects to a controller and fires its share of the load')
  .requiredOption(
    '--controller <url>',
    'controller address, ws://HOST:PORT or wss://HOST:PORT (e.g. ws://127.0.0.1:7000)',
  )
  .option('--token <token>', 'agent token (default: $BARRAGE_TOKEN)')
  .option(
    '--ca <file>',
    "PEM certificate(s) trusted to sign a wss:// controller's certificate (default: Node's public CAs)",
  )
  .option('--name <name>', 'name shown in reports (default: hostname)')
  .option('--weight <w>', 'share of the load relative to other agents', positive, 1)
  .option(
    '--workers <auto|n>',
    'worker threads that fire the load, each with its own connections (auto: one per core); the controller still sees one agent',
    workerCount,
    1,
  )
  .option('--once', 'exit after one run', false)
  .option(
    '--allow-target <pattern>',
    "only fire at these targets (host name, *.domain, IP or CIDR; repeatable), on top of the controller's allowlist",
    (v: string, prev: string[]) => [...prev, v],
    [] as string[],
  )
  .option(
    '--source-ips <list|cidr|iface>',
    'bind connections to these local addresses, round-robin over VUs and arrivals: a comma list, an IPv4 CIDR or an interface name (default: $BARRAGE_SOURCE_IPS)',
  )
  .option('--log-level <level>', 'pino level', process.env.BARRAGE_LOG_LEVEL ?? 'info')
  .parse();

const opts = program.opts<{
  controller: string;
  token?: string;
  ca?: string;
  name?: string;
  weight: number;
  workers: number;
  once: boolean;
  allowTarget: string[];
  sourceIps?: string;
  logLevel: string;
}>();
// Readable lines on a terminal, JSON lines for pipes, files and CI (BARRAGE_LOG_FORMAT=json|pretty decides instead).
const human = logsForHumans(2) ? humanLogLines() : undefined;
const logger = pino(
  { level: opts.logLevel, base: { role: 'agent', name: opts.name }, redact: REDACT },
  human === undefined ? pino.destination(2) : { write: (line: string) => process.stderr.write(human(line)) },
);
const token = opts.token ?? process.env.BARRAGE_TOKEN ?? '';
if (!token) {
  logger.error({ code: 'AGENT_BAD_ARGUMENT' }, 'no token: pass --token or set BARRAGE_TOKEN');
  process.exit(1);
}
// Fault injection for tests and drills: run this agent on a clock that is off by N ms, as a
// host with a wrong clock would be. Clock sync must make it start and report as the others do.
const skewMs = Number(process.env.BARRAGE_FAULT_CLOCK_SKEW_MS ?? 0);
if (!Number.isFinite(skewMs) || Math.abs(skewMs) > 86_400_000) {
  logger.error({ code: 'AGENT_BAD_ARGUMENT' }, 'BARRAGE_FAULT_CLOCK_SKEW_MS must be a number of ms within a day');
  process.exit(1);
}
if (skewMs !== 0) logger.warn({ skewMs }, 'clock skew injected (BARRAGE_FAULT_CLOCK_SKEW_MS)');
let trust: TrustOptions | undefined;
try {
  trust = opts.ca === undefined ? undefined : readTrust(opts.ca);
} catch (err) {
  logger.error({ code: 'AGENT_BAD_ARGUMENT' }, `--ca: ${(err as Error).message}`);
  process.exit(1);
}
let agent: Agent;
let signalled = 0;
try {
  agent = new Agent({
    controller: opts.controller,
    token,
    trust,
    name: opts.name,
    weight: opts.weight,
    workers: opts.workers,
    once: opts.once,
    logger,
    clockSkewMs: skewMs,
    allowTargets: opts.allowTarget,
    sourceIps: opts.sourceIps ?? process.env.BARRAGE_SOURCE_IPS,
  });
} catch (err) {
  logger.error({ code: (err as { code?: string }).code }, `cannot start: ${(err as Error).message}`);
  process.exit(1);
}
// The first signal stops the run and flushes its final report (bounded); a second one leaves at once.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (signalled++ > 0) agent.exit(1);
    else agent.shutdown(sig);
  });
}
agent.start();
process.exitCode = await agent.done;
logger.flush();
setTimeout(() => process.exit(), 200).unref();
