// A controller (cluster + run) and agents in this process, over real sockets
// on port 0, for tests that must place a fault exactly (drop a link after a
// given message, abort on a given report). The target stays a real process.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent } from '@barrage/agent';
import { parseScenario } from '@barrage/controller';
import { type Clock, systemClock } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import { installFastHistogramDecode } from '@barrage/proto';
import pino from 'pino';
import type { AgentSession } from '../../packages/controller/src/cluster/agent-session.ts';
import { Cluster } from '../../packages/controller/src/cluster/cluster.ts';
import { Run } from '../../packages/controller/src/run/run.ts';
import { bins } from './processes.ts';

installFastHistogramDecode(); // this process is the controller: decode reports as its entry point does

const TOKEN = 'in-process-test-token';

export type Interceptor = (session: AgentSession, env: barrage.v1.Envelope, deliver: () => void) => void;

export interface InProcessCluster {
  cluster: Cluster;
  agents: Agent[];
  run: Run;
  /** Another run on the same agents (after the first ended). */
  nextRun(runId: string, scenarioYaml?: string): Run;
  close(): Promise<void>;
}

/** Starts a cluster and one agent per entry of `clocks` (an agent's own clock), then builds the run. */
export interface ClusterOptions {
  intercept?: Interceptor;
  readyTimeoutMs?: number;
  /** Agents exit after one run (as local agents do). */
  once?: boolean;
}

export async function inProcessCluster(
  scenarioYaml: string,
  targetUrl: string,
  clocks: Clock[],
  opts: ClusterOptions = {},
): Promise<InProcessCluster> {
  const { intercept, readyTimeoutMs } = opts;
  const logger = pino({ level: 'silent' });
  const cluster = new Cluster({ host: '127.0.0.1', port: 0, token: TOKEN, clock: systemClock, logger });
  const { url } = await cluster.listen();
  const agents = clocks.map(
    (clock, i) => new Agent({ controller: url, token: TOKEN, name: `a${i + 1}`, logger, clock, once: opts.once }),
  );
  for (const a of agents) a.start();
  while (cluster.agents.size < agents.length) await once(cluster, 'agent');
  const sessions = agents.map((a) => cluster.agents.get(a.id)!);
  const makeRun = (runId: string, yaml: string) =>
    new Run({
      runId,
      scenario: parseScenario(yaml),
      baseUrl: targetUrl,
      vars: [],
      agents: agents.map((a) => cluster.agents.get(a.id) ?? sessions[0]!),
      cluster,
      clock: systemClock,
      logger,
      readyTimeoutMs,
    });
  const run = makeRun('run-1', scenarioYaml);
  if (intercept) {
    const deliver = run.message.bind(run);
    run.message = (session, env) => intercept(session, env, () => deliver(session, env));
  }
  return {
    cluster,
    agents,
    run,
    nextRun: (runId, yaml = scenarioYaml) => makeRun(runId, yaml),
    async close() {
      agents.forEach((a) => a.exit(0));
      await cluster.close();
    },
  };
}

export interface ProcessAgentsCluster {
  cluster: Cluster;
  run: Run;
  /** The agent processes, named p1, p2, ... in this order. */
  children: ChildProcess[];
  close(): Promise<void>;
}

/**
 * The controller's cluster and run in this process (so a test can read the merged
 * histograms themselves), the agents as real processes connected over TCP.
 */
export async function clusterWithAgentProcesses(
  scenarioYaml: string,
  targetUrl: string,
  agentCount: number,
  opts: { onProgress?: (run: Run) => void; env?: (index: number) => NodeJS.ProcessEnv } = {},
): Promise<ProcessAgentsCluster> {
  const logger = pino({ level: 'silent' });
  const cluster = new Cluster({ host: '127.0.0.1', port: 0, token: TOKEN, clock: systemClock, logger });
  const { url } = await cluster.listen();
  const children = Array.from({ length: agentCount }, (_v, i) =>
    spawn(process.execPath, [bins.agent, '--controller', url, '--name', `p${i + 1}`, '--once', '--log-level', 'warn'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, BARRAGE_TOKEN: TOKEN, ...opts.env?.(i) },
    }),
  );
  while (cluster.agents.size < agentCount) await once(cluster, 'agent');
  const run = new Run({
    runId: 'run-p',
    scenario: parseScenario(scenarioYaml),
    baseUrl: targetUrl,
    vars: [],
    agents: [...cluster.agents.values()],
    cluster,
    clock: systemClock,
    logger,
    events: opts.onProgress ? [{ progress: () => opts.onProgress!(run) }] : [],
  });
  return {
    cluster,
    run,
    children,
    async close() {
      await Promise.all(
        children.map(async (c) => {
          if (c.exitCode === null && c.signalCode === null) {
            c.kill('SIGTERM');
            await once(c, 'exit');
          }
        }),
      );
      await cluster.close();
    },
  };
}
