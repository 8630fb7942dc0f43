// A live run whose agents are all the fuzzer's fakes: started through the API
// with every connected agent (the sentinel plus the given ones), driven to its
// start (Assign, Ready, Start), and stopped with each agent answering its Stops
// like an agent ending its part. Nothing ever fires; the target is a closed port.
import type { barrage } from '@barrage/proto';
import { call } from './api-client.ts';
import type { Controller } from './controller-process.ts';
import { answerStop, type FakeAgent, helloLink } from './fake-agent.ts';
import { namesFromAssign, type RunSeed } from './frame-seeds.ts';
import type { Link } from './link.ts';
import { SAFE_TARGET } from './scenario-mutations.ts';

const ANSWER_MS = 15_000;

/** The scenario of these runs: two request names, a check and a capture to count. */
export const FUZZ_RUN_SCENARIO = {
  name: 'fuzz-run',
  description: 'driven by scripts/fuzz.ts: its agents are fakes that never fire',
  agentTimeout: '60s',
  lease: '10m',
  onAgentLoss: 'continue',
  requests: [
    { name: 'r1', path: '/a', checks: [{ header: 'x-a' }], capture: { tok: '$.t' } },
    { name: 'r2', path: '/b' },
  ],
  scenarios: [{ name: 's', executor: 'constant-vus', vus: 4, duration: '1h' }],
} as const;

/** A fake agent of the run the fuzzer drives: reconnects (resuming the run) when a frame closed it. */
export class RunAgent {
  readonly id: string;
  link: Link | undefined;
  seq = 0;
  /** Report sequences the controller merged (each once). */
  readonly merged = new Set<number>();
  seed: RunSeed | undefined;

  constructor(id: string) {
    this.id = id;
  }

  async connect(ctl: Controller, runId = ''): Promise<boolean> {
    const h = await helloLink(ctl, this.id, runId);
    this.link = h?.link;
    return h !== undefined && (runId === '' || h.welcome.resumed === true);
  }
}

const found = (link: Link, kind: string) =>
  link.inbox.find((r) => 'env' in r && r.env.body === kind) as { env: barrage.v1.Envelope } | undefined;

/**
 * Connects `agents`, waits until they and the sentinel are the only agents connected (the
 * run takes them all), starts the run, and brings every agent to its Start. Returns the
 * run id, or why it could not.
 */
export async function startFakeRun(
  ctl: Controller,
  sentinel: FakeAgent,
  agents: RunAgent[],
  abort: () => boolean,
): Promise<{ runId: string } | { failed: string }> {
  for (const a of agents) if (!(await a.connect(ctl))) return { failed: `agent ${a.id} got no Welcome` };
  const want = new Set([sentinel.id, ...agents.map((a) => a.id)]);
  for (let i = 0; ; i++) {
    const r = await call(ctl, 'GET', '/api/v1/agents');
    const ids =
      'answer' in r && Array.isArray(r.answer.json) ? (r.answer.json as Array<{ id: string }>).map((x) => x.id) : [];
    if (ids.length === want.size && ids.every((id) => want.has(id))) break;
    if (i > 400 || abort())
      return { failed: `connected agents never settled to ${[...want].join(', ')} (saw ${ids.join(', ')})` };
    // Condition polling: connections closed by the previous phase leave the controller's list a moment later.
    await new Promise((r2) => setTimeout(r2, 25));
  }
  sentinel.autoReady = true;
  const posted = await call(ctl, 'POST', '/api/v1/runs', {
    body: JSON.stringify({ scenario: FUZZ_RUN_SCENARIO, target: SAFE_TARGET }),
  });
  if (!('answer' in posted) || posted.answer.status !== 202)
    return { failed: `the run was refused: ${'answer' in posted ? posted.answer.text.slice(0, 300) : posted.failure}` };
  const runId = (posted.answer.json as { id: string }).id;
  for (const a of agents) {
    if (!(await a.link!.waitFor(() => found(a.link!, 'assign') !== undefined, ANSWER_MS)))
      return { failed: `${a.id} got no Assign` };
    a.link!.send({ ready: { runId, clockOffsetMs: 0, clockRttMs: 0.5 } });
  }
  // The start is broadcast once every agent is ready.
  for (const a of agents) {
    if (!(await a.link!.waitFor(() => found(a.link!, 'start') !== undefined, ANSWER_MS)))
      return { failed: `${a.id} got no Start` };
    const names = namesFromAssign(found(a.link!, 'assign')!.env.assign!);
    a.seed = { runId, names, startAt: found(a.link!, 'start')!.env.start!.startAt ?? 0, nextSeq: () => ++a.seq };
  }
  return { runId };
}

/**
 * Stops the run through the API, every agent (resumed if a frame closed it) answering its
 * Stops, and waits for the controller's "run X ended" line. Returns that status, or why not.
 */
export async function stopFakeRun(
  ctl: Controller,
  runId: string,
  agents: RunAgent[],
): Promise<{ status: string } | { failed: string }> {
  for (const a of agents) {
    if (!a.link?.open && !(await a.connect(ctl, runId))) continue;
    const link = a.link!;
    link.discard = undefined;
    for (const r of link.inbox) if ('env' in r && r.env.body === 'stop') answerStop(link, r.env.stop!, ++a.seq);
    link.onEnvelope = (env) => {
      if (env.body === 'stop') answerStop(link, env.stop!, ++a.seq);
    };
  }
  const stopped = await call(ctl, 'POST', `/api/v1/runs/${runId}/stop`);
  if (!('answer' in stopped) || stopped.answer.status !== 202)
    return { failed: `stop refused: ${'answer' in stopped ? stopped.answer.text.slice(0, 200) : stopped.failure}` };
  const ended = await ctl.waitForLine(new RegExp(`^run ${runId} ended: `), 60_000);
  return ended === undefined
    ? { failed: 'the run did not end within 60 s of its stop' }
    : { status: ended.split(': ')[1]! };
}
