// What each value the scenario schema checks by pattern means, in words with
// an example to copy, so an error says `"5 minutes" is not a duration; write
// 30s, 5m or 1h` instead of showing the regex it failed; likewise a threshold
// written the way other tools write it (p95<500 -> p(95)<500ms).
import { DURATION_PATTERN, SIZE_PATTERN } from './units.ts';

const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,200}$";

/** Pattern -> [what the value should be, what to write]. */
const PATTERN_WORDS: Record<string, [string, string]> = {
  [DURATION_PATTERN]: ['a duration', 'write a number and a unit: 500ms, 30s, 5m or 1h'],
  [SIZE_PATTERN]: ['a size', 'write a number and a unit: 512B, 100KB, 50MB or 1GB'],
  '^[A-Za-z0-9_.:/-]{1,100}$': ['a name', 'use letters, digits and _ . : / - (at most 100), e.g. get-items'],
  [HEADER_NAME]: ['a header name', "use letters, digits and !#$%&'*+.^_`|~- only, e.g. X-Request-Id"],
  '^[A-Za-z_][A-Za-z0-9_]*$': ['a variable name', 'start with a letter or _, then letters, digits or _, e.g. token'],
  '^[A-Za-z_][A-Za-z0-9_]{0,63}$': [
    'a monitor name',
    'start with a letter or _, then letters, digits or _ (at most 64), e.g. rss',
  ],
  '^https?://[^/]+(/.*)?$': ['an http(s) base URL', 'write http://127.0.0.1:8080 or https://api.example.com/v1'],
  '^https?://': ['an absolute http(s) URL', 'write http://127.0.0.1:8080/items'],
  '^/': ['a path', 'start it with /, e.g. /items'],
  '^\\$': ['a JSON path', "write $.a.b, $.items[0] or $['odd-key']"],
  '^[!-~]+/[!-~ ]+$': ['a content type', 'write type/subtype, e.g. application/octet-stream'],
};

/** `"5 minutes" is not a duration; write …`, or undefined for a pattern without words. */
export function patternProblem(pattern: string, value: unknown): string | undefined {
  const words = PATTERN_WORDS[pattern];
  return words && `${JSON.stringify(value)} is not ${words[0]}; ${words[1]}`;
}

/** Examples for keys whose value has a type people often get wrong (a rate written "100/s", vus "10"). */
const TYPE_EXAMPLES: Record<string, string> = {
  rate: 'rate: 100 (per timeUnit, default 1s: 100 per second)',
  startRate: 'startRate: 10 (per timeUnit)',
  target: 'target: 50',
  vus: 'vus: 10',
  iterations: 'iterations: 1000',
  connections: 'connections: 10',
  maxInFlight: 'maxInFlight: 1000',
  startVUs: 'startVUs: 0',
  weight: 'weight: 2',
  expect: 'expect: [200, 201]',
  status: 'status: [200]',
};

/** The example for the last key of `path` (array indexes skipped), if there is one. */
export function typeExample(path: string): string | undefined {
  const keys = path.split('/').filter((k) => k !== '' && !/^\d+$/.test(k));
  return TYPE_EXAMPLES[keys.at(-1) ?? ''];
}

const OP = '(<=|>=|==|!=|<|>)';
const UNIT_WORDS: Record<string, string> = {
  milliseconds: 'ms',
  millisecond: 'ms',
  msec: 'ms',
  seconds: 's',
  second: 's',
  sec: 's',
  secs: 's',
  minutes: 'm',
  minute: 'm',
  min: 'm',
  mins: 'm',
  kb: 'KB',
  mb: 'MB',
  gb: 'GB',
  bytes: 'B',
};

/** `; write p(95)<500ms` for a threshold written the way other tools write it (p95<500, p(95)<5 minutes), or nothing. */
export function thresholdHint(expr: string): string {
  const e = expr.replace(/\s+/g, '');
  const bare = new RegExp(`^p(\\d+(?:\\.\\d+)?)${OP}(\\d+(?:\\.\\d+)?)(ms|s|m)?$`).exec(e);
  if (bare) return `; write p(${bare[1]})${bare[2]}${bare[3]}${bare[4] ?? 'ms'}`;
  const worded = new RegExp(`^(.+?)${OP}(\\d+(?:\\.\\d+)?)([A-Za-z]+)$`).exec(e);
  const unit = worded ? UNIT_WORDS[worded[4]!.toLowerCase()] : undefined;
  if (worded && unit) return `; write ${worded[1]}${worded[2]}${worded[3]}${unit}`;
  return '';
}
