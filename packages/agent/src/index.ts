// Public surface of @barrage/agent (used by the controller for local agents and by tests).
export { Agent, type AgentOptions } from './agent.ts';
export { estimateRound, bestEstimate, type ClockRound, type ClockEstimate } from './clock-sync.ts';
export { systemClock, offsetClock, type Clock } from './clock.ts';
export { Recorder } from './recorder.ts';
export { RequestMix } from './request-mix.ts';
export { AgentErrors } from './errors.ts';
