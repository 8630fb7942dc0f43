// The scenario document as written, typed: what the schema admits, for the code
// that normalises it. The schema is the check; these types only describe its result.
import type { AgentLossPolicy } from './schema-agent-loss.ts';
import type { ExecutorName } from './schema-models.ts';
import type { RetryInput } from './schema-retry.ts';

/** TLS to targets as written (docs/scenarios.md "TLS to targets"). */
export interface TlsInput {
  ca?: string;
  cert?: string;
  key?: string;
  passphrase?: string;
  serverName?: string;
  insecureSkipVerify?: boolean;
}

/** A request as written (after schema validation). */
export interface RequestInput {
  name: string;
  tls?: TlsInput;
  /** host[:port] -> address[:port] for this request, over the document's. */
  connectTo?: Record<string, string>;
  method?: string;
  url?: string;
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean>;
  json?: unknown;
  body?: string;
  form?: Record<string, string | number | boolean>;
  bodyFile?: string;
  multipart?: {
    size?: string;
    parts?: Array<{ field: string; file?: string; size?: string; filename?: string; contentType?: string }>;
    field?: string;
    filename?: string;
    contentType?: string;
    fields?: Record<string, string>;
  };
  timeout?: string;
  expect?: number[];
  redirects?: number;
  retry?: RetryInput;
  /** HTTP version and HTTP/2 streams (schema-transport.ts). */
  http?: string | number;
  maxStreams?: number;
  weight?: number;
  capture?: Record<string, string | { json: string } | { header: string } | { cookie: string }>;
  checks?: Array<{ name?: string; header?: string; json?: string; equals?: unknown; status?: number[] }>;
}

export interface ScenarioModelInput {
  name: string;
  executor: ExecutorName;
  startTime?: string;
  gracefulStop?: string;
  requests?: string[];
  flows?: string[];
  vus?: number;
  duration?: string;
  iterations?: number;
  maxDuration?: string;
  thinkTime?: string;
  connections?: number | 'perVU';
  http?: string | number;
  maxStreams?: number;
  keepAlive?: boolean;
  pipelining?: number;
  startVUs?: number;
  stages?: Array<{ duration: string; target: number }>;
  rate?: number;
  timeUnit?: string;
  startRate?: number;
  maxInFlight?: number;
  seed?: string | number;
  redirects?: number;
  retry?: RetryInput;
  cookies?: boolean;
  session?: {
    steps: string[];
    refresh?: { every?: string; on?: number[] };
    rampUp?: string;
    teardown?: string[];
  };
}

/** The scenario document as written (after schema validation). */
export interface ScenarioInput {
  name: string;
  description?: string;
  baseUrl?: string;
  seed?: string | number;
  defaults?: {
    headers?: Record<string, string>;
    timeout?: string;
    redirects?: number;
    retry?: RetryInput;
    cookies?: boolean;
    http?: string | number;
    maxStreams?: number;
  };
  vars?: Record<string, string>;
  /** TLS for every request; host -> IP; host[:port] -> address[:port]. */
  tls?: TlsInput;
  hosts?: Record<string, string>;
  connectTo?: Record<string, string>;
  setup?: RequestInput[];
  requests: RequestInput[];
  flows?: Array<{ name: string; steps: string[]; weight?: number }>;
  thresholds?: Array<string | { expr: string; request?: string; abortOnFail?: boolean; delay?: string }>;
  monitors?: Array<{
    name: string;
    url?: string;
    path?: string;
    json?: string;
    prometheus?: string;
    alternatives?: string[];
    optional?: boolean;
    interval?: string;
    timeout?: string;
  }>;
  onAgentLoss?: AgentLossPolicy;
  agentTimeout?: string;
  lease?: string;
  /** How often results are reported and merged (100ms..10s); absent: chosen from the load's length. */
  interval?: string;
  /** Named data sources (${source.column}). */
  data?: Record<string, DataSourceInput>;
  scenarios: ScenarioModelInput[];
}

/** A data source as written: exactly one of file, csv, rows. */
export interface DataSourceInput {
  file?: string;
  csv?: string;
  rows?: Array<Record<string, string | number | boolean>>;
  mode: 'unique' | 'perVU' | 'circular' | 'random';
  secret?: string[];
  onExhausted?: 'refuse' | 'stop';
  seed?: string | number;
}
