// Sends mutated frames to a live controller over many agent connections and
// judges each one: after every fuzzed frame a ClockPing barrier either comes
// back (the frame was accepted, or rejected with a non-fatal ErrorReport) or
// the connection closes (with a coded ErrorReport; or, for a frame past the
// ws limits, with ws's own close code). The same bytes are decoded locally,
// and the two verdicts must agree. Inside a run, the reports the controller
// accepted are added up here and must equal the run's merged totals.
import { type barrage, decodeEnvelope, MAX_FRAME_BYTES } from '@barrage/proto';
import { validateHello } from '../../packages/controller/src/cluster/agent-session.ts';
import { call, codeOf } from './api-client.ts';
import type { Controller } from './controller-process.ts';
import { type FakeAgent, helloFor, helloLink } from './fake-agent.ts';
import { RunAgent, startFakeRun, stopFakeRun } from './fake-run.ts';
import { type FrameMix, type FuzzFrame, mutateFrame, specialFrames } from './frame-mutations.ts';
import { SEED_KINDS, type SeedKind } from './frame-seeds.ts';
import { Link } from './link.ts';
import { Prng } from './prng.ts';
import { isCoded, type Tally } from './tally.ts';

type Envelope = barrage.v1.Envelope;

export type FrameOutcome =
  | { kind: 'accepted'; replies: Envelope[] }
  | { kind: 'rejected'; code: string; closed: boolean; replies: Envelope[] }
  | { kind: 'ws-close'; code: number }
  | { kind: 'replaced' }
  | { kind: 'anomaly'; why: string };

/** How long one frame may go unanswered before it counts as a hang. */
const ANSWER_MS = 15_000;

interface Prediction {
  /** The code decodeEnvelope (or the first-frame rules) must refuse it with. */
  code?: string;
  env?: Envelope;
}

/** What the controller must make of `frame`, from the same decoder and Hello rules. */
function predict(frame: FuzzFrame, helloSaid: boolean): Prediction {
  if (frame.wsClose !== undefined) return {};
  if (typeof frame.data === 'string') return { code: 'PROTO_FRAME_INVALID' };
  let env: Envelope;
  try {
    env = decodeEnvelope(frame.data, MAX_FRAME_BYTES);
  } catch (err) {
    return { code: (err as { code?: string }).code ?? 'uncoded' };
  }
  if (helloSaid || env.body === 'clockPing') return { env };
  if (env.body !== 'hello') return { env, code: 'CTRL_HELLO_INVALID' };
  try {
    validateHello(env.hello as barrage.v1.Hello);
  } catch (err) {
    return { env, code: (err as { code?: string }).code ?? 'uncoded' };
  }
  return { env };
}

/** Sends one frame, then a barrier; classifies what came back. */
export async function roundTrip(link: Link, frame: FuzzFrame): Promise<FrameOutcome> {
  const from = link.inbox.length;
  link.sendRaw(frame.data, frame.fragments);
  const pong = link.barrier();
  const answered = await link.waitFor(pong, ANSWER_MS);
  const received = link.inbox.slice(from).filter((r) => !Link.isBarrierPong(r));
  const bad = received.find((r) => 'undecodable' in r);
  if (bad && 'undecodable' in bad)
    return { kind: 'anomaly', why: `the controller sent an undecodable frame: ${bad.undecodable}` };
  const replies = received.map((r) => (r as { env: Envelope }).env);
  const errors = replies
    .filter((e) => e.body === 'error')
    .map((e) => ({ code: e.error!.code ?? '', message: e.error!.message ?? '', fatal: e.error!.fatal === true }));
  for (const e of errors)
    if (!isCoded(e.code))
      return {
        kind: 'anomaly',
        why: `ErrorReport with an unknown or internal code ${JSON.stringify(e.code)}: ${e.message.slice(0, 200)}`,
      };
  if (answered) {
    if (frame.wsClose !== undefined)
      return { kind: 'anomaly', why: `a frame past the ws limits was accepted (expected close ${frame.wsClose})` };
    if (errors.some((e) => e.fatal)) return { kind: 'anomaly', why: 'a fatal ErrorReport, yet the connection went on' };
    return errors.length > 0
      ? { kind: 'rejected', code: errors[0]!.code, closed: false, replies }
      : { kind: 'accepted', replies };
  }
  const closed = link.closed;
  if (closed === undefined)
    return { kind: 'anomaly', why: `hang: no answer and no close within ${ANSWER_MS / 1000} s` };
  const fatal = errors.find((e) => e.fatal);
  if (fatal) {
    if (closed.code !== 1008 || closed.reason !== fatal.code)
      return { kind: 'anomaly', why: `ErrorReport ${fatal.code}, then close ${closed.code} "${closed.reason}"` };
    return { kind: 'rejected', code: fatal.code, closed: true, replies };
  }
  if (frame.wsClose !== undefined && closed.code === frame.wsClose) return { kind: 'ws-close', code: closed.code };
  if (closed.code === 4000) return { kind: 'replaced' };
  return { kind: 'anomaly', why: `closed ${closed.code} "${closed.reason}" without an ErrorReport` };
}

