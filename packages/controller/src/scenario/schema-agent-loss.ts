// The scenario schema's agent-loss settings: what a run does when an agent goes
// silent, how long silence may last, and the lease after which a cut-off agent
// stops firing on its own; with their defaults.
import { duration } from './schema-fields.ts';

export const AGENT_LOSS_DEFAULTS = Object.freeze({
  onAgentLoss: 'continue',
  agentTimeout: '5s',
  lease: '15s',
});

export const AGENT_LOSS_POLICIES = ['abort', 'continue', 'rebalance'] as const;
export type AgentLossPolicy = (typeof AGENT_LOSS_POLICIES)[number];

/** The top-level keys, spread into the document's properties in their place. */
export const agentLossProps = {
  onAgentLoss: {
    type: 'string',
    enum: AGENT_LOSS_POLICIES,
    description: `what the run does when an agent is lost (silent past agentTimeout): abort it; continue without the agent (status degraded, the report names the agent, when, and the share lost); or rebalance its share for the rest of the run across the remaining agents (default ${AGENT_LOSS_DEFAULTS.onAgentLoss})`,
  },
  agentTimeout: duration(
    `an agent silent this long is lost; an agent drops a link on which the controller is silent this long, and reconnects (default ${AGENT_LOSS_DEFAULTS.agentTimeout})`,
  ),
  lease: duration(
    `an agent with no contact from the controller for this long stops firing (default ${AGENT_LOSS_DEFAULTS.lease}; with rebalance, the agentTimeout)`,
  ),
} as const;
