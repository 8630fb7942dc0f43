// The scenario format: its JSON Schema and the defaults that go with it.
// Validated once where a scenario enters (file, built-in, later the API);
// every violation is reported with its JSON-pointer path. The same schema is
// published as schemas/scenario.schema.json for editors (npm run gen).
import { DURATION_PATTERN, SIZE_PATTERN } from './units.ts';

export const DEFAULTS = Object.freeze({
  method: 'GET',
  timeout: '60s',
  gracefulStop: '30s',
  startTime: '0s',
  maxDuration: '10m',
  weight: 1,
  timeUnit: '1s',
  maxInFlight: 1000,
  thinkTime: '0s',
  startVUs: 0,
  startRate: 0,
  multipartField: 'file',
  multipartFilename: 'upload.bin',
  multipartContentType: 'application/octet-stream',
  onAgentLoss: 'continue',
  agentTimeout: '5s',
  lease: '15s',
});

export const AGENT_LOSS_POLICIES = ['abort', 'continue', 'rebalance'] as const;
export type AgentLossPolicy = (typeof AGENT_LOSS_POLICIES)[number];

const text = (description: string, extra: Record<string, unknown> = {}) =>
  ({ type: 'string', description, ...extra }) as const;
const duration = (description: string) => text(`${description} (500ms, 30s, 5m, 1h)`, { pattern: DURATION_PATTERN });
const headerName = { pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,200}$" } as const;
const headers = {
  type: 'object',
  description: 'header name to value; values may use ${variables}',
  propertyNames: headerName,
  additionalProperties: { type: 'string', maxLength: 8192 },
  maxProperties: 100,
} as const;
const name = (description: string) => text(description, { pattern: '^[A-Za-z0-9_.:/-]{1,100}$' });
const status = { type: 'integer', minimum: 100, maximum: 599 } as const;
const statuses = (description: string) =>
  ({ type: 'array', description, items: status, minItems: 1, maxItems: 50, uniqueItems: true }) as const;
const varName = { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } as const;
const jsonPath = text("a JSON path: $.a.b, $.items[0], $['odd-key']", { pattern: '^\\$', maxLength: 500 });

