// Which agents a run must now call lost: silent past the scenario's agentTimeout
// (no report, Status or pong: dead, hung or cut off), not yet final, and not
// already lost and still away. Pure: the run applies the decisions it returns.
import type { AgentLossPolicy } from '../scenario/scenario.ts';
import type { Participant } from './participant.ts';

export interface LossDecision {
  p: Participant;
  /** Controller clock: its last contact, and how long it has been silent. */
  lastContactAt: number;
  silentMs: number;
  /** lost: the first time (the policy applies); lost-again: it came back and went silent again (only noted). */
  kind: 'lost' | 'lost-again';
  policy: AgentLossPolicy;
}

export function agentsToDeclareLost(
  participants: Iterable<Participant>,
  now: number,
  agentTimeoutMs: number,
  policy: AgentLossPolicy,
): LossDecision[] {
  const out: LossDecision[] = [];
  for (const p of participants) {
    if (p.final || (p.lost !== undefined && p.lost.returnedAt === 0)) continue;
    const lastContactAt = p.session.lastSeen;
    if (now - lastContactAt <= agentTimeoutMs) continue;
    out.push({
      p,
      lastContactAt,
      silentMs: now - lastContactAt,
      kind: p.lost === undefined ? 'lost' : 'lost-again',
      policy,
    });
  }
  return out;
}