/** Counts an outcome and checks it against the local prediction. */
function record(tally: Tally, frame: FuzzFrame, p: Prediction, o: FrameOutcome, where: string): void {
  tally.add('frames.sent');
  tally.add(`frames.op.${frame.op}`);
  const label = `${where} ${frame.kind}/${frame.op} (${typeof frame.data === 'string' ? 'text' : `${frame.data.length} bytes`}${frame.fragments > 1 ? ` in ${frame.fragments} fragments` : ''})`;
  switch (o.kind) {
    case 'accepted':
      tally.add('frames.accepted');
      if (p.code !== undefined) tally.anomaly(`${label}: accepted, but decodeEnvelope/Hello rules say ${p.code}`);
      return;
    case 'rejected':
      tally.add(o.closed ? `frames.closed.${o.code}` : `frames.kept.${o.code}`);
      if (p.code !== undefined && p.code !== o.code)
        tally.anomaly(`${label}: rejected ${o.code}, but decodeEnvelope/Hello rules say ${p.code}`);
      if (p.code === undefined && p.env === undefined && frame.wsClose === undefined)
        tally.anomaly(`${label}: rejected ${o.code} with no local verdict`);
      if (p.code === undefined && /^PROTO_FRAME_/.test(o.code))
        tally.anomaly(`${label}: ${o.code}, but it decodes locally`);
      return;
    case 'ws-close':
      tally.add(`frames.ws.${o.code}`);
      return;
    case 'replaced':
      tally.add('frames.replaced');
      return;
    case 'anomaly':
      tally.add('frames.anomaly');
      tally.anomaly(`${label}: ${o.why}`);
  }
}

class Budget {
  left: number;
  constructor(left: number) {
    this.left = left;
  }
  take(): boolean {
    if (this.left <= 0) return false;
    this.left--;
    return true;
  }
}

export interface FramePhase {
  ctl: Controller;
  tally: Tally;
  seed: number;
  frames: number;
  concurrency: number;
  /** Checked between frames: stop early once the controller is gone. */
  abort: () => boolean;
}

const PRE_HELLO_KINDS: ReadonlyArray<readonly [number, SeedKind]> = SEED_KINDS.map(
  (k) => [k === 'hello' ? 6 : k === 'clockPing' ? 2 : 1, k] as const,
);

/**
 * Outside any run: connections that send frames before their Hello, then say a valid Hello
 * and send mutated frames of every kind until one closes them.
 */
