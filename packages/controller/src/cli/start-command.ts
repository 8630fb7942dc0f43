// `controller start`: one run from the command line. Loads and validates the
// scenario, listens for agents (spawning local ones), runs setup, executes the
// run while showing its progress on stderr, prints the summary table, writes --out
// and the reports, and maps the outcome to an exit code (exit-codes.ts).

import { writeFileSync } from 'node:fs';
import { humanLogLines, REDACT, systemClock } from '@barrage/core';
import pino from 'pino';
import { buildApi } from '../api/server.ts';
import type { AgentSession } from '../cluster/agent-session.ts';
import { Cluster } from '../cluster/cluster.ts';
import { LocalAgents } from '../cluster/local-agents.ts';
import { loadServerTls, localAgentUrl, type ServerTls } from '../cluster/tls-options.ts';
import { apiTokenOf } from '../cluster/token.ts';
import { ControllerErrors } from '../errors.ts';
import { resolveEnv } from '../plan/setup.ts';
import { admitScenario, type ControllerGuardOptions, type TargetPolicy, targetPolicy } from '../plan/target-policy.ts';
import { renderReport, storedSeries } from '../report/report.ts';
import { formatSummary } from '../report/summary-table.ts';
import { type ActiveRun, RunManager } from '../runs/run-service.ts';
import { loadScenario } from '../scenario/read.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { isTargetUrl, usesPaths } from '../scenario/urls.ts';
import { RunStore } from '../store/run-store.ts';
import { agentToken, DEFAULTS, isLoopback, stderrIsTty } from './config.ts';
import { printError } from './error-output.ts';
import { EXIT, exitCodeOf } from './exit-codes.ts';
import { ProgressDisplay, plannedEndIsBound, plannedLoadMs, progressEvents } from './progress-display.ts';
import { checkReportTargets, reportFiles, writeReports } from './report-files.ts';

export interface StartOptions extends ControllerGuardOptions {
  scenario: string;
  target?: string;
  localAgents: number;
  /** Worker threads per local agent (its --workers: auto or a number). */
  agentWorkers?: string;
  agents: number;
  out?: string;
  /** --report values: files (format by extension) and directories (every format). */
  report: string[];
  /** --set NAME=VALUE: ${env:NAME} values for this run, over the process environment. */
  set: Record<string, string>;
  /** The run store; runs are kept there and served by the API while this command runs. */
  db: string;
  port?: number;
  host: string;
  token?: string;
  waitMs: number;
  logLevel: string;
  /** No progress lines (the summary, messages and errors still print). */
  quiet?: boolean;
}

