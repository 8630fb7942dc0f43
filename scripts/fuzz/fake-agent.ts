// A well-behaved fake agent: says Hello, answers an Assign with Ready (when
// told to), and every Stop with a final report and a Finished, so a run it is
// in ends at once. It never fires a request. The fuzzer keeps one connected
// from start to end: if any other connection's frames closed it, or the
// controller stopped answering it, the damage was not contained.
import { type barrage, type EnvelopeShape, PROTOCOL_VERSION, SOFTWARE_VERSION } from '@barrage/proto';
import type { Controller } from './controller-process.ts';
import { Link } from './link.ts';

export function helloFor(agentId: string, runId = '', lastAckedSeq = 0): EnvelopeShape {
  return {
    hello: {
      protocolVersion: PROTOCOL_VERSION,
      agentId,
      name: agentId,
      cpus: 1,
      weight: 1,
      version: SOFTWARE_VERSION,
      hostname: 'fuzz',
      runId,
      lastAckedSeq,
    },
  };
}

/** Says Hello on a fresh link and waits for the Welcome; undefined if it never came. */
export async function helloLink(
  ctl: Controller,
  agentId: string,
  runId = '',
): Promise<{ link: Link; welcome: barrage.v1.IWelcome } | undefined> {
  const link = await Link.open(ctl.agents, ctl.token);
  const from = link.inbox.length;
  link.send(helloFor(agentId, runId));
  const welcome = () => link.inbox.slice(from).find((r) => 'env' in r && r.env.body === 'welcome');
  if (!(await link.waitFor(() => welcome() !== undefined, 15_000))) {
    await link.close();
    return undefined;
  }
  const w = welcome()!;
  return { link, welcome: ('env' in w ? w.env.welcome : undefined)! };
}

/** Answers a Stop the way an agent ends its part of a run. */
export function answerStop(link: Link, stop: barrage.v1.IStop, seq: number): void {
  link.send({ report: { runId: stop.runId, seq, interval: 0, final: true } });
  link.send({ finished: { runId: stop.runId, stopId: stop.id } });
}

export class FakeAgent {
  readonly id: string;
  readonly link: Link;
  /** Answer an Assign with Ready (the run then starts); off: the run waits until it is stopped. */
  autoReady = true;
  readonly runs: string[] = [];
  private seq = 0;

  private constructor(id: string, link: Link) {
    this.id = id;
    this.link = link;
    link.onEnvelope = (env) => {
      if (env.body === 'assign') {
        const runId = env.assign!.runId ?? '';
        this.runs.push(runId);
        if (this.autoReady) link.send({ ready: { runId, clockOffsetMs: 0, clockRttMs: 0.5 } });
      } else if (env.body === 'stop') answerStop(link, env.stop!, ++this.seq);
    };
  }

  static async connect(ctl: Controller, id: string): Promise<FakeAgent> {
    const h = await helloLink(ctl, id);
    if (h === undefined) throw new Error(`fake agent ${id}: no Welcome`);
    return new FakeAgent(id, h.link);
  }

  /** Still connected, and the controller still answers it. */
  async alive(): Promise<boolean> {
    return this.link.open && (await this.link.waitFor(this.link.barrier(), 10_000));
  }
}
