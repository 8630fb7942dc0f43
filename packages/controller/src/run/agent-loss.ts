// What a run does about an agent it declared lost, by the scenario's onAgentLoss:
// `abort` the run, `continue` without it, or `rebalance` its share over the
// agents still running from past its lease (plan/takeover.ts has the maths).
// Every decision leaves a note the summary carries.
import { planTakeover } from '../plan/takeover.ts';
import { agentsToDeclareLost, type LossDecision } from './agent-watch.ts';
import type { Participant } from './participant.ts';
import type { RunState } from './run-state.ts';

/** How often the run looks for agents gone silent; a tick this much late means this process stalled. */
export const WATCH_MS = 200;
const LATE_TICK_MS = 1_000;
/** A takeover starts this long after the lost agent's lease could have run out (its watch tick, timer lateness). */
const LEASE_MARGIN_MS = 1_000;

export const secondsInto = (t: number, from: number): string => `+${((t - from) / 1000).toFixed(1)} s`;
const percent = (x: number) => `${(100 * x).toFixed(1)} %`;

export class AgentLossHandler {
  private readonly c: RunState;
  private takeoverId = 0;
  /** Per taker: the lost agents whose share it took over. */
  private readonly taken = new Map<string, string[]>();

  constructor(c: RunState) {
    this.c = c;
  }

  private lastWatch = 0;

  /**
   * A watch tick (every WATCH_MS while the run goes): the agents silent past agentTimeout are
   * declared lost and the policy applied. Not before the start nor past the load (`watching`),
   * and not on a tick that came late: this process stalled, and frames may be waiting unread.
   */
  watch(now: number, watching: boolean, aborted: boolean): void {
    const late = this.lastWatch > 0 && now - this.lastWatch > WATCH_MS + LATE_TICK_MS;
    this.lastWatch = now;
    if (!watching || late) return;
    const { agentTimeoutMs, onAgentLoss } = this.c.scenario;
    for (const d of agentsToDeclareLost(this.c.participants.values(), now, agentTimeoutMs, onAgentLoss))
      this.apply(d, now, aborted);
  }

  /** Applies one decision at `now`: the link is dropped (should it come back it re-attaches), the policy applied. */
  private apply(d: LossDecision, now: number, aborted: boolean): void {
    const { p } = d;
    const c = this.c;
    if (p.session.open) p.session.terminate();
    const silent = `silent ${(d.silentMs / 1000).toFixed(1)} s`;
    c.logger.warn({ run: c.runId, agent: p.name, silentMs: Math.round(d.silentMs), policy: d.policy }, 'agent lost');
    if (d.kind === 'lost-again') {
      // Lost a second time after coming back: recorded; its share was dealt with the first time.
      c.notes.push(`agent ${p.name} lost again at ${secondsInto(now, c.startAt)} (${silent})`);
      p.lost!.returnedAt = 0;
      p.lost!.at = now;
      return;
    }
    p.lost = {
      at: now,
      lastContactAt: d.lastContactAt,
      share: p.segment.end - p.segment.start,
      policy: d.policy,
      takenBy: [],
      takenFrom: 0,
      returnedAt: 0,
    };
    const what = `agent ${p.name} (${p.host}) lost at ${secondsInto(now, c.startAt)} (${silent}), carrying ${percent(p.lost.share)} of the load`;
    if (this.taken.has(p.id))
      c.notes.push(
        `agent ${p.name} had taken over part of ${this.taken.get(p.id)!.join(', ')}'s share; that part is not re-planned again`,
      );
    if (d.policy === 'abort') {
      c.notes.push(`${what}: run aborted (onAgentLoss: abort)`);
      if (!aborted) c.abort(`agent ${p.name} lost`);
    } else if (d.policy === 'rebalance') {
      c.notes.push(`${what}: ${this.rebalance(p, now)}`);
    } else {
      c.notes.push(`${what}: the run went on without it (onAgentLoss: continue)`);
    }
  }

  /** A lost agent re-attached at `now`: noted, and it is back in the run. */
  returned(p: Participant, now: number): void {
    if (p.lost === undefined || p.lost.returnedAt !== 0) return;
    p.lost.returnedAt = now;
    this.c.notes.push(
      `agent ${p.name} came back at ${secondsInto(now, this.c.startAt)}, ${((now - p.lost.at) / 1000).toFixed(1)} s after it was lost; what it had not reported was resent${p.lost.policy === 'rebalance' ? ', and it was told to stop firing (its share had been re-planned)' : ''}`,
    );
  }

  /**
   * Sends the lost agent's share to the agents still running, from past its lease (it has
   * stopped firing by then, even if only its reports were cut off) to the end. Returns what
   * was done, for the notes.
   */
  private rebalance(lost: Participant, at: number): string {
    const c = this.c;
    const takers = [...c.participants.values()].filter(
      (p) => p !== lost && p.lost === undefined && !p.final && p.session.open,
    );
    if (takers.length === 0) return 'no agent left to take its share over (onAgentLoss: rebalance)';
    const fromAt = at + c.scenario.leaseMs + LEASE_MARGIN_MS;
    const id = ++this.takeoverId;
    const plan = planTakeover(
      c.plans.get(lost.id)!.assign,
      takers.map((p) => ({ id: p.id, weight: p.weight, assign: c.plans.get(p.id)!.assign })),
      id,
    );
    const takenBy: string[] = [];
    for (const [takerId, shares] of plan.shares) {
      const p = c.participants.get(takerId)!;
      p.session.send({
        takeover: { runId: c.runId, id, fromAt, lostStart: lost.segment.start, lostEnd: lost.segment.end, shares },
      });
      this.taken.set(p.id, [...(this.taken.get(p.id) ?? []), lost.name]);
      takenBy.push(p.name);
    }
    lost.lost!.takenBy = takenBy;
    if (plan.shares.size > 0) lost.lost!.takenFrom = fromAt;
    const left =
      plan.skipped.length > 0
        ? `; not taken over: ${plan.skipped.join(', ')} (iteration-bounded, or a VU model drawing unique rows: what it completed is unknown; or no other agent runs it)`
        : '';
    if (plan.shares.size === 0) return `nothing of its share could be re-planned${left}`;
    return `its share re-planned from ${secondsInto(fromAt, c.startAt)} (past its lease) to the end across ${takenBy.join(', ')} (onAgentLoss: rebalance)${left}`;
  }
}