export async function startCommand(o: StartOptions): Promise<number> {
  // Everything this command says on stderr goes through the display, so on a TTY it lands above the progress frame.
  const display = new ProgressDisplay(process.stderr, { quiet: o.quiet, tty: stderrIsTty() });
  const err = (text: string) => display.write(text + '\n');
  // On a terminal, log lines (the controller's and its local agents') are readable lines above the progress frame.
  const human = display.mode === 'tty' ? humanLogLines() : undefined;
  const logger = pino(
    { level: o.logLevel, base: { role: 'controller' }, redact: REDACT },
    human === undefined ? pino.destination(2) : { write: (line: string) => display.write(human(line)) },
  );
  const clock = systemClock;
  let scenario: Scenario;
  let baseUrl: string | undefined;
  let policy: TargetPolicy;
  let tls: ServerTls | undefined;
  // --set values are read like the environment (secrets: never logged, never stored; docs/security.md).
  const env = { ...process.env, ...o.set };
  try {
    tls = loadServerTls(o.tlsCert, o.tlsKey);
    scenario = loadScenario(o.scenario);
    baseUrl = o.target ?? scenario.baseUrl;
    if (o.target !== undefined && !isTargetUrl(o.target)) {
      throw new ControllerErrors.BAD_ARGUMENT(
        `--target must be an http(s) URL without query or fragment, got ${o.target}`,
      );
    }
    if (baseUrl === undefined && usesPaths(scenario)) {
      throw new ControllerErrors.BAD_ARGUMENT(
        'the scenario has requests with a path but no baseUrl: give --target URL',
      );
    }
    if (o.localAgents + o.agents < 1)
      throw new ControllerErrors.BAD_ARGUMENT('need at least one agent: --local-agents N or --agents N');
    resolveEnv(scenario, env); // a missing ${env:NAME} fails now, not after the agents came
    checkReportTargets(o.report);
    policy = targetPolicy(o);
    await admitScenario(scenario, baseUrl, policy);
  } catch (e) {
    printError(e, err);
    return EXIT.error;
  }
  const { token, generated } = agentToken(o.token);
  const cluster = new Cluster({
    host: o.host,
    port: o.port ?? (o.agents > 0 ? DEFAULTS.port : 0),
    token,
    clock,
    logger,
    tls,
  });
  let local: LocalAgents | undefined;
  let active: ActiveRun | undefined;
  let signals = 0;
  const onSignal = () => {
    if (active && ++signals === 1) {
      err("stopping: waiting for the agents' final reports (press Ctrl-C again to stop waiting)");
      active.stop('interrupted');
      return;
    }
    if (active && signals === 2) {
      active.stop('interrupted');
      return;
    }
    display.done();
    local?.killAll();
    process.exit(EXIT.error);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let store: RunStore | undefined;
  try {
    store = new RunStore(o.db);
    const recovered = store.recoverInterrupted();
    if (recovered > 0) err(`${recovered} run(s) left going by a stopped controller marked interrupted`);
    const manager = new RunManager({ cluster, store, clock, logger, allowTargets: o.allowTargets });
    // The API shares the agent port: changes always need the API token, reads too beyond loopback.
    await buildApi({
      cluster,
      manager,
      store,
      logger,
      token: apiTokenOf(o.apiToken, token),
      readsNeedToken: !isLoopback(o.host),
      mutationsPerMinute: o.apiRate,
      policy,
    });
    const { url } = await cluster.listen();
    const want = o.localAgents + o.agents;
    if (o.agents > 0 || !isLoopback(o.host)) {
      err(`waiting for ${o.agents} remote agent(s): agent --controller ${url}${generated ? ` --token ${token}` : ''}`);
    }
    const joined = waitForAgents(cluster, want, o.waitMs);
    if (o.localAgents > 0) {
      // They verify the controller like any agent: its own certificate is their only CA.
      const dial = tls ? localAgentUrl(url, o.host, tls.x509) : url;
      local = new LocalAgents(
        o.localAgents,
        dial,
        token,
        o.logLevel === 'info' ? 'warn' : o.logLevel,
        tls?.certFile,
        o.agentWorkers,
        human === undefined ? undefined : (line) => display.write(human(line)),
      );
    }
    const agents = await joined;
    err(`${agents.length} agent(s) connected; scenario ${scenario.name} against ${baseUrl ?? '(absolute URLs)'}`);
    const loadMs = plannedLoadMs(scenario);
    active = manager.launch({
      scenario,
      baseUrl,
      agents,
      env,
      events: [progressEvents(display, clock, () => cluster.agents.size, loadMs, plannedEndIsBound(scenario))],
    });
    const http = url.replace(/^ws/, 'http');
    err(`run ${active.id}: ${http}/api/v1/runs/${active.id} · dashboard ${http}/runs/${active.id} (while it runs)`);
    // The last progress frame stays on screen, above the summary (or the error).
    const { summary, result } = await active.done.finally(() => display.done());
    process.stdout.write('\n' + formatSummary(summary));
    if (o.out) writeFileSync(o.out, JSON.stringify(summary, null, 2) + '\n');
    const runStore = store;
    const runId = active.id;
    await writeReports(
      reportFiles(o.report, runId),
      (format) =>
        renderReport(format, {
          summary,
          scenario,
          target: baseUrl,
          monitorSamples: result.monitorSamples,
          series: storedSeries(runStore, runId),
        }),
      err,
    );
    return exitCodeOf(summary.run.status);
  } catch (e) {
    printError(e, err);
    return EXIT.error;
  } finally {
    display.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await local?.stop();
    await cluster.close();
    store?.close();
  }
}

/** Resolves with `count` agents once that many are connected; rejects after `ms`. */
function waitForAgents(cluster: Cluster, count: number, ms: number): Promise<AgentSession[]> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (cluster.agents.size < count) return;
      cleanup();
      resolve([...cluster.agents.values()].slice(0, count));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new ControllerErrors.NO_AGENTS(
          `only ${cluster.agents.size} of ${count} agent(s) connected within ${ms / 1000} s`,
        ),
      );
    }, ms);
    const cleanup = () => {
      clearTimeout(timer);
      cluster.off('agent', check);
    };
    cluster.on('agent', check);
  });
}
