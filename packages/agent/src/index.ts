// Public surface of @barrage/agent (used by the controller for local agents,
// planning and validation, and by tests).
export { Agent, type AgentOptions } from './agent.ts';
export { estimateRound, bestEstimate, type ClockRound, type ClockEstimate } from './clock-sync.ts';
export { systemClock, offsetClock, type Clock } from './clock.ts';
export { Recorder } from './recorder.ts';
export { RequestMix } from './request-mix.ts';
export { AgentErrors } from './errors.ts';
export { readTrust, certificateErrorCode, type TrustOptions } from './tls-trust.ts';
export { ArrivalSchedule, type RateStage } from './arrival-schedule.ts';
export { clusterVusAt, segmentShare, peakShare, type VuStage } from './vu-ramp.ts';
export { VARIABLE, variablesIn, compileTemplate, render, UnknownVariableError, type Template } from './template.ts';
export { parseJsonPath, readJsonPath } from './json-path.ts';
export { MultipartBody, type MultipartSpec } from './multipart-body.ts';
export { isSendableHeaderValue } from './executor.ts';
export { FORBIDDEN_HEADERS } from './assignment.ts';
export { TargetAllowlist } from './target-allowlist.ts';
export { REDACT } from './log-redaction.ts';
export { MAX_WORKERS, parseWorkerCount } from './worker-count.ts';
