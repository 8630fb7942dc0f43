// Public surface of @barrage/core: what a scenario means, applied alike by the
// controller (when it validates and plans) and the agents (when they fire).

export { ArrivalSchedule, type RateStage } from './arrival-schedule.ts';
export { type Clock, offsetClock, systemClock } from './clock.ts';
export { closestName, didYouMean } from './closest-name.ts';
export { type DataReference, isReferableColumn, parseDataReference } from './data-reference.ts';
export {
  globalIteration,
  type IndexKind,
  indexKindOf,
  offsetsOf,
  type PartIndexes,
  pairIndex,
  rampVuBlock,
  rampWorkerVuOffset,
  rowIteration,
  takeoverVuOffset,
  workerOffsets,
} from './global-index.ts';
export { FORBIDDEN_HEADERS, HEADER_NAME, isSendableHeaderValue } from './header-rules.ts';
export { parseJsonPath, readJsonPath } from './json-path.ts';
export { DEFAULT_AGENT_TIMEOUT_MS, DEFAULT_LEASE_MS } from './liveness.ts';
export {
  isOpenExecutor,
  LOAD_MODELS,
  type LoadModel,
  type ModelKind,
  type ModelName,
  modelNamed,
  modelOfExecutor,
} from './load-models.ts';
export { humanLogLines, type LogLineFormatter, logsForHumans } from './log-output.ts';
export { REDACT } from './log-redaction.ts';
export { MAX_REDIRECTS, REDIRECT_STATUSES, type RedirectTarget, redirectTarget } from './redirect-rule.ts';
export {
  backoffMs,
  decideRetry,
  MAX_RETRY_AFTER_MS,
  type RetryDecision,
  type RetryPolicy,
  type RetryTrigger,
  retryAfterMs,
} from './retry-policy.ts';
export { type RowMode, rowFor } from './row-assignment.ts';
export { type Draw, seededDraw, seededUnit } from './seeded-random.ts';
export { MAX_PATTERNS, TargetAllowlist } from './target-allowlist.ts';
export {
  compileTemplate,
  type Filter,
  render,
  type Template,
  type TemplateScope,
  UnknownVariableError,
  VARIABLE,
  variablesIn,
} from './template.ts';
export { certificateErrorCode, readTrust, type TrustOptions } from './tls-trust.ts';
export {
  formatBytes,
  formatCount,
  formatDuration,
  formatLatency,
  formatMonitorRate,
  formatMonitorValue,
  formatNumber,
  formatPercent,
  formatRate,
  formatThresholdValue,
  isMissing,
  monitorHoldsBytes,
  NO_DATA,
} from './units.ts';
export {
  GENERATORS,
  type Generator,
  type GeneratorInput,
  type GeneratorName,
  generatedValue,
  generatorProblem,
  isCall,
  MAX_RANDOM_INT_RANGE,
  MAX_RANDOM_STRING,
  parseGenerator,
  seqOf,
} from './value-generators.ts';
export { clusterVusAt, peakShare, segmentShare, type VuStage } from './vu-ramp.ts';
export { MAX_WORKERS, parseWorkerCount } from './worker-count.ts';
export { arrivalsOf, evenShare, ownsArrival, subSegment, type WorkerSlot } from './worker-split.ts';
