// One run at a time on a controller, whoever asked for it (`controller start`,
// or POST /api/v1/runs on `controller serve`): setup, the run itself, the
// summary, and the store — the run is recorded before it starts, its
// intervals as they close, and everything else at its end. The same figures
// are published live into the run's events channel (run-events.ts).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AgentSession, Clockish } from '../cluster/agent-session.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { ControllerErrors } from '../errors.ts';
import type { IntervalDetail } from '../merge/run-aggregate.ts';
import { Run } from '../run/run.ts';
import { RunEventHub } from './run-events.ts';
import type { RunResult } from '../results/run-result.ts';
import type { Scenario } from '../scenario/scenario.ts';
import { runSetup } from '../plan/setup.ts';
import { agentLabels, intervalFigures, type RunStore } from '../store/run-store.ts';
import type { Float64Histogram } from 'hdr-histogram-js';
import { buildSummary, type Summary } from '../results/summary.ts';

export interface LaunchRequest {
  scenario: Scenario;
  baseUrl: string | undefined;
  agents: readonly AgentSession[];
  env?: Readonly<Record<string, string | undefined>>;
  onProgress?: (run: Run) => void;
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
  clock: Clockish;
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
    const storeNotes: string[] = [];
    const active: ActiveRun = {
      id, scenario: req.scenario, baseUrl: req.baseUrl, run: undefined, done: undefined as unknown as Promise<CompletedRun>,
      stop: (reason) => { stopReason ??= reason; active.run?.abort(reason); },
    };
    active.done = (async () => {
      try {
        const vars = await runSetup(req.scenario, req.baseUrl, req.env ?? process.env);
        let run: Run | undefined;
        let names: Map<string, string> | undefined;
        let started = false;
        // One interval, stored and published: its figures are computed once for both.
        const keep = (p: IntervalDetail, h: Float64Histogram | null) => {
          names ??= agentLabels(run!.participants.values());
          const f = intervalFigures(p, h, names);
          if (store) this.safely(storeNotes, 'intervals', () => store.saveFigures(id, f, h));
          channel.interval(f);
        };
        const noteStart = (r: Run) => {
          if (started || r.startAt === 0) return;
          started = true;
          if (store) this.safely(storeNotes, 'the start', () => store.startRun(id, r.startAt, r.intervalMs));
          channel.start(req.scenario.name, r.startAt, r.intervalMs);
        };
        // Every interval all agents have reported is stored and published at once (a controller
        // that dies mid-run leaves them behind); it is stored again, final, when it closes.
        let persisted = -1;
        /** Per monitor: samples already in the store. */
        const storedSamples = new Map<string, number>();
        const onProgress = (r: Run) => {
          noteStart(r);
          for (let k = persisted + 1; k <= r.completeInterval; k++) {
            const p = r.aggregate.intervals.get(k);
            if (p !== undefined) keep(p, p.latency);
          }
          persisted = Math.max(persisted, r.completeInterval);
          if (store) this.safely(storeNotes, 'intervals', () => store.heartbeat(id));
          const samples = r.monitorSamples();
          if (store) {
            this.safely(storeNotes, 'monitor samples', () => {
              for (const [name, list] of Object.entries(samples)) {
                const from = storedSamples.get(name) ?? 0;
                store.appendMonitorSamples(id, name, list.slice(from));
                storedSamples.set(name, list.length);
              }
            });
          }
          channel.monitors(samples);
          if (req.scenario.thresholds.length > 0) channel.thresholds(r.judge(req.scenario.thresholds), false);
          req.onProgress?.(r);
        };
        run = new Run({ runId: id, scenario: req.scenario, baseUrl: req.baseUrl, vars, agents: req.agents, cluster, clock, logger, onProgress, allowTargets: this.o.allowTargets });
        run.aggregate.onIntervalClosed = keep;
        active.run = run;
        if (stopReason !== undefined) run.abort(stopReason);
        const result = await run.execute();
        // Closing published every interval's final percentiles; late reports may still have
        // changed the counters of one closed earlier.
        noteStart(run);
        for (const p of result.aggregate.series()) channel.interval(intervalFigures(p, null, names ??= agentLabels(result.participants)));
        channel.monitors(result.monitorSamples);
        result.notes.push(...storeNotes);
        const summary = buildSummary(req.scenario.name, result, req.scenario.thresholds);
        // The run happened whatever the store says: a failed write is a note, never a lost result.
        const stored = this.safely(storeNotes, 'the result', () => store?.finishRun(id, summary, result));
        if (!stored) summary.run.notes.push(...storeNotes.filter((n) => !summary.run.notes.includes(n)));
        channel.thresholds(summary.thresholds, true);
        channel.end(summary.run.status);
        this.o.onEnd?.(id, summary.run.status);
        return { summary, result };
      } catch (err) {
        const error = `${(err as { code?: string }).code ?? 'CTRL_INTERNAL'}: ${(err as Error).message}`;
        this.safely([], 'the failure', () => store?.failRun(id, error));
        channel.end('error', error);
        this.o.onEnd?.(id, 'error');
        throw err;
      } finally {
        if (this.active === active) this.active = undefined;
      }
    })();
    this.active = active;
    return active;
  }

  /** Runs a store write; a failure is logged and noted (once per kind), never thrown into the run. */
  private safely(notes: string[], what: string, write: () => void): boolean {
    try {
      write();
      return true;
    } catch (err) {
      const note = `the store could not keep ${what}: ${(err as Error).message}`;
      if (!notes.includes(note)) {
        notes.push(note);
        this.o.logger.error({ err: (err as Error).message }, 'store write failed');
      }
      return false;
    }
  }
}
