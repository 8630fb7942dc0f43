#!/usr/bin/env node
// `controller start|scenarios`: the barrage controller's command line (docs/cli.md).
import { Command, InvalidArgumentError } from 'commander';
import { MAX_WORKERS, parseWorkerCount } from '@barrage/core';
import { parseDuration } from '../scenario/units.ts';
import { startCommand } from './start-command.ts';
import { builtinScenarios, loadScenario } from '../scenario/read.ts';
import { validateScenario } from '../scenario/validate.ts';
import { writeFileSync } from 'node:fs';
import { renderReport, storedSeries, type ReportFormat } from '../report/report.ts';
import { serveCommand } from './serve-command.ts';
import { remoteStart } from './remote-start.ts';
import { RunStore } from '../store/run-store.ts';
import { installFastHistogramDecode } from '@barrage/proto';

installFastHistogramDecode(); // agents' reports are decoded in this process (docs/protocol.md)

function openForReading(db: string): RunStore {
  try { return new RunStore(db, { readOnly: true }); } catch (e) {
    process.stderr.write(`error CTRL_BAD_ARGUMENT: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

/** The run store, under the working directory unless --db says otherwise. */
const DEFAULT_DB = process.env.BARRAGE_DB ?? '.barrage/barrage.db';

const int = (min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer >= ${min}`);
  return n;
};
const collect = (v: string, prev: string[]) => [...prev, v];
// Checked here with the agent's own rule; passed on as given (`auto` is the agent host's cores).
const agentWorkers = (v: string) => {
  if (parseWorkerCount(v) === undefined) throw new InvalidArgumentError(`must be auto or a whole number from 1 to ${MAX_WORKERS}`);
  return v === 'auto' ? v : String(Number(v));
};
const duration = (v: string) => {
  try { return parseDuration(v); } catch (e) { throw new InvalidArgumentError((e as Error).message); }
};

// Output piped into `head` and closed early: stop writing, but keep the command's own exit code.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.stdout.write = (() => true) as typeof process.stdout.write;
});

const program = new Command('controller').description('barrage controller: splits a scenario across agents and merges their results exactly');
program.exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 1));

/** The flags `start` and `serve` share: TLS, the API's token and rate, the target allowlist and caps. */
function controllerGuards(c: Command): Command {
  return c
  .option('--tls-cert <file>', 'PEM certificate (chain): agents connect with wss://, the API is https:// (with --tls-key)')
  .option('--tls-key <file>', 'PEM private key of --tls-cert')
  .option('--api-token <token>', 'API token: API changes always need it, reads beyond loopback (default: $BARRAGE_API_TOKEN, else the agent token)')
  .option('--api-rate <n>', 'API changes allowed per minute per client address', int(1), 60)
  .option('--allow-target <pattern>', 'only fire at these targets: host name, *.domain, IP or CIDR (repeatable); link-local and cloud metadata need an explicit IP/CIDR', collect, [] as string[])
  .option('--max-vus <n>', 'refuse scenarios with more VUs than this (closed models, summed)', int(1))
  .option('--max-rate <n>', 'refuse scenarios with a higher peak arrival rate per second (open models, summed)', int(1))
  .option('--max-duration <duration>', 'refuse scenarios whose load lasts longer', duration);
}

controllerGuards(program.command('start'))
  .description('run one scenario and print its merged summary')
  .requiredOption('--scenario <name|file>', 'built-in scenario name or a YAML/JSON file')
  .option('--target <url>', "replace the scenario's baseUrl")
  .option('--local-agents <n>', 'agent processes to spawn on this host', int(0))
  .option('--agents <n>', 'remote agents to wait for', int(0), 0)
  .option('--agent-workers <auto|n>', 'worker threads per local agent (agent --workers)', agentWorkers)
  .option('--out <file>', 'write the summary JSON here')
  .option('--report <file>', 'write a report: .md (seed layout), .json (the summary), .xml (JUnit), .html')
  .option('--host <host>', 'address to listen on for agents', '127.0.0.1')
  .option('--port <port>', 'port to listen on (default: 7400 with --agents, else any free port)', int(0))
  .option('--token <token>', 'agent token (default: $BARRAGE_TOKEN, else generated)')
  .option('--ca <file>', 'with --controller https://URL: PEM certificate(s) trusted to sign its certificate (default: Node\'s public CAs)')
  .option('--wait <duration>', 'how long to wait for agents', duration, 60_000)
  .option('--log-level <level>', 'pino log level (logs go to stderr)', process.env.BARRAGE_LOG_LEVEL ?? 'warn')
  .option('--db <file>', 'run store (SQLite)', DEFAULT_DB)
  .option('--controller <url>', 'submit the run to a running `controller serve` at this URL instead')
  .option('--quiet', 'no progress lines (the summary table, messages and errors still print)')
  .action(async (opts: { controller?: string; quiet?: boolean; db: string; scenario: string; target?: string; localAgents?: number; agents: number; agentWorkers?: string; out?: string; report?: string; host: string; port?: number; token?: string; tlsCert?: string; tlsKey?: string; ca?: string; apiToken?: string; apiRate: number; allowTarget: string[]; maxVus?: number; maxRate?: number; maxDuration?: number; wait: number; logLevel: string }) => {
    if (opts.controller !== undefined) {
      process.exit(await remoteStart({ controller: opts.controller, scenario: opts.scenario, target: opts.target, agents: opts.agents, out: opts.out, report: opts.report, token: opts.apiToken ?? opts.token, ca: opts.ca, quiet: opts.quiet }));
    }
    if (opts.ca !== undefined) { process.stderr.write('error CTRL_TLS_INVALID: --ca is for --controller https://URL; local agents trust --tls-cert\n'); process.exit(1); }
    const code = await startCommand({
      scenario: opts.scenario, target: opts.target, localAgents: opts.localAgents ?? (opts.agents > 0 ? 0 : 1), agents: opts.agents, agentWorkers: opts.agentWorkers,
      out: opts.out, report: opts.report, db: opts.db, host: opts.host, port: opts.port, token: opts.token, tlsCert: opts.tlsCert, tlsKey: opts.tlsKey, apiToken: opts.apiToken, apiRate: opts.apiRate, waitMs: opts.wait, logLevel: opts.logLevel, quiet: opts.quiet,
      allowTargets: opts.allowTarget, maxVus: opts.maxVus, maxRate: opts.maxRate, maxDurationMs: opts.maxDuration,
    });
    process.exit(code);
  });

