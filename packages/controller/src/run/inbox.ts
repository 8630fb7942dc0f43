// Where the cluster hands a run its agents' words and presence: each message
// to the piece that takes it in (report-intake.ts), an agent coming back
// (re-attached, told the Start and Stop it missed), an agent leaving. After
// each, the run re-checks what it waits for.

import type { barrage } from '@barrage/proto';
import type { AgentSession } from '../cluster/agent-session.ts';
import type { RunListener } from '../cluster/cluster.ts';
import type { AgentLossHandler } from './agent-loss.ts';
import type { ReportIntake } from './report-intake.ts';
import type { RunState } from './run-state.ts';
import type { StopProtocol } from './stop-protocol.ts';

export class RunInbox implements RunListener {
  readonly runId: string;
  private readonly c: RunState;
  private readonly intake: ReportIntake;
  private readonly loss: AgentLossHandler;
  private readonly stops: StopProtocol;

  constructor(state: RunState, intake: ReportIntake, loss: AgentLossHandler, stops: StopProtocol) {
    this.c = state;
    this.runId = state.runId;
    this.intake = intake;
    this.loss = loss;
    this.stops = stops;
  }

  holds(session: AgentSession): boolean {
    return this.c.participants.get(session.id)?.session === session;
  }

  resume(session: AgentSession): boolean {
    const p = this.c.participants.get(session.id);
    if (p === undefined) return false;
    p.session = session;
    this.loss.returned(p, this.c.clock.now());
    this.c.logger.info({ agent: p.name }, 'agent re-attached to the run');
    return true;
  }

  reattached(session: AgentSession): void {
    const { c } = this;
    // A Start or Stop broadcast while this agent was away would otherwise never reach it;
    // the agent ignores a Start it already acted on.
    if (c.startAt > 0) session.send({ start: { runId: c.runId, startAt: c.startAt } });
    if (this.stops.last) session.send({ stop: this.stops.last });
    else if (c.participants.get(session.id)?.lost?.policy === 'rebalance') {
      // Its share now runs elsewhere: it must not fire it a second time.
      session.send({ stop: { runId: c.runId, reason: 'share rebalanced', id: 0, closing: false } });
    }
  }

  disconnected(session: AgentSession): void {
    const p = this.c.participants.get(session.id);
    if (p === undefined || p.session !== session) return;
    p.disconnects++;
    if (p.final) this.c.logger.info({ agent: p.name }, 'run agent left after its final report');
    else this.c.logger.warn({ agent: p.name }, 'run agent disconnected before its final report');
    this.c.waiter.poke();
  }

  message(session: AgentSession, env: barrage.v1.Envelope): void {
    const { c } = this;
    const p = c.participants.get(session.id);
    if (p === undefined) return;
    switch (env.body) {
      case 'ready': {
        // Once started, a (re-sent) Ready changes nothing: the start instant is fixed.
        if (env.ready!.runId !== c.runId || c.startAt > 0) return;
        const refused = this.intake.ready(p, env.ready!);
        if (refused) c.failure = refused;
        break;
      }
      case 'report': {
        const r = env.report as barrage.v1.Report;
        // A straggler from an earlier run (its closing reports): acknowledged, not merged here.
        if (r.runId !== c.runId) {
          p.session.send({ ack: { runId: r.runId.slice(0, 64), seq: r.seq } });
          return;
        }
        this.intake.report(p, r);
        break;
      }
      case 'finished':
        if (env.finished!.runId === c.runId) this.intake.finished(p, env.finished as barrage.v1.Finished, c.notes);
        break;
      case 'error': {
        const refused = this.intake.error(p, env.error!);
        if (refused) c.failure = refused;
        break;
      }
      default:
        c.logger.warn({ agent: p.name, kind: env.body }, 'unexpected message during a run');
    }
    c.waiter.poke();
  }
}
