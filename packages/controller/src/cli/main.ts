#!/usr/bin/env node
// `controller start|serve|runs|report|scenarios|validate`: the barrage
// controller's command line (docs/cli.md), and the controller's entry point
// (package.json bin, `barrage controller`, the container image). Flags, their
// defaults and the environment are in config.ts; the help's examples in
// help-text.ts; exit codes in exit-codes.ts; each command's work in its own file.
import { writeFileSync } from 'node:fs';
import { formatCount } from '@barrage/core';
import { installFastHistogramDecode } from '@barrage/proto';
import { Command, Option } from 'commander';
import { ControllerErrors } from '../errors.ts';
import { type ReportFormat, renderReport, storedSeries, storedSummary } from '../report/report.ts';
import { builtinScenarios, loadScenario } from '../scenario/read.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { validateScenario } from '../scenario/validate.ts';
import { resolveRunId } from '../store/run-id.ts';
import { RunStore } from '../store/run-store.ts';
import {
  agentWorkers,
  collect,
  DEFAULTS,
  dbOption,
  duration,
  envDefaults,
  guardFlags,
  guardOptions,
  humanMs,
  int,
  type ReportFlags,
  type RunsFlags,
  type ServeFlags,
  type StartFlags,
  setValue,
} from './config.ts';
import { printError, printRefusal } from './error-output.ts';
import { EXIT } from './exit-codes.ts';
import { examples, PROGRAM_EXAMPLES } from './help-text.ts';
import { remoteStart } from './remote-start.ts';
import { serveCommand } from './serve-command.ts';
import { startCommand } from './start-command.ts';
import { validateCommand } from './validate-command.ts';
import { versionLine } from './version.ts';

installFastHistogramDecode(); // agents' reports are decoded in this process (docs/protocol.md)

const defaults = envDefaults();

/** The full id a run was named by (a unique prefix will do), or its coded error and exit 1. */
function idOf(store: RunStore, given: string): string {
  try {
    return resolveRunId(store, given);
  } catch (e) {
    printError(e);
    store.close();
    process.exit(EXIT.error);
  }
}

function openForReading(db: string): RunStore {
  try {
    return new RunStore(db, { readOnly: true });
  } catch (e) {
    printRefusal(ControllerErrors.BAD_ARGUMENT.code, (e as Error).message);
    process.exit(EXIT.error);
  }
}

// Output piped into `head` and closed early: stop writing, but keep the command's own exit code.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.stdout.write = (() => true) as typeof process.stdout.write;
});

const program = new Command('controller')
  .description('barrage controller: splits a scenario across agents and merges their results exactly')
  .version(versionLine(), '-V, --version', 'print the versions of the barrage packages and the agent protocol')
  .addHelpText('after', PROGRAM_EXAMPLES);
program.exitOverride((e) => process.exit(e.exitCode === 0 ? EXIT.passed : EXIT.error));

guardFlags(program.command('start'))
  .description('run one scenario and print its merged summary (exit 0 passed, 99 a threshold failed, 1 an error)')
  .requiredOption('--scenario <name|file>', 'required: built-in scenario name or a YAML/JSON file')
  .option('--target <url>', "replace the scenario's baseUrl")
  .option('--local-agents <n>', 'agent processes to spawn on this host (default: 1, or 0 with --agents)', int(0))
  .option('--agents <n>', 'remote agents to wait for', int(0), DEFAULTS.remoteAgents)
  .option('--agent-workers <auto|n>', 'worker threads per local agent (agent --workers)', agentWorkers)
  .option('--out <file>', 'write the summary JSON here')
  .option(
    '--report <file|dir/>',
    'write a report: .md (seed layout), .json (the summary), .xml (JUnit), .html; a directory gets all four (repeatable)',
    collect,
  )
  .option(
    '--set <name=value>',
    '${env:NAME} value for this run, over the environment; never logged or stored (repeatable)',
    setValue,
  )
  .option('--host <host>', 'address to listen on for agents', DEFAULTS.host)
  .option('--port <port>', `port to listen on (default: ${DEFAULTS.port} with --agents, else any free port)`, int(0))
  .option('--token <token>', 'agent token (default: $BARRAGE_TOKEN, else generated)')
  .option(
    '--ca <file>',
    "with --controller https://URL: PEM certificate(s) trusted to sign its certificate (default: Node's public CAs)",
  )
  .addOption(
    new Option('--wait <duration>', 'how long to wait for agents')
      .argParser(duration)
      .default(DEFAULTS.waitMs, humanMs(DEFAULTS.waitMs)),
  )
  .option('--log-level <level>', 'pino log level (logs go to stderr)', defaults.logLevel)
  .addOption(dbOption())
  .option('--controller <url>', 'submit the run to a running `controller serve` at this URL instead')
  .option('--quiet', 'no progress lines (the summary table, messages and errors still print)')
  .addHelpText('after', examples('start'))
  .action(async (opts: StartFlags) => {
    opts.report ??= [];
    opts.set ??= {};
    if (opts.controller !== undefined) {
      process.exit(
        await remoteStart({
          controller: opts.controller,
          scenario: opts.scenario,
          target: opts.target,
          agents: opts.agents,
          out: opts.out,
          report: opts.report,
          set: opts.set,
          token: opts.apiToken ?? opts.token,
          ca: opts.ca,
          quiet: opts.quiet,
        }),
      );
    }
    if (opts.ca !== undefined) {
      printError(
        new ControllerErrors.TLS_INVALID('--ca is for --controller https://URL; local agents trust --tls-cert'),
      );
      process.exit(EXIT.error);
    }
    const code = await startCommand({
      ...guardOptions(opts),
      scenario: opts.scenario,
      target: opts.target,
      localAgents: opts.localAgents ?? (opts.agents > 0 ? 0 : 1),
      agents: opts.agents,
      agentWorkers: opts.agentWorkers,
      out: opts.out,
      report: opts.report,
      set: opts.set,
      db: opts.db,
      host: opts.host,
      port: opts.port,
      token: opts.token,
      waitMs: opts.wait,
      logLevel: opts.logLevel,
      quiet: opts.quiet,
    });
    process.exit(code);
  });

