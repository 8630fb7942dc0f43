// Stopping the agents: every Stop is numbered and broadcast; the closing one
// carries the cluster's earliest-sent 429 per name (final by then: every final
// report is in) and ends the run for the agents, an earlier one only stops the
// firing. The last Stop is resent to an agent that re-attaches.
import type { barrage } from '@barrage/proto';
import type { RunAggregate } from '../merge/run-aggregate.ts';
import type { Participant } from './participant.ts';

type Stop = barrage.v1.Stop.$Properties;

export class StopProtocol {
  private readonly runId: string;
  private readonly aggregate: RunAggregate;
  private id = 0;
  /** The last Stop sent, for agents that come back. */
  last: Stop | undefined;

  constructor(runId: string, aggregate: RunAggregate) {
    this.runId = runId;
    this.aggregate = aggregate;
  }

  /** The id of the last Stop sent (0 before any). */
  get lastId(): number {
    return this.id;
  }

  /** Sends a Stop to every participant; returns its id. */
  send(reason: string, closing: boolean, participants: Iterable<Participant>): number {
    const id = ++this.id;
    const times: barrage.v1.NamedTime.$Properties[] = [];
    if (closing) {
      if (this.aggregate.total.firstRateLimitedAt > 0)
        times.push({ name: '', at: this.aggregate.total.firstRateLimitedAt });
      for (const [name, t] of this.aggregate.byName)
        if (t.firstRateLimitedAt > 0) times.push({ name, at: t.firstRateLimitedAt });
    }
    this.last = { runId: this.runId, reason, firstRateLimitedAt: times, id, closing };
    for (const p of participants) p.session.send({ stop: this.last });
    return id;
  }

  /** Every connected agent answered Stop `stopId` with a Finished. */
  answered(stopId: number, participants: Iterable<Participant>): boolean {
    for (const p of participants) if (p.session.open && p.finished?.stopId !== stopId) return false;
    return true;
  }
}
