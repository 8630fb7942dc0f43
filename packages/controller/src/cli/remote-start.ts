// `controller start --controller URL`: the run goes to a long-lived controller
// (`controller serve`) over its REST API instead of a controller of its own.
// The scenario travels as text (or a built-in's name); the summary, table,
// --out and --report come back from the API; the exit code is the same. --set
// values travel in the submission (secrets: over https:// beyond loopback).
// An https:// controller is verified against --ca (default: Node's CAs).
// Progress comes from the run's event stream, shown as a local start shows it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { certificateErrorCode } from '@barrage/core';
// undici's own fetch: Node's built-in one accepts only its bundled undici's dispatchers.
import { Agent, type Dispatcher, fetch, type RequestInit, type Response } from 'undici';
import { loadClientTrust } from '../cluster/tls-options.ts';
import { ControllerErrors } from '../errors.ts';
import type { StoredInterval } from '../merge/interval-figures.ts';
import { formatSummary } from '../report/summary-table.ts';
import type { Summary } from '../results/summary.ts';
import { withInlineData } from '../scenario/data-inline.ts';
import { loadScenario } from '../scenario/read.ts';
import { remoteApiToken, stderrIsTty } from './config.ts';
import { printError, toStderr } from './error-output.ts';
import { EXIT, type ExitCode, exitCodeOf } from './exit-codes.ts';
import { type Progress, ProgressDisplay, plannedEndIsBound, plannedLoadMs } from './progress-display.ts';
import { checkReportTargets, reportFiles, writeReports } from './report-files.ts';

export interface RemoteStartOptions {
  controller: string;
  scenario: string;
  target?: string;
  agents: number;
  out?: string;
  /** --report values: files and directories, as for a local start. */
  report: string[];
  /** --set NAME=VALUE: ${env:NAME} values sent with the run (the serving controller's environment is not read for them). */
  set: Record<string, string>;
  token?: string;
  /** No progress (the summary, messages and errors still print). */
  quiet?: boolean;
  /** PEM file of the certificates trusted to sign an https:// controller's certificate. */
  ca?: string;
}

const display = { current: undefined as ProgressDisplay | undefined };
const err = (text: string) => (display.current ? display.current.write(`${text}\n`) : toStderr(text));
const REPORT_PATH = { md: 'report.md', html: 'report.html', json: 'report.json', junit: 'junit.xml' } as const;

