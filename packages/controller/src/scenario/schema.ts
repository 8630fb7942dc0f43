// The scenario format: its JSON Schema and the defaults that go with it.
// Validated once where a scenario enters (file, built-in, later the API);
// every violation is reported with its JSON-pointer path.
import { DURATION_PATTERN } from '../units.ts';

export const DEFAULTS = Object.freeze({
  method: 'GET',
  timeout: '60s',
  gracefulStop: '30s',
  startTime: '0s',
  maxDuration: '10m',
  weight: 1,
});

const duration = { type: 'string', pattern: DURATION_PATTERN } as const;
const headers = { type: 'object', additionalProperties: { type: 'string', maxLength: 8192 }, maxProperties: 100 } as const;
const name = { type: 'string', pattern: '^[A-Za-z0-9_.:/-]{1,100}$' } as const;
const status = { type: 'integer', minimum: 100, maximum: 599 } as const;

const requestProps = {
  name,
  method: { type: 'string', enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] },
  url: { type: 'string', pattern: '^https?://', maxLength: 4096 },
  path: { type: 'string', pattern: '^/', maxLength: 4096 },
  headers,
  query: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, maxProperties: 100 },
  json: {},
  body: { type: 'string', maxLength: 1_048_576 },
  timeout: duration,
  expect: { type: 'array', items: status, minItems: 1, maxItems: 50, uniqueItems: true },
} as const;

const oneTarget = {
  not: { required: ['url', 'path'] },
  anyOf: [{ required: ['url'] }, { required: ['path'] }],
} as const;
const oneBody = { not: { required: ['json', 'body'] } } as const;

export const scenarioSchema = {
  $id: 'https://barrage.dev/schemas/scenario.json',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'requests', 'scenarios'],
  properties: {
    $schema: { type: 'string' },
    name,
    description: { type: 'string', maxLength: 2000 },
    baseUrl: { type: 'string', pattern: '^https?://[^/]+(/.*)?$', maxLength: 2048 },
    defaults: {
      type: 'object', additionalProperties: false,
      properties: { headers, timeout: duration },
    },
    setup: {
      type: 'array', maxItems: 20,
      items: {
        type: 'object', additionalProperties: false, required: ['name'],
        properties: {
          ...requestProps,
          capture: {
            type: 'object', minProperties: 1, maxProperties: 20,
            propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
            additionalProperties: { type: 'string', pattern: '^\\$' },
          },
        },
        allOf: [oneTarget, oneBody],
      },
    },
    requests: {
      type: 'array', minItems: 1, maxItems: 200,
      items: {
        type: 'object', additionalProperties: false, required: ['name'],
        properties: { ...requestProps, weight: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000 } },
        allOf: [oneTarget, oneBody],
      },
    },
    scenarios: {
      type: 'array', minItems: 1, maxItems: 50,
      items: {
        type: 'object', additionalProperties: false, required: ['name', 'executor', 'vus'],
        properties: {
          name,
          executor: { type: 'string', enum: ['constant-vus', 'shared-iterations'] },
          vus: { type: 'integer', minimum: 1, maximum: 100_000 },
          duration: duration,
          iterations: { type: 'integer', minimum: 1, maximum: 1_000_000_000 },
          maxDuration: duration,
          startTime: duration,
          gracefulStop: duration,
          requests: { type: 'array', items: name, minItems: 1, uniqueItems: true },
        },
        allOf: [
          { if: { properties: { executor: { const: 'constant-vus' } } }, then: { required: ['duration'], not: { required: ['iterations'] } } },
          { if: { properties: { executor: { const: 'shared-iterations' } } }, then: { required: ['iterations'], not: { required: ['duration'] } } },
        ],
      },
    },
  },
} as const;

/** The scenario as written (after schema validation). */
export interface RequestInput {
  name: string;
  method?: string;
  url?: string;
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean>;
  json?: unknown;
  body?: string;
  timeout?: string;
  expect?: number[];
  weight?: number;
  capture?: Record<string, string>;
}

export interface ScenarioInput {
  name: string;
  description?: string;
  baseUrl?: string;
  defaults?: { headers?: Record<string, string>; timeout?: string };
  setup?: RequestInput[];
  requests: RequestInput[];
  scenarios: Array<{
    name: string; executor: 'constant-vus' | 'shared-iterations'; vus: number; duration?: string; iterations?: number;
    maxDuration?: string; startTime?: string; gracefulStop?: string; requests?: string[];
  }>;
}