const capture = {
  type: 'object',
  description: 'variables taken from the response: { token: $.access_token } or { loc: { header: Location } }',
  minProperties: 1,
  maxProperties: 20,
  propertyNames: varName,
  additionalProperties: {
    anyOf: [
      jsonPath,
      { type: 'object', additionalProperties: false, required: ['json'], properties: { json: jsonPath } },
      {
        type: 'object',
        additionalProperties: false,
        required: ['header'],
        properties: { header: text('response header name', { pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,200}$" }) },
      },
    ],
  },
} as const;

const check = {
  type: 'object',
  additionalProperties: false,
  description: 'a pass/fail assertion counted per request; it does not change the outcome',
  properties: {
    name: text('shown in results (default: derived from the check)', { minLength: 1, maxLength: 200 }),
    header: text('passes when the response has this header', { pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,200}$" }),
    json: jsonPath,
    equals: { description: 'with json: the value the path must hold (default: any non-null value)' },
    status: statuses('only responses with these statuses are checked (default: all)'),
  },
} as const;

const multipart = {
  type: 'object',
  additionalProperties: false,
  required: ['size'],
  description: 'a multipart/form-data upload of generated content, streamed with a Content-Length',
  properties: {
    size: text('size of the generated file (100KB, 50MB)', { pattern: SIZE_PATTERN }),
    field: text(`form field of the file (default ${DEFAULTS.multipartField})`, { minLength: 1, maxLength: 200 }),
    filename: text(`file name sent (default ${DEFAULTS.multipartFilename})`, { minLength: 1, maxLength: 200 }),
    contentType: text(`the file part's content type (default ${DEFAULTS.multipartContentType})`, {
      pattern: '^[!-~]+/[!-~ ]+$',
      maxLength: 200,
    }),
    fields: {
      type: 'object',
      description: 'plain form fields sent before the file',
      additionalProperties: { type: 'string', maxLength: 8192 },
      maxProperties: 50,
    },
  },
} as const;

const requestProps = {
  name: name('the name results are reported under'),
  method: {
    type: 'string',
    description: `HTTP method (default ${DEFAULTS.method})`,
    enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
  },
  url: text('an absolute URL', { pattern: '^https?://', maxLength: 4096 }),
  path: text('a path joined to baseUrl', { pattern: '^/', maxLength: 4096 }),
  headers,
  query: {
    type: 'object',
    description: 'query parameters appended to the URL',
    additionalProperties: { type: ['string', 'number', 'boolean'] },
    maxProperties: 100,
  },
  json: { description: 'a JSON body (sets content-type: application/json)' },
  body: text('a text body', { maxLength: 1_048_576 }),
  timeout: duration(`time allowed for the response headers and for each body chunk (default ${DEFAULTS.timeout})`),
  expect: statuses('statuses that count as ok (default: 2xx and 3xx)'),
  capture,
} as const;

const oneTarget = {
  not: { required: ['url', 'path'] },
  anyOf: [{ required: ['url'] }, { required: ['path'] }],
} as const;
const oneBody = {
  not: {
    anyOf: [{ required: ['json', 'body'] }, { required: ['json', 'multipart'] }, { required: ['body', 'multipart'] }],
  },
} as const;
const oneCheckKind = {
  anyOf: [{ required: ['header'] }, { required: ['json'] }],
  not: { anyOf: [{ required: ['header', 'json'] }, { required: ['header', 'equals'] }] },
} as const;

/** What each executor takes besides the common keys: required, then optional. */
export const EXECUTOR_KEYS = {
  'constant-vus': [
    ['vus', 'duration'],
    ['thinkTime', 'connections'],
  ],
  'shared-iterations': [
    ['vus', 'iterations'],
    ['maxDuration', 'thinkTime', 'connections'],
  ],
  'per-vu-iterations': [
    ['vus', 'iterations'],
    ['maxDuration', 'thinkTime', 'connections'],
  ],
  'ramping-vus': [['stages'], ['startVUs', 'thinkTime', 'connections']],
  'constant-arrival-rate': [
    ['rate', 'duration'],
    ['timeUnit', 'maxInFlight', 'connections'],
  ],
  'ramping-arrival-rate': [['stages'], ['startRate', 'timeUnit', 'maxInFlight', 'connections']],
} as const;
export type ExecutorName = keyof typeof EXECUTOR_KEYS;
export const EXECUTORS = Object.keys(EXECUTOR_KEYS) as ExecutorName[];

const modelProps = {
  vus: { type: 'integer', description: 'virtual users across the whole cluster', minimum: 1, maximum: 100_000 },
  duration: duration('how long the model runs'),
  iterations: {
    type: 'integer',
    description: 'shared-iterations: iterations for all VUs together; per-vu-iterations: for each VU',
    minimum: 1,
    maximum: 1_000_000_000,
  },
  maxDuration: duration(`hard stop for iteration-bounded models (default ${DEFAULTS.maxDuration})`),
  thinkTime: duration('closed models: pause after each iteration (default none)'),
  connections: {
    type: 'integer',
    description: 'connections per origin across the cluster (default: one per VU, or per in-flight slot)',
    minimum: 1,
    maximum: 100_000,
  },
  startVUs: {
    type: 'integer',
    description: `ramping-vus: VUs at the start (default ${DEFAULTS.startVUs})`,
    minimum: 0,
    maximum: 100_000,
  },
  stages: {
    type: 'array',
    description: 'move linearly to each target (VUs, or arrivals per timeUnit) over its duration',
    minItems: 1,
    maxItems: 100,
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['duration', 'target'],
      properties: { duration: duration('stage length'), target: { type: 'number', minimum: 0, maximum: 1_000_000 } },
    },
  },
  rate: {
    type: 'number',
    description: 'constant-arrival-rate: iterations started per timeUnit across the cluster',
    exclusiveMinimum: 0,
    maximum: 1_000_000,
  },
  timeUnit: duration(`the period rates are given per (default ${DEFAULTS.timeUnit})`),
  startRate: {
    type: 'number',
    description: `ramping-arrival-rate: rate at the start (default ${DEFAULTS.startRate})`,
    minimum: 0,
    maximum: 1_000_000,
  },
  maxInFlight: {
    type: 'integer',
    description: `open models: iterations in flight across the cluster beyond which an arrival is dropped (default ${DEFAULTS.maxInFlight})`,
    minimum: 1,
    maximum: 100_000,
  },
} as const;

const executorRules = EXECUTORS.map((executor) => {
  const [required, optional] = EXECUTOR_KEYS[executor];
  const allowed = new Set<string>([...required, ...optional]);
  const forbidden = Object.keys(modelProps).filter((k) => !allowed.has(k));
  return {
    if: { required: ['executor'], properties: { executor: { const: executor } } },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
    then: { required: [...required], properties: Object.fromEntries(forbidden.map((k) => [k, false])) },
  };
});

export const scenarioSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://barrage.dev/schemas/scenario.json',
  title: 'barrage scenario',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'requests', 'scenarios'],
  properties: {
    $schema: { type: 'string' },
    name: name('scenario name'),
    description: text('free text', { maxLength: 2000 }),
    baseUrl: text('http(s)://host[:port][/prefix]; --target replaces it', {
      pattern: '^https?://[^/]+(/.*)?$',
      maxLength: 2048,
    }),
    defaults: {
      type: 'object',
      additionalProperties: false,
      description: 'applied to every request',
      properties: { headers, timeout: duration(`default request timeout (default ${DEFAULTS.timeout})`) },
    },
    vars: {
      type: 'object',
      description: 'run variables: { name: value }; values may use ${env:NAME} or ${env:NAME:-default}',
      propertyNames: varName,
      additionalProperties: { type: 'string', maxLength: 8192 },
      maxProperties: 50,
    },
    setup: {
      type: 'array',
      maxItems: 20,
      description: 'requests run once per run on the controller before the load; their captures become run variables',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: requestProps,
        allOf: [oneTarget, { not: { required: ['json', 'body'] } }],
      },
    },
    requests: {
      type: 'array',
      minItems: 1,
      maxItems: 200,
      description: 'the request templates',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          ...requestProps,
          multipart,
          checks: { type: 'array', maxItems: 20, items: { ...check, ...oneCheckKind } },
          weight: {
            type: 'number',
            description: `share of this request in a mix (default ${DEFAULTS.weight})`,
            exclusiveMinimum: 0,
            maximum: 1_000_000,
          },
        },
        allOf: [oneTarget, oneBody],
      },
    },
    flows: {
      type: 'array',
      maxItems: 50,
      description: 'ordered steps run as one iteration; captures of a step feed later steps',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'steps'],
        properties: {
          name: name('flow name'),
          steps: {
            type: 'array',
            description: 'request names, in order',
            items: name('a request name'),
            minItems: 1,
            maxItems: 50,
          },
          weight: {
            type: 'number',
            description: `share of this flow in a mix (default ${DEFAULTS.weight})`,
            exclusiveMinimum: 0,
            maximum: 1_000_000,
          },
        },
      },
    },
    onAgentLoss: {
      type: 'string',
      enum: AGENT_LOSS_POLICIES,
      description: `what the run does when an agent is lost (silent past agentTimeout): abort it; continue without the agent (status degraded, the report names the agent, when, and the share lost); or rebalance its share for the rest of the run across the remaining agents (default ${DEFAULTS.onAgentLoss})`,
    },
    agentTimeout: duration(
      `an agent silent this long is lost; an agent drops a link on which the controller is silent this long, and reconnects (default ${DEFAULTS.agentTimeout})`,
    ),
    lease: duration(
      `an agent with no contact from the controller for this long stops firing (default ${DEFAULTS.lease}; with rebalance, the agentTimeout)`,
    ),
    monitors: {
      type: 'array',
      maxItems: 20,
      description:
        'target-side figures polled while the run goes (memory, CPU, pool in use), kept as time series; thresholds take growth(name), max(name), avg(name), last(name)',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: text("the monitor's name, used by thresholds", { pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$' }),
          url: text('an absolute URL to poll', { pattern: '^https?://', maxLength: 4096 }),
          path: text('a path joined to baseUrl (or --target)', { pattern: '^/', maxLength: 4096 }),
          json: jsonPath,
          prometheus: text('a Prometheus metric: name or name{label="value"}', { maxLength: 500 }),
          interval: duration('how often to poll (default 1s)'),
          timeout: duration('time allowed for each poll (default 5s)'),
        },
        allOf: [
          { not: { required: ['url', 'path'] }, anyOf: [{ required: ['url'] }, { required: ['path'] }] },
          { not: { required: ['json', 'prometheus'] }, anyOf: [{ required: ['json'] }, { required: ['prometheus'] }] },
        ],
      },
    },
    thresholds: {
      type: 'array',
      maxItems: 100,
      description:
        'pass/fail criteria on the merged results: p(95)<500ms, rate(ok)>0.99, count(429)==50, growth(rss)<50MB ...; a failure makes the run failed (exit 99)',
      items: {
        anyOf: [
          text('an expression over all requests, e.g. p(95)<500ms', { minLength: 3, maxLength: 200 }),
          {
            type: 'object',
            additionalProperties: false,
            required: ['expr'],
            properties: {
              expr: text('the expression, e.g. p(95)<500ms', { minLength: 3, maxLength: 200 }),
              request: name('judge only this request name (default: all requests)'),
              abortOnFail: {
                type: 'boolean',
                description: 'stop the run as soon as the live merged results fail it (default false)',
              },
              delay: duration('abortOnFail only after this long into the run (default 0s)'),
            },
          },
        ],
      },
    },
    scenarios: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      description: 'load models, run together (each from its startTime)',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'executor'],
        properties: {
          name: name('scenario name'),
          executor: { type: 'string', description: 'the load model', enum: EXECUTORS },
          startTime: duration(`offset from the run's start (default ${DEFAULTS.startTime})`),
          gracefulStop: duration(`time in-flight requests may finish after the end (default ${DEFAULTS.gracefulStop})`),
          requests: {
            type: 'array',
            description: "requests in this scenario's mix",
            items: name('a request name'),
            minItems: 1,
            uniqueItems: true,
          },
          flows: {
            type: 'array',
            description: "flows in this scenario's mix",
            items: name('a flow name'),
            minItems: 1,
            uniqueItems: true,
          },
          ...modelProps,
        },
        allOf: executorRules,
      },
    },
  },
} as const;

/** A request as written (after schema validation). */
export interface RequestInput {
  name: string;
  method?: string;
  url?: string;
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean>;
  json?: unknown;
  body?: string;
  multipart?: {
    size: string;
    field?: string;
    filename?: string;
    contentType?: string;
    fields?: Record<string, string>;
  };
  timeout?: string;
  expect?: number[];
  weight?: number;
  capture?: Record<string, string | { json: string } | { header: string }>;
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
  connections?: number;
  startVUs?: number;
  stages?: Array<{ duration: string; target: number }>;
  rate?: number;
  timeUnit?: string;
  startRate?: number;
  maxInFlight?: number;
}

/** The scenario document as written (after schema validation). */
export interface ScenarioInput {
  name: string;
  description?: string;
  baseUrl?: string;
  defaults?: { headers?: Record<string, string>; timeout?: string };
  vars?: Record<string, string>;
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
    interval?: string;
    timeout?: string;
  }>;
  onAgentLoss?: AgentLossPolicy;
  agentTimeout?: string;
  lease?: string;
  scenarios: ScenarioModelInput[];
}
