// Public surface of @barrage/controller (for tests and embedding).

export { ControllerErrors } from './errors.ts';
export { RequestTotals, RunAggregate } from './merge/run-aggregate.ts';
export { apportion, segments } from './plan/apportion.ts';
export { formatSummary } from './report/summary-table.ts';
export { buildSummary, type Summary } from './results/summary.ts';
export { builtinScenarios, loadScenario, parseScenario } from './scenario/read.ts';
export { validateScenario } from './scenario/validate.ts';
