// Live progress of a run on the terminal (`controller start`): what an update shows,
// taken from the run; pure formatters of it (a plain line, a two-line TTY frame); and a
// display that redraws the frame in place on a TTY (log-update), prints one plain line
// per update otherwise, or prints nothing with --quiet. Figures are printed by core's
// units.ts, as in the reports and on the dashboard.

import {
  type Clock,
  formatCount,
  formatDuration,
  formatPercent,
  formatRate,
  LOAD_MODELS,
  NO_DATA,
} from '@barrage/core';
import { createLogUpdate } from 'log-update';
import { intervalP95Us } from '../merge/run-aggregate.ts';
import type { RunEvents, RunView } from '../run/events.ts';
import type { Scenario } from '../scenario/scenario.ts';

/** One progress update; every value is passed in, so formatting it is a pure function. */
export interface Progress {
  /** Seconds since the run started, and left of its planned load (0 once past it). */
  elapsedS: number;
  remainingS: number;
  /** The planned end is only a bound: the last load to end is iteration-bounded and may finish before its maxDuration. */
  remainingAtMost?: boolean;
  /** The last complete interval: responses per second and 95th percentile latency (ms; NaN when nothing answered). */
  rps: number;
  p95Ms: number;
  /** The run's totals so far. */
  requests: number;
  ok: number;
  rateLimited: number;
  failed: number;
  dropped: number;
  /** Agents connected to this controller, taking part in the run, and lost and not back. */
  agentsConnected: number;
  agentsPlanned: number;
  agentsLost: number;
}

/** From the run's start to the end of its last scenario's load: startTime + duration (a ramp's stages summed, an iteration model's maxDuration). */
export function plannedLoadMs(s: Scenario): number {
  return Math.max(...s.scenarios.map((m) => m.startTimeMs + m.durationMs));
}

/** Whether plannedLoadMs is only an upper bound: a model ending last counts iterations, and may be done long before its maxDuration. */
export function plannedEndIsBound(s: Scenario): boolean {
  const end = plannedLoadMs(s);
  return s.scenarios.some((m) => m.startTimeMs + m.durationMs === end && LOAD_MODELS[m.executor].iterationBounded);
}

/** The progress of a started run at `now` (controller clock). */
export function progressOf(r: RunView, now: number, connected: number, loadMs: number, atMost = false): Progress {
  const last = r.aggregate.intervals.get(r.completeInterval);
  const elapsedMs = Math.max(0, now - r.startAt);
  const t = r.aggregate.total;
  // Throughput counts answers (a status), never refused or timed-out attempts.
  let responses = 0;
  for (const n of last?.status.values() ?? []) responses += n;
  let lost = 0;
  for (const p of r.participants.values()) if (p.lost !== undefined && p.lost.returnedAt === 0) lost++;
  return {
    elapsedS: elapsedMs / 1000,
    remainingS: Math.max(0, loadMs - elapsedMs) / 1000,
    remainingAtMost: atMost,
    rps: last ? responses / (r.intervalMs / 1000) : Number.NaN,
    p95Ms: last && responses > 0 ? intervalP95Us(last) / 1000 : Number.NaN,
    requests: t.requests,
    ok: t.ok,
    rateLimited: t.rateLimited,
    failed: t.failed,
    dropped: t.dropped,
    agentsConnected: connected,
    agentsPlanned: r.participants.size,
    agentsLost: lost,
  };
}

/**
 * The plain line, one per update when stderr is not a TTY:
 * `[  12s] reqs 1,234  resp 103/s  p95 4.2 ms  ok 1,210 (98.0%)  429 24  failed 0  agents 2/2  48s left`.
 * Tests and scripts match its `[   Ns] reqs N` head (N grouped by thousands) and
 * `agents C/P (L lost)`: keep them.
 */
export function formatProgressLine(p: Progress): string {
  const dropped = p.dropped > 0 ? `  dropped ${formatCount(p.dropped)}` : '';
  const okShare = p.requests > 0 ? ` (${okPercent(p)})` : '';
  return `[${p.elapsedS.toFixed(0).padStart(4)}s] reqs ${formatCount(p.requests)}  resp ${formatRate(p.rps)}  p95 ${formatDuration(p.p95Ms)}  ok ${formatCount(p.ok)}${okShare}  429 ${formatCount(p.rateLimited)}  failed ${formatCount(p.failed)}${dropped}  ${agents(p)}  ${left(p)}`;
}

/**
 * The TTY frame, redrawn in place; two short lines that fit 80 columns:
 * `12s elapsed · 48s left · agents 2/2` and `resp 103/s · p95 4.2 ms · reqs 1,234 · ok 98.0% · 429 24 · failed 0`.
 */
