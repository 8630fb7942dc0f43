// `--merge-overflow` (opt-in, about a minute): one agent of a live run sends
// valid reports of 2^31-1 samples in one bucket under two names until the
// run's merged histogram would pass 2^53 (about 2.1 million 89-byte frames).
// hdr-histogram-js throws a bare string there; the controller must refuse that
// report with a coded ErrorReport on that connection, and stay up.
import type { barrage } from '@barrage/proto';
import type { Controller } from './controller-process.ts';
import type { FakeAgent } from './fake-agent.ts';
import { RunAgent, startFakeRun, stopFakeRun } from './fake-run.ts';
import type { Tally } from './tally.ts';

const M = 2 ** 31 - 1;
const BATCH = 5_000;
/** 2^53 / (2 names x (2^31 - 1)) reports reach the limit; a margin past it. */
const MAX_REPORTS = 2_300_000;

export interface OverflowResult {
  reportsSent: number;
  seconds: number;
  /** How it ended: the controller's ErrorReport code, a crash, or neither. */
  outcome: string;
}

export async function mergeOverflow(
  ctl: Controller,
  sentinel: FakeAgent,
  tally: Tally,
  log: (line: string) => void,
): Promise<OverflowResult> {
  const t0 = performance.now();
  const attacker = new RunAgent('fz-overflow');
  const started = await startFakeRun(ctl, sentinel, [attacker], () => ctl.exit !== undefined);
  if ('failed' in started) {
    tally.anomaly(`merge overflow: ${started.failed}`);
    return { reportsSent: 0, seconds: 0, outcome: started.failed };
  }
  const link = attacker.link!;
  link.discard = (env) => env.body === 'ack';
  const stat = (name: string): barrage.v1.RequestStats.$Properties => ({
    name,
    latency: { config: 1, counts: [-999, M], min: 999, max: 999 },
    status: [{ status: 200, count: M }],
    ok: M,
  });
  const stats = [stat('r1'), stat('r2')];
  let sent = 0;
  while (sent < MAX_REPORTS && link.open && ctl.exit === undefined) {
    for (let i = 0; i < BATCH; i++) link.send({ report: { runId: started.runId, seq: ++sent, interval: 0, stats } });
    await link.waitFor(link.barrier(), 120_000);
    if (sent % 250_000 === 0) log(`merge overflow: ${sent.toLocaleString('en-US')} reports`);
  }
  const error = link.inbox.find((r) => 'env' in r && r.env.body === 'error');
  // A link cut without an ErrorReport: give a dying process a moment to be seen dead.
  if (error === undefined && !link.open) await Promise.race([ctl.exited, new Promise((r) => setTimeout(r, 3_000))]);
  const code = error && 'env' in error ? error.env.error!.code : undefined;
  let outcome: string;
  if (ctl.exit !== undefined) {
    outcome = `the controller died (exit ${ctl.exit.code}, signal ${ctl.exit.signal})`;
    tally.anomaly(`merge overflow: ${outcome} after ${sent} reports`);
  } else if (code !== undefined && !link.open) {
    outcome = `connection closed with ${code} after ${sent.toLocaleString('en-US')} reports`;
    tally.add(`frames.overflow.${code}`);
    const ended = await stopFakeRun(ctl, started.runId, [attacker]);
    if ('failed' in ended) tally.anomaly(`merge overflow: ${ended.failed}`);
  } else {
    outcome = `no refusal after ${sent} reports (connection ${link.open ? 'open' : `closed ${link.closed?.code}`})`;
    tally.anomaly(`merge overflow: ${outcome}`);
  }
  await link.close();
  return { reportsSent: sent, seconds: (performance.now() - t0) / 1000, outcome };
}
