// A validated, normalised, frozen scenario: what the planner and the run use.
// Units are resolved (ms, bytes, arrivals per second), defaults applied, mixes
// resolved into entries, checks named.
import type { RowMode } from '@barrage/core';
import type { RequestInput, ScenarioInput } from './input.ts';
import type { AgentLossPolicy } from './schema-agent-loss.ts';
import type { ExecutorName } from './schema-models.ts';
import type { Threshold } from './thresholds.ts';

export interface CaptureDef {
  variable: string;
  json?: string;
  header?: string;
  /** The name of a cookie the response sets (requests only). */
  cookie?: string;
}

export interface CheckDef {
  name: string;
  header?: string;
  json?: string;
  /** With json: the value expected (absent: any non-null value passes). */
  equals?: { value: unknown };
  status: number[];
}

export interface MultipartDef {
  size: number;
  field: string;
  filename: string;
  contentType: string;
  fields: Record<string, string>;
}

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
  multipart?: MultipartDef;
  timeoutMs: number;
  expect: number[];
  /** Redirects followed at most as written on the request (else the model's, the defaults', 10). */
  redirects?: number;
  weight: number;
  captures: CaptureDef[];
  checks: CheckDef[];
}

export type SetupStep = RequestDef;

/** One entry of a scenario's mix: a request on its own (one step) or a flow. */
export interface MixEntry {
  name: string;
  weight: number;
  steps: string[];
}

export interface LoadScenario {
  name: string;
  executor: ExecutorName;
  startTimeMs: number;
  gracefulStopMs: number;
  /** How long the model runs: duration, maxDuration, or the stages' total. */
  durationMs: number;
  mix: MixEntry[];
  /** Closed models. */
  vus: number;
  iterations: number;
  thinkTimeMs: number;
  /** Cluster-wide connections per origin; 0 = one per VU / in-flight slot. */
  connections: number;
  /** ramping-vus: VUs; arrival-rate models: arrivals per second (a constant rate is one stage). */
  startTarget: number;
  stages: Array<{ durationMs: number; target: number }>;
  maxInFlight: number;
  /** Redirects followed at most by this model's requests that do not set their own. */
  redirects: number;
  /** Each VU keeps a cookie jar (`cookies: false` turns it off). */
  cookies: boolean;
  /** Names of the data sources this model's requests read. */
  data: string[];
  /** Per-VU session (docs/scenarios.md "Sessions"); absent: none. */
  session?: SessionDef;
}

/** A load model's session: request names run once per VU (open models: per in-flight slot). */
export interface SessionDef {
  steps: string[];
  /** Re-run the steps before an iteration once the session is this old; 0: never. */
  everyMs: number;
  /** Statuses that re-run the steps and retry the request once. */
  refreshOn: number[];
  /** Closed models: the VUs' first sessions spread over this window. */
  rampUpMs: number;
  /** Run once per VU when it leaves. */
  teardown: string[];
}

/** A data source, read and checked: every value a string, rows in file order. */
export interface DataSourceDef {
  name: string;
  mode: RowMode;
  columns: string[];
  rows: string[][];
  /** Columns whose values are never shown (logs, reports, API, store). */
  secret: string[];
  /** unique/perVU: a model whose rows run out ends (else a plan needing more is refused). */
  stopWhenExhausted: boolean;
  /** random: the seed rows are drawn from ("" unseeded). */
  seed: string;
  /** Where the rows came from, for messages: the file as written, "inline CSV" or "inline rows". */
  origin: string;
}

/** A target-side figure polled while the run goes. */
export interface MonitorDef {
  name: string;
  /** Absolute URL, or a path joined to the run's base URL. */
  url?: string;
  path?: string;
  /** A JSON path or a Prometheus selector as written: may hold ${env:NAME:-default}, resolved when the run starts. */
  json?: string;
  prometheus?: string;
  /** Metric names (or JSON paths) tried, in order, when the written one with its default is missing. */
  alternatives: string[];
  /** A first poll that fails leaves the monitor out with a note, instead of failing the run. */
  optional: boolean;
  intervalMs: number;
  timeoutMs: number;
}

export interface Scenario {
  name: string;
  description: string;
  baseUrl?: string;
  /** Run variables as written (values may hold ${env:...}). */
  vars: Record<string, string>;
  setup: SetupStep[];
  requests: RequestDef[];
  scenarios: LoadScenario[];
  thresholds: Threshold[];
  monitors: MonitorDef[];
  /** Data sources, in the order written. */
  data: DataSourceDef[];
  /** Agent loss: the policy, how long a silent agent has before it is lost, and its lease (ms). */
  onAgentLoss: AgentLossPolicy;
  agentTimeoutMs: number;
  leaseMs: number;
  /** Interval length as the scenario set it; absent: plan/interval-length.ts chooses from the load's length. */
  intervalMs?: number;
  /** The document as written, kept for the record (environment references unresolved). */
  source: ScenarioInput;
}

export type { AgentLossPolicy, ExecutorName, RequestInput, ScenarioInput };
