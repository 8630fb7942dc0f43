// The scenario schema's `data:` part: named sources of test data (a CSV or JSON
// file beside the scenario, inline CSV text, or inline rows) and how each hands
// its rows out. Reading and checking the rows is data-sources.ts.
import { seed, text, varName } from './schema-fields.ts';

/** The most data a scenario can bring inline (and so the most a POST /runs body may hold). */
export const INLINE_DATA_BYTES = 32 * 1024 * 1024;

export const ROW_MODES = ['unique', 'perVU', 'circular', 'random'] as const;

const cell = { type: ['string', 'number', 'boolean'] } as const;

const dataSource = {
  type: 'object',
  additionalProperties: false,
  required: ['mode'],
  properties: {
    file: text(
      'a .csv file (header row first) or a .json file (an array of objects), relative to the scenario file; not for scenarios posted to the API (send csv or rows instead)',
      { minLength: 1, maxLength: 1024 },
    ),
    csv: text('inline CSV text, header row first', { maxLength: INLINE_DATA_BYTES }),
    rows: {
      type: 'array',
      description: 'inline rows: [{ column: value }]',
      items: { type: 'object', propertyNames: { maxLength: 200 }, additionalProperties: cell, maxProperties: 100 },
      maxItems: 1_000_000,
    },
    mode: {
      enum: ROW_MODES,
      description:
        'unique: each row used by exactly one iteration (arrival in open models) of the whole cluster; perVU: global VU i gets row i for the run; circular: row i mod rows; random: a row drawn from the seed',
    },
    secret: {
      type: 'array',
      description: 'columns never shown in logs, reports, the API or the store (like ${env:} values)',
      items: { type: 'string', maxLength: 200 },
      maxItems: 100,
      uniqueItems: true,
    },
    onExhausted: {
      enum: ['refuse', 'stop'],
      description:
        'unique and perVU: refuse (default) a plan that needs more rows than there are, before any request; stop: end the load model (the VU) when its rows run out',
    },
    seed: seed('random: the seed rows are drawn from (default: the scenario seed)'),
  },
} as const;

export const dataSchema = {
  type: 'object',
  description: 'named data sources, referenced in templates as ${source.column}',
  propertyNames: { ...varName, maxLength: 64 },
  additionalProperties: dataSource,
  maxProperties: 10,
} as const;
