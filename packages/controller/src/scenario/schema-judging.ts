// The scenario schema's judging parts: the monitors that poll target-side
// figures during a run, and the thresholds that judge the merged results and
// those figures into the run's verdict.
import { duration, jsonPath, name, text } from './schema-fields.ts';

export const monitorsSchema = {
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
      prometheus: text('a Prometheus metric: name or name{label="value"}; may hold ${env:NAME:-default}', {
        maxLength: 500,
      }),
      alternatives: {
        type: 'array',
        description:
          'other metric names (or JSON paths) to use when the one given, with its default, is missing at the first poll: the one the endpoint offers, if exactly one',
        items: text('a metric name or selector (or a JSON path)', { minLength: 1, maxLength: 500 }),
        maxItems: 10,
      },
      optional: {
        type: 'boolean',
        description:
          'a first poll that fails leaves this monitor out with a note instead of failing the run (default false); no threshold may name it',
      },
      interval: duration('how often to poll (default 1s)'),
      timeout: duration('time allowed for each poll (default 5s)'),
    },
    allOf: [
      { not: { required: ['url', 'path'] }, anyOf: [{ required: ['url'] }, { required: ['path'] }] },
      { not: { required: ['json', 'prometheus'] }, anyOf: [{ required: ['json'] }, { required: ['prometheus'] }] },
    ],
  },
} as const;

export const thresholdsSchema = {
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
} as const;
