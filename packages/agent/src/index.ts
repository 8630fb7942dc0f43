// Public surface of @barrage/agent (for tests and benches; the controller runs
// the agent as a process and imports nothing from here).
export { Agent, type AgentOptions } from './agent.ts';
export { estimateRound, bestEstimate, type ClockRound, type ClockEstimate } from './clock-sync.ts';
export { Recorder } from './recorder.ts';
export { RequestMix } from './request-mix.ts';
export { AgentErrors } from './errors.ts';
export { MultipartBody, type MultipartSpec } from './multipart-body.ts';