export async function remoteStart(o: RemoteStartOptions): Promise<ExitCode> {
  const api = `${o.controller.replace(/\/$/, '').replace(/^ws/, 'http')}/api/v1`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  // Submitting a run is a change: it takes the API token (by default the same as the agents').
  const token = remoteApiToken(o.token);
  if (token) headers.authorization = `Bearer ${token}`;
  let dispatcher: Dispatcher | undefined;
  const call = async (path: string, init: RequestInit = {}) => {
    let res: Response;
    try {
      res = await fetch(`${api}${path}`, { ...init, headers, signal: AbortSignal.timeout(30_000), dispatcher });
    } catch (e) {
      // fetch says only "fetch failed"; the reason is its cause.
      const reason = ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
      const untrusted = certificateErrorCode(e);
      if (untrusted !== undefined) throw new ControllerErrors.TLS_UNVERIFIED(api, reason, untrusted);
      throw new ControllerErrors.CONTROLLER_UNREACHABLE(api, reason);
    }
    const text = await res.text();
    if (!res.ok) {
      let body: { code?: string; message?: string } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        /* not JSON */
      }
      if (body.code === undefined)
        throw new ControllerErrors.CONTROLLER_UNREACHABLE(
          api,
          `HTTP ${res.status} without a barrage error: is this a barrage controller?`,
        );
      throw Object.assign(new Error(body.message ?? `HTTP ${res.status}`), { code: body.code });
    }
    return text;
  };
  try {
    if (o.ca !== undefined) {
      if (!api.startsWith('https:'))
        throw new ControllerErrors.TLS_INVALID('--ca needs an https:// (or wss://) --controller URL');
      dispatcher = new Agent({ connect: loadClientTrust(o.ca) });
    }
    checkReportTargets(o.report);
    // A file's data files go inline: the controller reads no file for a scenario it is sent.
    const scenario =
      /^[a-z0-9-]+$/.test(o.scenario) && !existsSync(o.scenario)
        ? o.scenario
        : withInlineData(readFileSync(o.scenario, 'utf8'), o.scenario);
    const created = JSON.parse(
      await call('/runs', {
        method: 'POST',
        body: JSON.stringify({
          scenario,
          target: o.target,
          ...(o.agents > 0 ? { agents: o.agents } : {}),
          ...(Object.keys(o.set).length > 0 ? { env: o.set } : {}),
        }),
      }),
    ) as { id: string; url: string };
    err(`run ${created.id}: ${created.url} · dashboard ${new URL(`/runs/${created.id}`, created.url).href}`);
    // The planned load, for "time left": from the scenario as read here (the controller may resolve
    // variables differently; a scenario that does not load here just shows no time left).
    let loadMs: number | undefined;
    let atMost = false;
    try {
      const scenario = loadScenario(o.scenario);
      loadMs = plannedLoadMs(scenario);
      atMost = plannedEndIsBound(scenario);
    } catch {
      loadMs = undefined;
    }
    const progress = new ProgressDisplay(process.stderr, { quiet: o.quiet ?? false, tty: stderrIsTty() });
    display.current = progress;
    const following = new AbortController();
    void followProgress(`${api}/runs/${created.id}/events`, headers, dispatcher, following.signal, loadMs, (p) =>
      progress.update({ ...p, remainingAtMost: atMost }),
    ).catch(() => {});
    // Ctrl-C stops the remote run (its data is kept there); a second one leaves without waiting.
    let signals = 0;
    const onSignal = () => {
      if (++signals > 1) process.exit(EXIT.error);
      err('stopping the run on the controller (press Ctrl-C again to leave without waiting)');
      call(`/runs/${created.id}/stop`, { method: 'POST', body: '{}' }).catch((e: Error) =>
        err(`could not stop it: ${e.message}`),
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let status = 'running';
    try {
      while (status === 'running') {
        await new Promise((r) => setTimeout(r, 500));
        status = (JSON.parse(await call(`/runs/${created.id}`)) as { status: string }).status;
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      following.abort();
      progress.done();
      display.current = undefined;
    }
    if (status === 'error')
      throw new ControllerErrors.INTERNAL((JSON.parse(await call(`/runs/${created.id}`)) as { error: string }).error);
    const summaryText = await call(`/runs/${created.id}/summary`);
    const summary = JSON.parse(summaryText) as Summary;
    process.stdout.write('\n' + formatSummary(summary));
    if (o.out) writeFileSync(o.out, summaryText.endsWith('\n') ? summaryText : summaryText + '\n');
    await writeReports(
      reportFiles(o.report, created.id),
      (format) => call(`/runs/${created.id}/${REPORT_PATH[format]}`),
      err,
    );
    return exitCodeOf(summary.run.status);
  } catch (e) {
    printError(e, err);
    return EXIT.error;
  }
}

/**
 * Reads the run's event stream and turns each interval into a progress update: the totals of
 * the intervals so far (each counted once, a re-sent one replacing the first), the last one's
 * rate and p95, the agents that reported in it.
 */
async function followProgress(
  url: string,
  headers: Record<string, string>,
  dispatcher: Dispatcher | undefined,
  signal: AbortSignal,
  loadMs: number | undefined,
  update: (p: Progress) => void,
): Promise<void> {
  const res = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, dispatcher, signal });
  if (!res.ok || res.body === null) return;
  // Running totals: an interval sent again (late reports) replaces what it added before.
  const intervals = new Map<number, StoredInterval>();
  const totals = { requests: 0, ok: 0, rateLimited: 0, failed: 0, dropped: 0 };
  const add = (iv: StoredInterval, sign: 1 | -1) => {
    for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += sign * iv[k];
  };
  let last: StoredInterval | undefined;
  let intervalMs = 1000;
  let buf = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    buf += decoder.decode(chunk as Uint8Array, { stream: true });
    for (let cut = buf.indexOf('\n\n'); cut >= 0; cut = buf.indexOf('\n\n')) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event === undefined || data === undefined) continue;
      if (event === 'start') intervalMs = (JSON.parse(data) as { intervalMs: number }).intervalMs || 1000;
      if (event !== 'interval') continue;
      const iv = JSON.parse(data) as StoredInterval;
      const before = intervals.get(iv.interval);
      if (before !== undefined) add(before, -1);
      add(iv, 1);
      intervals.set(iv.interval, iv);
      if (last === undefined || iv.interval >= last.interval) last = iv;
      const elapsedS = ((last.interval + 1) * intervalMs) / 1000;
      const agents = Object.keys(last.agents).length;
      update({
        elapsedS,
        remainingS: loadMs === undefined ? 0 : Math.max(0, loadMs / 1000 - elapsedS),
        rps: Object.values(last.status).reduce((n, c) => n + c, 0) / (intervalMs / 1000),
        p95Ms: last.p95Ms ?? Number.NaN,
        ...totals,
        agentsConnected: agents,
        agentsPlanned: agents,
        agentsLost: 0,
      });
    }
  }
}
