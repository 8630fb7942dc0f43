// The scenario schema's load models: the executor table (what each model takes
// besides the common keys), the model fields, the if/then rules that refuse a
// key a model does not use, and the model defaults beside what they default.
import { duration, name, seed } from './schema-fields.ts';
import { redirects } from './schema-requests.ts';
import { retrySchema } from './schema-retry.ts';
import { sessionSchema } from './schema-session.ts';
import { modelTransportProps } from './schema-transport.ts';

export const MODEL_DEFAULTS = Object.freeze({
  gracefulStop: '30s',
  startTime: '0s',
  maxDuration: '10m',
  timeUnit: '1s',
  maxInFlight: 1000,
  thinkTime: '0s',
  startVUs: 0,
  startRate: 0,
});

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
  maxDuration: duration(`hard stop for iteration-bounded models (default ${MODEL_DEFAULTS.maxDuration})`),
  thinkTime: duration('closed models: pause after each iteration (default none)'),
  connections: {
    description:
      'connections per origin across the cluster (default: one per VU, or per in-flight slot); perVU: each VU its own (open models: each arrival)',
    oneOf: [{ type: 'integer', minimum: 1, maximum: 100_000 }, { const: 'perVU' }],
  },
  startVUs: {
    type: 'integer',
    description: `ramping-vus: VUs at the start (default ${MODEL_DEFAULTS.startVUs})`,
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
  timeUnit: duration(`the period rates are given per (default ${MODEL_DEFAULTS.timeUnit})`),
  startRate: {
    type: 'number',
    description: `ramping-arrival-rate: rate at the start (default ${MODEL_DEFAULTS.startRate})`,
    minimum: 0,
    maximum: 1_000_000,
  },
  maxInFlight: {
    type: 'integer',
    description: `open models: iterations in flight across the cluster beyond which an arrival is dropped (default ${MODEL_DEFAULTS.maxInFlight})`,
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

export const loadModelsSchema = {
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
      startTime: duration(`offset from the run's start (default ${MODEL_DEFAULTS.startTime})`),
      gracefulStop: duration(
        `time in-flight requests may finish after the end (default ${MODEL_DEFAULTS.gracefulStop})`,
      ),
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
      redirects,
      retry: retrySchema,
      cookies: {
        type: 'boolean',
        description:
          'each VU keeps a cookie jar (open models: each arrival); false: Set-Cookie is ignored (default true)',
      },
      seed: seed("this model's seed for random generators (default: the scenario's seed)"),
      session: sessionSchema,
      ...modelTransportProps,
      ...modelProps,
    },
    allOf: executorRules,
  },
} as const;
