// Public surface of @barrage/controller (for tests and embedding).
export { loadScenario, parseScenario, builtinScenarios } from './scenario/read.ts';
export { validateScenario } from './scenario/validate.ts';
export { apportion, segments } from './plan/apportion.ts';
export { RunAggregate, RequestTotals } from './merge/run-aggregate.ts';
export { buildSummary, type Summary } from './results/summary.ts';
export { formatSummary } from './report/summary-table.ts';
export { ControllerErrors } from './errors.ts';
