#!/usr/bin/env node
// `controller start|scenarios`: the barrage controller's command line (docs/cli.md).
import { Command, InvalidArgumentError } from 'commander';
import { parseDuration } from './units.ts';
import { startCommand } from './start-command.ts';
import { builtinScenarios, loadScenario } from './scenario/load.ts';

const int = (min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer >= ${min}`);
  return n;
};
const duration = (v: string) => {
  try { return parseDuration(v); } catch (e) { throw new InvalidArgumentError((e as Error).message); }
};

// Output piped into `head` and closed early is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); throw e; });

const program = new Command('controller').description('barrage controller: splits a scenario across agents and merges their results exactly');
program.exitOverride((e) => process.exit(e.exitCode === 0 ? 0 : 1));

program.command('start')
  .description('run one scenario and print its merged summary')
  .requiredOption('--scenario <name|file>', 'built-in scenario name or a YAML/JSON file')
  .option('--target <url>', "replace the scenario's baseUrl")
  .option('--local-agents <n>', 'agent processes to spawn on this host', int(0))
  .option('--agents <n>', 'remote agents to wait for', int(0), 0)
  .option('--out <file>', 'write the summary JSON here')
  .option('--report <file>', 'write a report: .md (seed layout), .json (the summary), .xml (JUnit), .html')
  .option('--host <host>', 'address to listen on for agents', '127.0.0.1')
  .option('--port <port>', 'port to listen on (default: 7400 with --agents, else any free port)', int(0))
  .option('--token <token>', 'agent token (default: $BARRAGE_TOKEN, else generated)')
  .option('--wait <duration>', 'how long to wait for agents', duration, 60_000)
  .option('--log-level <level>', 'pino log level (logs go to stderr)', process.env.BARRAGE_LOG_LEVEL ?? 'warn')
  .action(async (opts: { scenario: string; target?: string; localAgents?: number; agents: number; out?: string; report?: string; host: string; port?: number; token?: string; wait: number; logLevel: string }) => {
    const code = await startCommand({
      scenario: opts.scenario, target: opts.target, localAgents: opts.localAgents ?? (opts.agents > 0 ? 0 : 1), agents: opts.agents,
      out: opts.out, report: opts.report, host: opts.host, port: opts.port, token: opts.token, waitMs: opts.wait, logLevel: opts.logLevel,
    });
    process.exit(code);
  });

program.command('scenarios')
  .description('list the built-in scenarios, one per line')
  .action(() => {
    const rows = builtinScenarios().map((n) => [n, loadScenario(n).description] as const);
    const width = Math.max(...rows.map(([n]) => n.length));
    for (const [n, d] of rows) process.stdout.write(`${n.padEnd(width)}  ${d}\n`);
  });

await program.parseAsync();
