// The building blocks the scenario schema's parts share (texts, durations,
// names, headers, statuses, JSON paths), so one field reads the same wherever
// a scenario takes it.
import { DURATION_PATTERN } from './units.ts';

export const text = (description: string, extra: Record<string, unknown> = {}) =>
  ({ type: 'string', description, ...extra }) as const;
export const duration = (description: string) =>
  text(`${description} (500ms, 30s, 5m, 1h)`, { pattern: DURATION_PATTERN });
const headerName = { pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,200}$" } as const;
export const headers = {
  type: 'object',
  description: 'header name to value; values may use ${variables}',
  propertyNames: headerName,
  additionalProperties: { type: 'string', maxLength: 8192 },
  maxProperties: 100,
} as const;
export const name = (description: string) => text(description, { pattern: '^[A-Za-z0-9_.:/-]{1,100}$' });
const status = { type: 'integer', minimum: 100, maximum: 599 } as const;
export const statuses = (description: string) =>
  ({ type: 'array', description, items: status, minItems: 1, maxItems: 50, uniqueItems: true }) as const;
export const varName = { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } as const;
/** A seed for random generators: the same seed and plan give the same values. */
export const seed = (description: string) =>
  ({
    description,
    anyOf: [
      { type: 'string', minLength: 1, maxLength: 100 },
      { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    ],
  }) as const;
export const jsonPath = text("a JSON path: $.a.b, $.items[0], $['odd-key']", { pattern: '^\\$', maxLength: 500 });
