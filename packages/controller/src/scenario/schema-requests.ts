// The scenario schema's request parts: the request templates with their checks,
// captures and uploads, the setup requests, the flows that order requests into
// one iteration, and the per-request defaults. The defaults sit beside the
// fields they default, so a description's "(default ...)" cannot drift.
import { connectToSchema, tlsSchema } from './schema-connections.ts';
import { duration, headers, jsonPath, name, statuses, text, varName } from './schema-fields.ts';
import { retrySchema } from './schema-retry.ts';
import { httpSchema, maxStreamsSchema } from './schema-transport.ts';
import { SIZE_PATTERN } from './units.ts';

export const REQUEST_DEFAULTS = Object.freeze({
  method: 'GET',
  timeout: '60s',
  weight: 1,
  multipartField: 'file',
  multipartFilename: 'upload.bin',
  multipartContentType: 'application/octet-stream',
  redirects: 10,
});

/** `redirects:` on a request, a load model or the defaults; k6 and Gatling follow 10. */
export const redirects = {
  type: 'integer',
  description: `redirects (301, 302, 303, 307, 308) followed at most; 0: none, the 3xx is the answer (default ${REQUEST_DEFAULTS.redirects})`,
  minimum: 0,
  maximum: 10,
} as const;

const capture = {
  type: 'object',
  description:
    'variables taken from the response: { token: $.access_token }, { loc: { header: Location } } or { sid: { cookie: sid } }',
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
      {
        type: 'object',
        additionalProperties: false,
        required: ['cookie'],
        properties: {
          cookie: text('the name of a cookie the response sets (requests only)', {
            pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,200}$",
          }),
        },
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

/** A file sent from the agents' disks: relative to the scenario file (docs/scenarios.md "Bodies"). */
const filePath = (what: string) => text(what, { minLength: 1, maxLength: 4096 });

const part = {
  type: 'object',
  additionalProperties: false,
  required: ['field'],
  description: 'one part: a file from disk (file) or generated content (size)',
  properties: {
    field: text('form field of the part', { minLength: 1, maxLength: 200 }),
    file: filePath('a file sent as this part, streamed from disk (relative to the scenario file)'),
    size: text('size of generated content (100KB, 50MB)', { pattern: SIZE_PATTERN }),
    filename: text(`file name sent (default: the file's own name, or ${REQUEST_DEFAULTS.multipartFilename})`, {
      minLength: 1,
      maxLength: 200,
    }),
    contentType: text(`the part's content type (default ${REQUEST_DEFAULTS.multipartContentType})`, {
      pattern: '^[!-~]+/[!-~ ]+$',
      maxLength: 200,
    }),
  },
} as const;

const multipart = {
  type: 'object',
  additionalProperties: false,
  description:
    'a multipart/form-data upload streamed with a Content-Length: one generated file (size), or parts (files from disk and generated ones)',
  properties: {
    size: text('size of the one generated file (100KB, 50MB)', { pattern: SIZE_PATTERN }),
    parts: { type: 'array', minItems: 1, maxItems: 20, items: part, description: 'the parts, after the fields' },
    field: text(`form field of the file (default ${REQUEST_DEFAULTS.multipartField})`, {
      minLength: 1,
      maxLength: 200,
    }),
    filename: text(`file name sent (default ${REQUEST_DEFAULTS.multipartFilename})`, { minLength: 1, maxLength: 200 }),
    contentType: text(`the file part's content type (default ${REQUEST_DEFAULTS.multipartContentType})`, {
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
    description: `HTTP method (default ${REQUEST_DEFAULTS.method})`,
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
  form: {
    type: 'object',
    description: 'an application/x-www-form-urlencoded body; names and values are url-encoded (variables too)',
    additionalProperties: { type: ['string', 'number', 'boolean'], maxLength: 8192 },
    maxProperties: 100,
  },
  timeout: duration(
    `time allowed for the response headers and for each body chunk (default ${REQUEST_DEFAULTS.timeout})`,
  ),
  expect: statuses('statuses that count as ok (default: 2xx; list a 3xx that is not followed to make it ok)'),
  capture,
} as const;

const oneTarget = {
  not: { required: ['url', 'path'] },
  anyOf: [{ required: ['url'] }, { required: ['path'] }],
} as const;
/** At most one of `kinds` (a request has one body). */
const oneOf = (kinds: readonly string[]) => ({
  not: { anyOf: kinds.flatMap((a, i) => kinds.slice(i + 1).map((b) => ({ required: [a, b] }))) },
});
const oneBody = oneOf(['json', 'body', 'form', 'bodyFile', 'multipart']);
const oneCheckKind = {
  anyOf: [{ required: ['header'] }, { required: ['json'] }],
  not: { anyOf: [{ required: ['header', 'json'] }, { required: ['header', 'equals'] }] },
} as const;

export const requestDefaultsSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'applied to every request',
  properties: {
    headers,
    timeout: duration(`default request timeout (default ${REQUEST_DEFAULTS.timeout})`),
    redirects,
    retry: retrySchema,
    http: httpSchema,
    maxStreams: maxStreamsSchema,
    cookies: {
      type: 'boolean',
      description: 'every load model keeps a cookie jar per VU unless it says otherwise; false: none do (default true)',
    },
  },
} as const;

export const setupSchema = {
  type: 'array',
  maxItems: 20,
  description: 'requests run once per run on the controller before the load; their captures become run variables',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name'],
    properties: requestProps,
    allOf: [oneTarget, oneOf(['json', 'body', 'form'])],
  },
} as const;

export const requestsSchema = {
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
      redirects,
      retry: retrySchema,
      http: httpSchema,
      maxStreams: maxStreamsSchema,
      multipart,
      bodyFile: filePath('a file sent as the body, streamed from disk (relative to the scenario file)'),
      checks: { type: 'array', maxItems: 20, items: { ...check, ...oneCheckKind } },
      tls: tlsSchema,
      connectTo: connectToSchema,
      weight: {
        type: 'number',
        description: `share of this request in a mix (default ${REQUEST_DEFAULTS.weight})`,
        exclusiveMinimum: 0,
        maximum: 1_000_000,
      },
    },
    allOf: [oneTarget, oneBody],
  },
} as const;

export const flowsSchema = {
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
        description: `share of this flow in a mix (default ${REQUEST_DEFAULTS.weight})`,
        exclusiveMinimum: 0,
        maximum: 1_000_000,
      },
    },
  },
} as const;