guardFlags(program.command('serve'))
  .description('a long-lived controller: agents connect and stay, runs are submitted through the API and stored')
  .option('--host <host>', 'address to listen on', DEFAULTS.host)
  .option('--port <port>', 'port for the API and the agents', int(0), DEFAULTS.port)
  .option(
    '--token <token>',
    'agent token, and the API token unless --api-token (default: $BARRAGE_TOKEN, else generated and printed)',
  )
  .addOption(dbOption())
  .option('--log-level <level>', 'pino log level (logs go to stderr)', defaults.logLevel)
  .addHelpText('after', examples('serve'))
  .action(async (opts: ServeFlags) => {
    process.exit(
      await serveCommand({
        ...guardOptions(opts),
        host: opts.host,
        port: opts.port,
        token: opts.token,
        db: opts.db,
        logLevel: opts.logLevel,
      }),
    );
  });

program
  .command('runs')
  .description('list the stored runs, newest first')
  .addOption(dbOption())
  .option('--limit <n>', 'at most this many', int(1), DEFAULTS.runsLimit)
  .addHelpText('after', examples('runs'))
  .action((opts: RunsFlags) => {
    const store = openForReading(opts.db);
    const rows = store.listRuns(opts.limit);
    store.close();
    // Why a run ended in error or was interrupted, last on its line (one line per run).
    for (const r of rows)
      process.stdout.write(
        `${r.id}  ${r.createdAt}  ${r.status.padEnd(11)}  ${formatCount(r.requests).padStart(9)}  ${r.scenario}${r.error ? `  ${r.error.replace(/\s*[\r\n]+\s*/g, ' ')}` : ''}\n`,
      );
  });

const REPORT_FORMATS: readonly ReportFormat[] = ['md', 'html', 'json', 'junit'];

program
  .command('report')
  .description("write a stored run's report to stdout (or --out)")
  .argument('<run>', 'run id, or a unique prefix of it of 4 characters or more (see controller runs)')
  .option('--format <format>', 'md, html, json or junit', DEFAULTS.reportFormat)
  .addOption(dbOption())
  .option('--out <file>', 'write here instead of stdout')
  .addHelpText('after', examples('report'))
  .action((given: string, opts: ReportFlags) => {
    if (!(REPORT_FORMATS as readonly string[]).includes(opts.format)) {
      printError(new ControllerErrors.BAD_ARGUMENT('--format must be md, html, json or junit'));
      process.exit(EXIT.error);
    }
    const store = openForReading(opts.db);
    try {
      const id = idOf(store, given);
      // A run that ended in error (or was interrupted) has a partial summary: its report leads with why.
      const summary = storedSummary(store, id);
      const run = store.getRun(id);
      if (run === undefined) {
        printError(new ControllerErrors.RUN_NOT_FOUND(id));
        process.exit(EXIT.error);
      }
      if (summary === undefined) {
        printRefusal(ControllerErrors.RUN_NOT_FINISHED.code, `run ${id} has no summary (status ${run.status})`);
        process.exit(EXIT.error);
      }
      let text: string;
      try {
        let scenario: Scenario | undefined;
        try {
          scenario = validateScenario(store.getScenarioSource(id), { record: true });
        } catch (e) {
          // An error run may have failed on its scenario; any other run's must still validate.
          if (summary.run.error === undefined) throw e;
        }
        text = renderReport(opts.format as ReportFormat, {
          summary,
          scenario,
          target: run.target ?? undefined,
          monitorSamples: store.getMonitorSamples(id),
          series: storedSeries(store, id),
        });
      } catch (e) {
        printRefusal(
          (e as { code?: string }).code ?? ControllerErrors.INTERNAL.code,
          `cannot render the report of run ${id}: ${(e as Error).message}`,
        );
        process.exit(EXIT.error);
      }
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    } finally {
      store.close();
    }
  });

program
  .command('validate')
  .description('check a scenario without running it: exit 0 and one line saying what it would do, or 1 and why not')
  .argument('<name|file>', 'built-in scenario name or a YAML/JSON file')
  .addHelpText('after', examples('validate'))
  .action((ref: string) => process.exit(validateCommand(ref)));

program
  .command('scenarios')
  .description('list the built-in scenarios, one per line')
  .addHelpText('after', examples('scenarios'))
  .action(() => {
    const rows = builtinScenarios().map((n) => [n, loadScenario(n).description] as const);
    const width = Math.max(...rows.map(([n]) => n.length));
    for (const [n, d] of rows) process.stdout.write(`${n.padEnd(width)}  ${d}\n`);
  });

await program.parseAsync();
