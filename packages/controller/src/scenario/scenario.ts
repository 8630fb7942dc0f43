// A validated, normalised, frozen scenario: what the planner and the run use.
// Units are resolved to ms, defaults applied, URLs made absolute.
import type { ScenarioInput, RequestInput } from './schema.ts';

export interface RequestDef {
  name: string;
  method: string;
  /** Absolute URL, or a path joined to baseUrl when the run starts (so --target can replace it). */
  url?: string;
  path?: string;
  headers: Record<string, string>;
  query: Record<string, string>;
  /** Encoded body and its content type, if any. */
  body?: string;
  contentType?: string;
  timeoutMs: number;
  expect: number[];
  weight: number;
}

export interface SetupStep extends RequestDef {
  capture: Record<string, string>;
}

export type ExecutorName = 'constant-vus' | 'shared-iterations';

export interface LoadScenario {
  name: string;
  executor: ExecutorName;
  vus: number;
  iterations?: number;
  /** constant-vus: the duration; shared-iterations: maxDuration. */
  durationMs: number;
  startTimeMs: number;
  gracefulStopMs: number;
  requests: string[];
}

export interface Scenario {
  name: string;
  description: string;
  baseUrl?: string;
  setup: SetupStep[];
  requests: RequestDef[];
  scenarios: LoadScenario[];
  /** The document as written, kept for the record. */
  source: ScenarioInput;
}

export type { ScenarioInput, RequestInput };
