// Public surface of @barrage/core: what a scenario means, applied alike by the
// controller (when it validates and plans) and the agents (when they fire).
export { systemClock, offsetClock, type Clock } from './clock.ts';
export { VARIABLE, variablesIn, compileTemplate, render, UnknownVariableError, type Template, type Filter } from './template.ts';
export { parseJsonPath, readJsonPath } from './json-path.ts';
export { ArrivalSchedule, type RateStage } from './arrival-schedule.ts';
export { clusterVusAt, segmentShare, peakShare, type VuStage } from './vu-ramp.ts';
export { evenShare, ownsArrival, arrivalsOf, subSegment, type WorkerSlot } from './worker-split.ts';
export { MAX_WORKERS, parseWorkerCount } from './worker-count.ts';
export { TargetAllowlist, MAX_PATTERNS } from './target-allowlist.ts';
export { FORBIDDEN_HEADERS, HEADER_NAME, isSendableHeaderValue } from './header-rules.ts';
export { LOAD_MODELS, modelNamed, modelOfExecutor, isOpenExecutor, type LoadModel, type ModelKind, type ModelName } from './load-models.ts';
export { DEFAULT_AGENT_TIMEOUT_MS, DEFAULT_LEASE_MS } from './liveness.ts';
export { REDACT } from './log-redaction.ts';
export { readTrust, certificateErrorCode, type TrustOptions } from './tls-trust.ts';
