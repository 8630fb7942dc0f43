// How long silence may last on the control link before each side acts, when
// a scenario does not say: the controller declares an agent lost after
// agentTimeout; an agent stops firing when its lease (no word from the
// controller) runs out.
export const DEFAULT_AGENT_TIMEOUT_MS = 5_000;
export const DEFAULT_LEASE_MS = 15_000;