export function formatProgressFrame(p: Progress): string {
  const dropped = p.dropped > 0 ? ` · dropped ${formatCount(p.dropped)}` : '';
  return (
    `${clock(p.elapsedS)} elapsed · ${left(p)} · ${agents(p)}\n` +
    `resp ${formatRate(p.rps)} · p95 ${formatDuration(p.p95Ms)} · reqs ${formatCount(p.requests)} · ok ${p.requests > 0 ? okPercent(p) : NO_DATA} · 429 ${formatCount(p.rateLimited)} · failed ${formatCount(p.failed)}${dropped}`
  );
}

/** Rounded down, so 100.0% means every request was ok. */
const okPercent = (p: Progress) => formatPercent(Math.floor((1000 * p.ok) / p.requests) / 1000);
const agents = (p: Progress) =>
  `agents ${p.agentsConnected}/${p.agentsPlanned}${p.agentsLost > 0 ? ` (${p.agentsLost} lost)` : ''}`;
/** Past the planned load the agents are finishing: in-flight requests, final reports. */
const left = (p: Progress) =>
  p.remainingS > 0 ? `${p.remainingAtMost ? 'at most ' : ''}${clock(Math.ceil(p.remainingS))} left` : 'finishing';

/** `7s`, `1m05s`, `2h03m07s`: whole seconds, rounded. */
export function clock(seconds: number): string {
  const t = Math.round(seconds);
  const [h, m, s] = [Math.floor(t / 3600), Math.floor((t % 3600) / 60), t % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}h${two(m)}m${two(s)}s` : m > 0 ? `${m}m${two(s)}s` : `${s}s`;
}

/**
 * The display as a listener of a local run's events: redrawn on every progress tick (so the
 * clock moves while an agent is lost and no interval completes), done when the run ends.
 */
export function progressEvents(
  display: ProgressDisplay,
  clock: Clock,
  connected: () => number,
  loadMs: number,
  atMost = false,
): RunEvents {
  return {
    progress: (run) => display.update(progressOf(run, clock.now(), connected(), loadMs, atMost)),
    ended: () => display.done(),
  };
}

export type ProgressMode = 'tty' | 'plain' | 'quiet';

/** The stream a display writes to: a TTY's has `isTTY` and its size. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };

/**
 * Shows progress on `stream`, and the messages written while it does. On a TTY a frame is
 * redrawn in place and messages go above it; otherwise each update is a line of its own.
 */
export class ProgressDisplay {
  readonly mode: ProgressMode;
  private readonly stream: ProgressStream;
  private readonly frame: ReturnType<typeof createLogUpdate> | undefined;
  /** The frame on screen (TTY), redrawn below a message; '' when there is none. */
  private shown = '';
  private finished = false;

  /** `tty` overrides `stream.isTTY` (say, false for TERM=dumb); `quiet` shows no progress at all. */
  constructor(stream: ProgressStream, o: { quiet?: boolean; tty?: boolean } = {}) {
    this.stream = stream;
    this.mode = o.quiet ? 'quiet' : (o.tty ?? stream.isTTY === true) ? 'tty' : 'plain';
    // A pseudo-terminal nobody sized (script(1) without a terminal, some CI runners) reports
    // 0 x 0, and log-update draws nothing into 0 rows: assume a common size instead.
    this.frame =
      this.mode !== 'tty'
        ? undefined
        : createLogUpdate({
            write: (text: string) => stream.write(text),
            isTTY: true,
            get columns() {
              return stream.columns || 80;
            },
            get rows() {
              return stream.rows || 24;
            },
          } as unknown as NodeJS.WritableStream);
  }

  update(p: Progress): void {
    if (this.finished || this.mode === 'quiet') return;
    if (this.frame === undefined) {
      this.stream.write(formatProgressLine(p) + '\n');
      return;
    }
    this.shown = formatProgressFrame(p);
    this.frame(this.shown);
  }

  /** Text that stays (a message, a log line, newline-terminated); on a TTY it goes above the progress frame. */
  write(text: string): void {
    if (this.frame === undefined || this.shown === '') {
      this.stream.write(text);
      return;
    }
    // Erased, written as it is (not wrapped to the width, as persist() would), drawn again below.
    this.frame.clear();
    this.stream.write(text);
    this.frame(this.shown);
  }

  /** No more updates: on a TTY the last frame stays on screen and the cursor is shown again. Idempotent. */
  done(): void {
    if (this.finished) return;
    this.finished = true;
    this.shown = '';
    this.frame?.done();
  }
}
