// The fixed hostile requests every fuzz run sends once, beside the seeded
// mutations: YAML alias bombs, nesting deep enough to exhaust a recursive
// parser, strings and key counts at and past the 1 MiB body limit, prototype
// keys, foreign ${env:...} references, gzip bombs and odd content types.
import { gzipSync } from 'node:zlib';
import { SAFE_TARGET, type ScenarioCase } from './scenario-mutations.ts';

const nest = (open: string, inner: string, close: string, n: number) => open.repeat(n) + inner + close.repeat(n);
const MINI = (extra: string) =>
  `{"name":"x","requests":[{"name":"a","url":"${SAFE_TARGET}/"${extra}}],"scenarios":[{"name":"s","executor":"shared-iterations","vus":1,"iterations":1}]}`;
const withBody = (scenario: string) => `{"scenario":${scenario},"target":"${SAFE_TARGET}"}`;
/** Characters of scenario text that still fit the 1 MiB body limit once wrapped in JSON. */
const ROOM = 1024 * 1024 - 200;

/** Fixed hostile requests every fuzz run sends once. */
export function scenarioBombs(): ScenarioCase[] {
  const laughs = (levels: number, fan: number) => {
    const out = [`a0: &a0 [${new Array(10).fill('lol').join(',')}]`];
    for (let i = 1; i < levels; i++) out.push(`a${i}: &a${i} [${new Array(fan).fill(`*a${i - 1}`).join(',')}]`);
    return out.join('\n') + '\nname: bomb\n';
  };
  const many = (n: number) => `{"name":"x",${Array.from({ length: n }, (_, i) => `"k${i}":1`).join(',')}}`;
  const text = (label: string, scenarioText: string): ScenarioCase => ({
    label,
    body: withBody(JSON.stringify(scenarioText)),
  });
  return [
    text('bomb/alias: billion laughs (90 aliases)', laughs(10, 10)),
    text('bomb/alias: 45 aliases, 5^9 expansion', laughs(10, 5)),
    text('bomb/deep flow sequence, 1 MiB', nest('[', '', ']', ROOM / 2)),
    text('bomb/deep flow mapping, 1 MiB', nest('{a: ', '1', '}', Math.floor(ROOM / 5))),
    text('bomb/deep block sequence', nest('- ', 'x', '', Math.floor(ROOM / 2))),
    text('bomb/deep JSON text', nest('{"a":', '1', '}', Math.floor(ROOM / 6))),
    { label: 'bomb/deep object in requests[].json', body: withBody(MINI(`,"json":${nest('[', '1', ']', 100_000)}`)) },
    {
      label: 'bomb/deep object in checks[].equals',
      body: withBody(MINI(`,"checks":[{"json":"$.a","equals":${nest('{"a":', '1', '}', 50_000)}}]`)),
    },
    text(
      'bomb/!!binary in requests[].json',
      `name: x\nrequests: [{name: a, url: "${SAFE_TARGET}/", json: !!binary AAAA}]\nscenarios: [{name: s, executor: shared-iterations, vus: 1, iterations: 1}]\n`,
    ),
    text(
      'bomb/!!binary in checks[].equals',
      `name: x\nrequests: [{name: a, url: "${SAFE_TARGET}/", checks: [{json: $.a, equals: !!binary AAAA}]}]\nscenarios: [{name: s, executor: shared-iterations, vus: 1, iterations: 1}]\n`,
    ),
    {
      label: 'bomb/deep object in an unknown key',
      body: withBody(`{"name":"x","deep":${nest('[', '1', ']', 100_000)}}`),
    },
    { label: 'bomb/deep object as the body', body: nest('{"scenario":', '1', '}', 100_000) },
    text('bomb/scenario text past 1 MiB', 'name: x\ndescription: ' + 'x'.repeat(1024 * 1024)),
    { label: 'bomb/body past 1 MiB', body: withBody(MINI(`,"body":"${'x'.repeat(1024 * 1024)}"`)) },
    { label: 'bomb/60,000 keys', body: withBody(many(60_000)) },
    {
      label: 'bomb/200,000 empty requests',
      body: withBody(`{"name":"x","requests":[${new Array(200_000).fill('{}').join(',')}]}`),
    },
    text('bomb/threshold in 100,000 parentheses', `name: x\nthresholds: ['${nest('(', 'p(95)<1', ')', 100_000)}']\n`),
    text(
      'bomb/JSON path of 200,000 segments',
      `name: x\nrequests: [{name: a, path: /, capture: {t: '$${'.a'.repeat(200_000)}'}}]\n`,
    ),
    text('bomb/duration of 100,000 digits', `name: x\nagentTimeout: ${'9'.repeat(100_000)}s\n`),
    text('bomb/1 MiB name', `name: ${'a'.repeat(ROOM - 10)}\n`),
    text('bomb/700 KB !!binary', `name: !!binary ${Buffer.alloc(500_000).toString('base64')}\n`),
    text('bomb/10,000 anchors', Array.from({ length: 10_000 }, (_, i) => `k${i}: &a${i} v`).join('\n')),
    text('bomb/multiple documents', 'name: a\n---\nname: b\n'),
    text('bomb/NUL and lone surrogates', 'name: "\u0000\ud800"\nrequests: [{name: "\udfff", path: /}]\n'),
    {
      label: 'bomb/__proto__ in the JSON body',
      body: `{"scenario":{"__proto__":{"polluted":1},"name":"x"},"target":"${SAFE_TARGET}"}`,
    },
    {
      label: 'bomb/constructor.prototype in the JSON body',
      body: `{"scenario":{"constructor":{"prototype":{"polluted":1}},"name":"x"},"target":"${SAFE_TARGET}"}`,
    },
    text('bomb/__proto__ in YAML', '__proto__: {polluted: 1}\nname: x\n'),
    text(
      'bomb/foreign ${env:HOME}',
      `name: x\nrequests: [{name: a, url: "${SAFE_TARGET}/\${env:HOME}"}]\nscenarios: [{name: s, executor: shared-iterations, vus: 1, iterations: 1}]\n`,
    ),
    text(
      'bomb/missing ${env:BARRAGE_TARGET_FUZZ_MISSING}',
      `name: x\nrequests: [{name: a, url: "${SAFE_TARGET}/\${env:BARRAGE_TARGET_FUZZ_MISSING}"}]\nscenarios: [{name: s, executor: shared-iterations, vus: 1, iterations: 1}]\n`,
    ),
    {
      label: 'bomb/gzip content-encoding',
      body: gzipSync(withBody('"stress-100"')),
      headers: { 'content-encoding': 'gzip' },
    },
    {
      label: 'bomb/gzip bomb: 50 MiB of zeros',
      body: gzipSync(Buffer.alloc(50 * 1024 * 1024)),
      headers: { 'content-encoding': 'gzip' },
    },
    { label: 'bomb/text/plain body', body: withBody('"stress-100"'), headers: { 'content-type': 'text/plain' } },
    { label: 'bomb/path traversal as a name', body: withBody('"../../../../etc/passwd"') },
  ];
}
