// The JSON Schemas the routes share: a run id in the path, the coded error
// body, a run as listed and read. Written `as const` so the type provider
// (json-schema-to-ts) derives each handler's params, query and body from them;
// they are also what the OpenAPI document says.
export const idParam = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

export const anyObject = { type: 'object', additionalProperties: true } as const;

/** Every refusal: { code, message, statusCode } (errors.ts names the codes). */
export const errorBody = {
  type: 'object',
  required: ['code', 'message', 'statusCode'],
  properties: { code: { type: 'string' }, message: { type: 'string' }, statusCode: { type: 'integer' } },
} as const;

export const runBody = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    scenario: { type: 'string' },
    status: { type: 'string' },
    createdAt: { type: 'string' },
    endedAt: { type: ['string', 'null'] },
    target: { type: ['string', 'null'] },
    error: { type: ['string', 'null'] },
    requests: { type: ['integer', 'null'] },
    url: { type: 'string' },
    live: { type: 'object', additionalProperties: true },
  },
} as const;
