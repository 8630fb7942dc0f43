// The scenario format's JSON Schema: the document, assembled from its parts
// (schema-requests, schema-models, schema-judging, schema-agent-loss) in the
// order editors show them. Validated once where a scenario enters (file,
// built-in, later the API); every violation is reported with its JSON-pointer
// path. The same schema is published as schemas/scenario.schema.json for
// editors (npm run gen).
import { agentLossProps } from './schema-agent-loss.ts';
import { connectToSchema, hostsSchema, tlsSchema } from './schema-connections.ts';
import { dataSchema } from './schema-data.ts';
import { duration, name, seed, text, varName } from './schema-fields.ts';
import { monitorsSchema, thresholdsSchema } from './schema-judging.ts';
import { loadModelsSchema } from './schema-models.ts';
import { flowsSchema, requestDefaultsSchema, requestsSchema, setupSchema } from './schema-requests.ts';

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
    interval: duration(
      'how often results are reported and merged, 100ms..10s; default: 100ms when the load lasts at most 10s (or is a burst of at most 1000 iterations), else 1s',
    ),
    seed: seed(
      'seed for ${randomInt(a,b)}, ${randomString(n)} and random rows: the same seed and plan give the same values whatever the agent count (default: unseeded)',
    ),
    defaults: requestDefaultsSchema,
    tls: tlsSchema,
    hosts: hostsSchema,
    connectTo: connectToSchema,
    vars: {
      type: 'object',
      description: 'run variables: { name: value }; values may use ${env:NAME} or ${env:NAME:-default}',
      propertyNames: varName,
      additionalProperties: { type: 'string', maxLength: 8192 },
      maxProperties: 50,
    },
    setup: setupSchema,
    data: dataSchema,
    requests: requestsSchema,
    flows: flowsSchema,
    ...agentLossProps,
    monitors: monitorsSchema,
    thresholds: thresholdsSchema,
    scenarios: loadModelsSchema,
  },
} as const;
