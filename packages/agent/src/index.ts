// Public surface of @barrage/agent (for tests and benches; the controller runs
// the agent as a process and imports nothing from here).

export { AgentErrors } from './errors.ts';
export { MultipartBody, type MultipartSpec } from './http/multipart-body.ts';
export { Agent } from './link/agent.ts';
export type { AgentOptions } from './link/agent-options.ts';
export { bestEstimate, type ClockEstimate, type ClockRound, estimateRound } from './link/clock-sync.ts';
export { RequestMix } from './load/request-mix.ts';
export { Recorder } from './measure/recorder.ts';