export async function fuzzIdleFrames(ph: FramePhase): Promise<void> {
  const { ctl, tally } = ph;
  const master = new Prng(ph.seed ^ 0x1d1e);
  const specials = specialFrames(master.fork());
  const budget = new Budget(Math.max(0, ph.frames - specials.length));
  let agentNo = 0;
  for (const frame of specials) {
    if (ph.abort()) return;
    const h = await helloLink(ctl, `fzx-${ph.seed}-${agentNo++}`);
    if (!h) {
      tally.anomaly('special frames: no Welcome');
      continue;
    }
    record(tally, frame, predict(frame, true), await roundTrip(h.link, frame), 'special');
    await h.link.close();
  }
  const worker = async (w: number) => {
    const rng = new Prng(master.u32() ^ w);
    while (budget.left > 0 && !ph.abort()) {
      const conn = rng.fork();
      let link: Link;
      try {
        link = await Link.open(ctl.agents, ctl.token);
      } catch (err) {
        tally.anomaly(`connection refused: ${(err as Error).message}`);
        if (ph.abort()) return;
        continue;
      }
      tally.add('frames.connections');
      let helloSaid = false;
      const before = conn.chance(0.3) ? conn.range(1, 3) : 0;
      for (let i = 0; i < before && link.open && !helloSaid && budget.take(); i++) {
        const frame = mutateFrame(conn, { kinds: PRE_HELLO_KINDS });
        const p = predict(frame, false);
        const o = await roundTrip(link, frame);
        record(tally, frame, p, o, 'before Hello:');
        if (o.kind === 'accepted' && o.replies.some((e) => e.body === 'welcome')) helloSaid = true;
      }
      if (link.open && !helloSaid) {
        const from = link.inbox.length;
        link.send(helloFor(`fz-${ph.seed}-${w}-${agentNo++}`));
        helloSaid = await link.waitFor(
          () => link.inbox.slice(from).some((r) => 'env' in r && r.env.body === 'welcome'),
          ANSWER_MS,
        );
        if (!helloSaid && link.open) tally.anomaly('a valid Hello got no Welcome');
      }
      const after = conn.range(1, 40);
      for (let i = 0; i < after && link.open && budget.take(); i++) {
        const frame = mutateFrame(conn);
        record(tally, frame, predict(frame, true), await roundTrip(link, frame), 'after Hello:');
      }
      await link.close();
    }
  };
  await Promise.all(Array.from({ length: ph.concurrency }, (_, w) => worker(w)));
}

/** Totals the controller's live view and summary give, to compare with ours. */
interface Totals {
  requests: number;
  ok: number;
  rateLimited: number;
  failed: number;
  dropped: number;
}
const ZERO: Totals = { requests: 0, ok: 0, rateLimited: 0, failed: 0, dropped: 0 };

function reportTotals(r: barrage.v1.IReport): Totals {
  const t = { ...ZERO };
  for (const s of r.stats ?? []) {
    const e = s.errors ?? {};
    t.requests +=
      (s.status ?? []).reduce((n, sc) => n + (sc.count ?? 0), 0) +
      (e.timeout ?? 0) +
      (e.refused ?? 0) +
      (e.reset ?? 0) +
      (e.other ?? 0);
    t.ok += s.ok ?? 0;
    t.rateLimited += s.rateLimited ?? 0;
    t.failed += s.failed ?? 0;
    t.dropped += s.dropped ?? 0;
  }
  return t;
}

const addTotals = (a: Totals, b: Totals): Totals => ({
  requests: a.requests + b.requests,
  ok: a.ok + b.ok,
  rateLimited: a.rateLimited + b.rateLimited,
  failed: a.failed + b.failed,
  dropped: a.dropped + b.dropped,
});
const sameTotals = (a: Totals, b: Partial<Totals> | undefined) =>
  b !== undefined && (Object.keys(ZERO) as Array<keyof Totals>).every((k) => a[k] === b[k]);
const show = (t: Partial<Totals> | undefined) =>
  t === undefined ? 'none' : (Object.keys(ZERO) as Array<keyof Totals>).map((k) => `${k} ${t[k]}`).join(', ');

export interface InRunResult {
  runId: string | undefined;
  expected: Totals;
  live: Partial<Totals> | undefined;
  summary: Partial<Totals> | undefined;
}

/**
 * Inside a live run: a few fake agents (plus the sentinel) are the run's agents; after the
 * start they send mutated reports (and other kinds), every accepted report is added up here,
 * and the run's live totals, then its summary, must come out the same.
 */
