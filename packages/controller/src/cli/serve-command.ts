// `controller serve`: a long-lived controller. Agents connect to /agents and
// stay; runs are submitted with POST /api/v1/runs (or `controller start
// --controller URL`, later) and stored; the API serves them. Ctrl-C stops a
// run that is going (its data kept), then exits.

import { once } from 'node:events';
import { humanLogLines, logsForHumans, REDACT, systemClock } from '@barrage/core';
import pino from 'pino';
import { buildApi } from '../api/server.ts';
import { Cluster } from '../cluster/cluster.ts';
import { loadServerTls, type ServerTls } from '../cluster/tls-options.ts';
import { apiTokenOf } from '../cluster/token.ts';
import { type ControllerGuardOptions, targetPolicy } from '../plan/target-policy.ts';
import { RunManager } from '../runs/run-service.ts';
import { RunStore } from '../store/run-store.ts';
import { agentToken, isLoopback } from './config.ts';
import { toStderr as err, printError } from './error-output.ts';
import { EXIT } from './exit-codes.ts';

export interface ServeOptions extends ControllerGuardOptions {
  host: string;
  port: number;
  token?: string;
  db: string;
  logLevel: string;
}

export async function serveCommand(o: ServeOptions): Promise<number> {
  // Readable lines on a terminal, JSON lines for pipes, files and journald.
  const human = logsForHumans(2) ? humanLogLines() : undefined;
  const logger = pino(
    { level: o.logLevel, base: { role: 'controller' }, redact: REDACT },
    human === undefined ? pino.destination(2) : { write: (line: string) => process.stderr.write(human(line)) },
  );
  let tls: ServerTls | undefined;
  try {
    tls = loadServerTls(o.tlsCert, o.tlsKey);
  } catch (e) {
    printError(e);
    return EXIT.error;
  }
  const { token, generated } = agentToken(o.token);
  const store = new RunStore(o.db);
  const recovered = store.recoverInterrupted();
  if (recovered > 0) err(`${recovered} run(s) left going by a stopped controller marked interrupted`);
  const cluster = new Cluster({ host: o.host, port: o.port, token, clock: systemClock, logger, tls });
  const policy = targetPolicy(o);
  const manager = new RunManager({
    cluster,
    store,
    clock: systemClock,
    logger,
    allowTargets: o.allowTargets,
    onEnd: (id, status) => err(`run ${id} ended: ${status}`),
  });
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
  const http = url.replace(/^ws/, 'http');
  err(
    `controller serving: API ${http}/api/v1 · agents: agent --controller ${url}${generated ? ` --token ${token}` : ''} · store ${o.db} · dashboard ${http}/`,
  );
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  const active = manager.active;
  if (active) {
    err(`stopping run ${active.id} (its data is kept)`);
    active.stop('controller shutting down');
    await Promise.race([active.done.catch(() => {}), new Promise((r) => setTimeout(r, 15_000).unref())]);
  }
  await cluster.close();
  store.close();
  return EXIT.passed;
}
