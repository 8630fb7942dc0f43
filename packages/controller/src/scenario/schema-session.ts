// The scenario schema's `session:` of a load model: per-VU login steps, when
// they are run again (refresh), how the first ones are spread (rampUp), and
// the steps each VU runs when it leaves (teardown). What the schema cannot say
// (names exist, every >= 1s, rampUp only for closed models) is checked in
// validate-session.ts.
import { duration, name, statuses } from './schema-fields.ts';

/** Steps a session or a teardown holds at most. */
export const MAX_SESSION_STEPS = 10;

const steps = (description: string) =>
  ({ type: 'array', description, items: name('a request name'), minItems: 1, maxItems: MAX_SESSION_STEPS }) as const;

export const sessionSchema = {
  type: 'object',
  description:
    "per-VU session: steps run once per VU before its first iteration (open models: once per in-flight slot), their captures kept for the VU's iterations",
  additionalProperties: false,
  required: ['steps'],
  properties: {
    steps: steps('request names run in order, once per VU, before its first iteration'),
    refresh: {
      type: 'object',
      description: 'when the session steps run again',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        every: duration('before an iteration, once the session is this old (at least 1s)'),
        on: statuses('answers with these statuses re-run the session steps and retry the request once'),
      },
    },
    rampUp: duration(
      "closed models: spread the VUs' first sessions evenly over this window (default: all at the start)",
    ),
    teardown: steps('request names run in order, once per VU, when it leaves (model end, budget spent)'),
  },
} as const;