export async function fuzzInRunFrames(ph: FramePhase, sentinel: FakeAgent, agentCount = 3): Promise<InRunResult> {
  const { ctl, tally } = ph;
  const result: InRunResult = { runId: undefined, expected: { ...ZERO }, live: undefined, summary: undefined };
  const agents = Array.from({ length: agentCount }, (_, i) => new RunAgent(`fzrun-${ph.seed}-${i}`));
  const started = await startFakeRun(ctl, sentinel, agents, ph.abort);
  if ('failed' in started) {
    tally.anomaly(`in-run: ${started.failed}`);
    return result;
  }
  const { runId } = started;
  result.runId = runId;
  const kinds: ReadonlyArray<readonly [number, SeedKind]> = SEED_KINDS.map(
    (k) => [k === 'report' ? 45 : k === 'finished' || k === 'status' ? 3 : 1, k] as const,
  );
  const budget = new Budget(ph.frames);
  const master = new Prng(ph.seed ^ 0x5eed);
  await Promise.all(
    agents.map(async (a, w) => {
      const rng = new Prng(master.u32() ^ w);
      const mix: FrameMix = { kinds, run: a.seed! };
      while (!ph.abort() && budget.take()) {
        if (!a.link!.open && !(await a.connect(ctl, runId))) {
          tally.anomaly(`in-run: ${a.id} could not resume the run`);
          return;
        }
        const frame = mutateFrame(rng, mix);
        const p = predict(frame, true);
        const o = await roundTrip(a.link!, frame);
        record(tally, frame, p, o, 'in a run:');
        const r = p.env?.body === 'report' ? p.env.report! : undefined;
        const seq = r?.seq ?? 0;
        if (o.kind === 'accepted' && r && r.runId === runId && !a.merged.has(seq)) {
          if (!o.replies.some((e) => e.body === 'ack' && e.ack!.seq === seq))
            tally.anomaly(`in-run: report seq ${seq} accepted without an Ack`);
          a.merged.add(seq);
          result.expected = addTotals(result.expected, reportTotals(r));
          tally.add('frames.reports-merged');
        }
      }
    }),
  );
  const live = await call(ctl, 'GET', `/api/v1/runs/${runId}`);
  result.live = 'answer' in live ? (live.answer.json as { live?: Totals }).live : undefined;
  if (!sameTotals(result.expected, result.live))
    tally.anomaly(
      `in-run: live totals (${show(result.live)}) differ from the accepted reports' (${show(result.expected)})`,
    );
  const ended = await stopFakeRun(ctl, runId, agents);
  if ('failed' in ended) tally.anomaly(`in-run: ${ended.failed}`);
  else tally.add(`frames.run-status.${ended.status}`);
  const summary = await call(ctl, 'GET', `/api/v1/runs/${runId}/summary`);
  result.summary =
    'answer' in summary && summary.answer.status === 200
      ? (summary.answer.json as { totals?: Totals }).totals
      : undefined;
  if (!sameTotals(result.expected, result.summary))
    tally.anomaly(
      `in-run: summary totals (${show(result.summary)}) differ from the accepted reports' (${show(result.expected)})`,
    );
  // Every view of the run renders, however absurd the figures it merged.
  for (const path of [
    '',
    '/summary',
    '/timeseries',
    '/agents',
    '/histogram',
    '/histogram?name=r1',
    '/report.md',
    '/report.html',
    '/report.json',
    '/junit.xml',
  ]) {
    const v = await call(ctl, 'GET', `/api/v1/runs/${runId}${path}`);
    const status = 'answer' in v ? v.answer.status : 0;
    tally.add(`frames.run-views.${status}`);
    if (status !== 200)
      tally.anomaly(
        `in-run: GET /api/v1/runs/:id${path} answered ${'answer' in v ? `${status} ${codeOf(v.answer) ?? v.answer.text.slice(0, 200)}` : v.failure}`,
      );
  }
  for (const a of agents) await a.link?.close();
  return result;
}
