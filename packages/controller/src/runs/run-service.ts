// One run at a time on a controller, whoever asked for it (`controller start`,
// or POST /api/v1/runs on `controller serve`): setup, the run itself, the
// summary. The run is recorded before it starts; where it is created, its
// event listeners are registered: the store writer (store-writer.ts), its live
// channel (run-events.ts), and whatever the caller adds (a progress display).
import { randomUUID } from 'node:crypto';
import { type Clock, TargetAllowlist } from '@barrage/core';
import type { Logger } from 'pino';
import type { AgentSession } from '../cluster/agent-session.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { ControllerErrors } from '../errors.ts';
import { preflightMonitors } from '../monitor/monitor-preflight.ts';
import { perVuShortfalls } from '../plan/data-plan-check.ts';
import { resolveEnv, runSetup } from '../plan/setup.ts';
import type { RunResult } from '../results/run-result.ts';
import { buildSummary, type Summary } from '../results/summary.ts';
import { RunEventFanout, type RunEvents } from '../run/events.ts';
import { Run } from '../run/run.ts';
import { secretCells } from '../scenario/data-sources.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { writtenPath } from '../scenario/urls.ts';
import { sessionOnlyNames } from '../scenario/validate-session.ts';
import type { RunStore } from '../store/run-store.ts';
import { RunEventHub } from './run-events.ts';
import { StoreWriter } from './store-writer.ts';

export interface LaunchRequest {
  scenario: Scenario;
  baseUrl: string | undefined;
  agents: readonly AgentSession[];
  env?: Readonly<Record<string, string | undefined>>;
  /** More listeners of this run's events (a progress display), after the store and the live stream. */
  events?: readonly RunEvents[];
}

export interface CompletedRun {
  summary: Summary;
  result: RunResult;
}

export interface ActiveRun {
  id: string;
  scenario: Scenario;
  baseUrl: string | undefined;
  /** Set once setup has run and the run exists. */
  run: Run | undefined;
  done: Promise<CompletedRun>;
  stop(reason: string): void;
}

export interface RunManagerOptions {
  cluster: Cluster;
  store: RunStore | undefined;
  clock: Clock;
  logger: Logger;
  /** Told when a run ends: its final status, or `error`. */
  onEnd?: (id: string, status: string) => void;
  /** The controller's target allowlist, sent to every agent with its plan. */
  allowTargets?: readonly string[];
}

export class RunManager {
  private readonly o: RunManagerOptions;
  active: ActiveRun | undefined;
  /** Every run's live events, for GET /api/v1/runs/:id/events. */
  readonly events = new RunEventHub();

  constructor(o: RunManagerOptions) {
    this.o = o;
  }

  /** Starts a run now; throws CTRL_BUSY while another one goes. `done` rejects when it cannot start. */
  launch(req: LaunchRequest): ActiveRun {
    if (this.active !== undefined) throw new ControllerErrors.BUSY(this.active.id);
    if (req.agents.length === 0) throw new ControllerErrors.NO_AGENTS('no agent is connected');
    const { store, cluster, clock, logger } = this.o;
    const id = randomUUID();
    store?.createRun({ id, scenario: req.scenario.name, scenarioSource: req.scenario.source, target: req.baseUrl });
    const channel = this.events.open(id);
    let stopReason: string | undefined;
    const active: ActiveRun = {
      id,
      scenario: req.scenario,
      baseUrl: req.baseUrl,
      run: undefined,
      done: undefined as unknown as Promise<CompletedRun>,
      stop: (reason) => {
        stopReason ??= reason;
        active.run?.abort(reason);
      },
    };
    active.done = (async () => {
      const storeWriter = store === undefined ? undefined : new StoreWriter(store, id, logger);
      // Everyone who hears of this run, in order: the store first, so a stream's `end` comes after the store has the result.
      const events = new RunEventFanout(
        [...(storeWriter ? [storeWriter] : []), channel, ...(req.events ?? [])],
        logger,
      );
      try {
        const env = req.env ?? process.env;
        // perVU rows against the VU numbers these agents will give out: refused before any request.
        const short = perVuShortfalls(
          req.scenario,
          req.agents.map((a) => ({ id: a.id, weight: a.hello?.weight ?? 1, workers: a.hello?.workers })),
        );
        if (short.length > 0) throw new ControllerErrors.SCENARIO_INVALID(short.join('\n'));
        // Every monitor answers once before any request of setup or load reaches the target.
        const monitors = await preflightMonitors(req.scenario.monitors, req.baseUrl, resolveEnv(req.scenario, env));
        // Setup's redirects may lead anywhere; each hop meets the allowlist the load does.
        const vars = await runSetup(req.scenario, req.baseUrl, env, new TargetAllowlist(this.o.allowTargets ?? []));
        const run = new Run({
          runId: id,
          scenario: req.scenario,
          baseUrl: req.baseUrl,
          vars,
          agents: req.agents,
          cluster,
          clock,
          logger,
          events: [events],
          allowTargets: this.o.allowTargets,
          monitors,
        });
        active.run = run;
        if (stopReason !== undefined) run.abort(stopReason);
        const result = await run.execute();
        result.notes.push(...(storeWriter?.notes ?? []));
        const summary = buildSummary(req.scenario.name, result, req.scenario.thresholds, {
          expects429: req.scenario.requests.some((r) => r.expect.includes(429)),
          data: req.scenario.data.map((d) => ({ name: d.name, mode: d.mode, rows: d.rows.length })),
          secrets: [...vars.filter((v) => v.secret).map((v) => v.value), ...secretCells(req.scenario.data)],
          written: new Map(req.scenario.requests.map((r) => [r.name, writtenPath(r)])),
          sessionOnly: sessionOnlyNames(req.scenario),
        });
        events.ended({ runId: id, status: summary.run.status, summary, result });
        this.o.onEnd?.(id, summary.run.status);
        return { summary, result };
      } catch (err) {
        const error = `${(err as { code?: string }).code ?? 'CTRL_INTERNAL'}: ${(err as Error).message}`;
        events.ended({ runId: id, status: 'error', error });
        this.o.onEnd?.(id, 'error');
        throw err;
      } finally {
        if (this.active === active) this.active = undefined;
      }
    })();
    this.active = active;
    return active;
  }
}
