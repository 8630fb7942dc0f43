// Public surface of @barrage/controller (for tests and embedding).
export { loadScenario, parseScenario, validateScenario, builtinScenarios } from './scenario/load.ts';
export { apportion, segments } from './planner.ts';
export { RunAggregate, RequestTotals } from './merge.ts';
export { buildSummary, type Summary } from './summary.ts';
export { formatSummary } from './summary-table.ts';
export { ControllerErrors } from './errors.ts';