controllerGuards(program.command('serve'))
  .description('a long-lived controller: agents connect and stay, runs are submitted through the API and stored')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--port <port>', 'port for the API and the agents', int(0), 7400)
  .option('--token <token>', 'agent token, and the API token unless --api-token (default: $BARRAGE_TOKEN, else generated and printed)')
  .option('--db <file>', 'run store (SQLite)', DEFAULT_DB)
  .option('--log-level <level>', 'pino log level (logs go to stderr)', process.env.BARRAGE_LOG_LEVEL ?? 'warn')
  .action(async (opts: { host: string; port: number; token?: string; tlsCert?: string; tlsKey?: string; apiToken?: string; apiRate: number; allowTarget: string[]; maxVus?: number; maxRate?: number; maxDuration?: number; db: string; logLevel: string }) => {
    process.exit(await serveCommand({ ...opts, allowTargets: opts.allowTarget, maxDurationMs: opts.maxDuration }));
  });

program.command('runs')
  .description('list the stored runs, newest first')
  .option('--db <file>', 'run store (SQLite)', DEFAULT_DB)
  .option('--limit <n>', 'at most this many', int(1), 50)
  .action((opts: { db: string; limit: number }) => {
    const store = openForReading(opts.db);
    const rows = store.listRuns(opts.limit);
    store.close();
    for (const r of rows) process.stdout.write(`${r.id}  ${r.createdAt}  ${r.status.padEnd(11)}  ${String(r.requests ?? '-').padStart(8)}  ${r.scenario}\n`);
  });

program.command('report')
  .description('write a stored run\'s report to stdout (or --out)')
  .argument('<run>', 'run id (see controller runs)')
  .option('--format <format>', 'md, html, json or junit', 'md')
  .option('--db <file>', 'run store (SQLite)', DEFAULT_DB)
  .option('--out <file>', 'write here instead of stdout')
  .action((id: string, opts: { format: string; db: string; out?: string }) => {
    if (!['md', 'html', 'json', 'junit'].includes(opts.format)) { process.stderr.write(`error CTRL_BAD_ARGUMENT: --format must be md, html, json or junit\n`); process.exit(1); }
    const store = openForReading(opts.db);
    try {
      const summary = store.getSummary(id);
      const run = store.getRun(id);
      if (run === undefined || summary === undefined) {
        process.stderr.write(`error ${run === undefined ? 'CTRL_RUN_NOT_FOUND' : 'CTRL_RUN_NOT_FINISHED'}: ${run === undefined ? `no run ${id}` : `run ${id} has no summary (status ${run.status})`}\n`);
        process.exit(1);
      }
      let text: string;
      try {
        text = renderReport(opts.format as ReportFormat, { summary, scenario: validateScenario(store.getScenarioSource(id)), target: run.target ?? undefined, monitorSamples: store.getMonitorSamples(id), series: storedSeries(store, id) });
      } catch (e) {
        process.stderr.write(`error ${(e as { code?: string }).code ?? 'CTRL_INTERNAL'}: cannot render the report of run ${id}: ${(e as Error).message}\n`);
        process.exit(1);
      }
      if (opts.out) writeFileSync(opts.out, text); else process.stdout.write(text);
    } finally {
      store.close();
    }
  });

program.command('scenarios')
  .description('list the built-in scenarios, one per line')
  .action(() => {
    const rows = builtinScenarios().map((n) => [n, loadScenario(n).description] as const);
    const width = Math.max(...rows.map(([n]) => n.length));
    for (const [n, d] of rows) process.stdout.write(`${n.padEnd(width)}  ${d}\n`);
  });

await program.parseAsync();
