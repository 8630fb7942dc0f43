// Mutated POST /api/v1/runs requests: the built-in scenarios (their target
// moved to a closed loopback port) damaged as YAML text or as JSON objects,
// odd request bodies, and fixed bombs (YAML alias bombs, deep nesting, huge
// strings and key counts, prototype keys, foreign ${env:...}). Every URL in a
// body is forced to http://127.0.0.1:9 before it is sent, so a mutation that
// happens to be a valid scenario can never reach anything real.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import type { Prng } from './prng.ts';
import { cloneTree, hostileString, mutateTree } from './tree-mutations.ts';

/** A closed port on loopback: setup steps and monitors of a run that starts fail at once. */
export const SAFE_TARGET = 'http://127.0.0.1:9';

export interface ScenarioCase {
  /** The mutation (or bomb) that made it, for the summary. */
  label: string;
  body: string | Uint8Array;
  headers?: Record<string, string>;
}

export interface ScenarioSeeds {
  names: string[];
  texts: string[];
  objects: Record<string, unknown>[];
}

const BUILTIN_DIR = new URL('../../packages/controller/scenarios/', import.meta.url);

export function scenarioSeeds(): ScenarioSeeds {
  const files = readdirSync(BUILTIN_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const texts = files.map((f) =>
    readFileSync(new URL(f, BUILTIN_DIR), 'utf8').replace(/https?:\/\/127\.0\.0\.1:\d+/g, SAFE_TARGET),
  );
  return {
    names: files.map((f) => f.slice(0, -5)),
    texts,
    objects: texts.map((t) => parseYaml(t) as Record<string, unknown>),
  };
}

/** Forces the authority of every http(s) URL in the text to the closed loopback port. */
export function safeUrls(text: string): string {
  return text.replace(/(https?:\/\/)([^/\s"'\\?#]*)/gi, (m, _scheme: string, host: string) =>
    host === '127.0.0.1:9' ? m : 'http://127.0.0.1:9',
  );
}

const HOSTILE_SCALARS = [
  '.nan',
  '-.inf',
  '.inf',
  '1e999',
  '-1e999',
  '0x7fffffff',
  '0o777',
  '~',
  'null',
  '[]',
  '{}',
  '!!binary AAAA',
  '"${env:HOME}"',
  "'${env:BARRAGE_TARGET_X}'",
  '*undefined',
  '&a x',
  '2001-12-14t21:59:43.10-05:00',
  'true',
  '-1',
  '0',
  '99999999999999999999',
  '1.5',
  '0s',
  '999999999h',
  '0.0001ms',
  '10GB',
  '11GB',
  '!!python/object/apply:os.system ["id"]',
  '!<tag:yaml.org,2002:js/function> "function(){}"',
  '@x',
  '`x`',
  '|\n    multi\n    line',
  '>-\n    folded',
  '"\\u0000\\ud800"',
  "'${token'",
  '"${nope}"',
  '"${env:A:-\\"}"',
  '[1, [2, [3, [4]]]]',
  '{a: {b: {c: d}}}',
  '? complex',
  '!!set {a, b}',
  '!!omap [a: 1]',
  '"x"',
  '""',
  "''",
  '-',
  '- a',
  'http://127.0.0.1:9/x',
  'GET',
  'TRACE',
  'shared-iterations',
  'ramping-arrival-rate',
  'abort',
];

const SNIPPETS = [
  '&anchor',
  '*alias',
  '<<: *a',
  '? [a, b]\n: c',
  '---',
  '...',
  '%YAML 1.1',
  'k: !!set {a, b}',
  'k: !!binary AAAA',
  'k: !foo x',
  '\t- tab',
  'requests: []',
  'scenarios: [{}]',
  'thresholds: [p(95)<]',
  'setup: [{name: s, path: /x}]',
  'monitors: [{name: m, path: /m, json: $.x}]',
  'vars: {a: "${env:PATH}"}',
  '__proto__: {polluted: true}',
  'constructor: {prototype: {x: 1}}',
  'flows: [{name: f, steps: [nope]}]',
  'agentTimeout: 1ms',
  'lease: 99999h',
  'onAgentLoss: explode',
  'defaults: {headers: {host: evil}}',
];

const SPECIAL_CHARS = [
  '&',
  '*',
  '!',
  '{',
  '}',
  '[',
  ']',
  '|',
  '>',
  '%',
  '@',
  '`',
  '"',
  "'",
  '#',
  ':',
  '-',
  '?',
  ',',
  '\t',
  '\n',
  '\r',
  '\u0000',
  '\ufeff',
  '\ud800',
  '$',
  '\\',
  ' ',
];

type TextOp = (rng: Prng, text: string) => string;

const lines = (t: string) => t.split('\n');
const TEXT_OPS: ReadonlyArray<readonly [number, string, TextOp]> = [
  [
    10,
    'char',
    (rng, t) => {
      const i = rng.int(t.length);
      return (
        t.slice(0, i) +
        (rng.chance(0.7) ? rng.pick(SPECIAL_CHARS) : String.fromCharCode(rng.int(0x3000))) +
        t.slice(i + (rng.chance(0.5) ? 1 : 0))
      );
    },
  ],
  [
    6,
    'delete-line',
    (rng, t) => {
      const l = lines(t);
      l.splice(rng.int(l.length), 1);
      return l.join('\n');
    },
  ],
  [
    5,
    'duplicate-line',
    (rng, t) => {
      const l = lines(t);
      const i = rng.int(l.length);
      l.splice(i, 0, l[i]!);
      return l.join('\n');
    },
  ],
  [
    3,
    'swap-lines',
    (rng, t) => {
      const l = lines(t);
      const i = rng.int(l.length);
      const j = rng.int(l.length);
      [l[i], l[j]] = [l[j]!, l[i]!];
      return l.join('\n');
    },
  ],
  [
    5,
    'indent',
    (rng, t) => {
      const l = lines(t);
      const i = rng.int(l.length);
      l[i] = rng.chance(0.5) ? ' '.repeat(rng.range(1, 4)) + l[i] : l[i]!.replace(/^ {1,4}/, '');
      return l.join('\n');
    },
  ],
  [4, 'truncate', (rng, t) => t.slice(0, rng.int(t.length))],
  [
    12,
    'scalar',
    (rng, t) => {
      const l = lines(t);
      const at = l.map((x, i) => (/:\s+\S/.test(x) ? i : -1)).filter((i) => i >= 0);
      if (at.length === 0) return t;
      const i = rng.pick(at);
      l[i] = l[i]!.replace(
        /(:\s+)(.*)$/,
        (_m, sep: string) => sep + (rng.chance(0.8) ? rng.pick(HOSTILE_SCALARS) : JSON.stringify(hostileString(rng))),
      );
      return l.join('\n');
    },
  ],
  [
    5,
    'snippet',
    (rng, t) => {
      const l = lines(t);
      l.splice(rng.int(l.length + 1), 0, ' '.repeat(rng.pick([0, 0, 2, 4])) + rng.pick(SNIPPETS));
      return l.join('\n');
    },
  ],
  [
    2,
    'encoding',
    (rng, t) =>
      rng.pick([
        (x: string) => '\ufeff' + x,
        (x: string) => x.replace(/\n/g, '\r\n'),
        (x: string) => x.replace(/\n/g, '\r'),
        (x: string) => x + '\u0000',
      ])(t),
  ],
  [
    3,
    'env-ref',
    (rng, t) => {
      const l = lines(t);
      const i = rng.int(l.length);
      l[i] += rng.pick([' ${env:HOME}', ' ${env:BARRAGE_TARGET_NOPE}', '${', ' ${env:BARRAGE_TARGET_X:-"}']);
      return l.join('\n');
    },
  ],
  [
    3,
    'key',
    (rng, t) => {
      const l = lines(t);
      const i = rng.int(l.length);
      l[i] = l[i]!.replace(
        /([A-Za-z]+):/,
        `${rng.pick(['__proto__', 'constructor', 'Name', 'x', 'requests', 'scenarios', '"a: b"'])}:`,
      );
      return l.join('\n');
    },
  ],
];

function textMutation(rng: Prng, text: string): [string, string] {
  let t = text;
  const names: string[] = [];
  for (let n = rng.range(1, 4); n > 0; n--) {
    const [, name, f] = rng.weighted(TEXT_OPS.map((x) => [x[0], x] as const));
    t = f(rng, t);
    names.push(name);
  }
  return [t, names[0]!];
}

const BAD_TARGETS = [
  '',
  'ftp://127.0.0.1:9',
  'http://127.0.0.1:9/?q=1',
  'http://127.0.0.1:9/#f',
  'x'.repeat(3000),
  'http://[::1',
  'javascript:alert(1)',
  '127.0.0.1:9',
  'http://',
  'file:///etc/passwd',
];

function compose(rng: Prng, label: string, scenario: unknown, builtinName = false): ScenarioCase {
  const body: Record<string, unknown> = { scenario };
  const t = builtinName
    ? 'target'
    : rng.weighted([
        [85, 'target'],
        [10, 'none'],
        [5, 'bad'],
      ] as const);
  if (t === 'target') body.target = SAFE_TARGET;
  else if (t === 'bad') body.target = rng.chance(0.2) ? rng.pick([1, null, [], {}]) : rng.pick(BAD_TARGETS);
  if (rng.chance(0.05)) body.agents = rng.pick([0, -1, 1.5, 'x', 1e9, 10_001, 1, 2, null, '1']);
  if (rng.chance(0.03)) body[rng.pick(['extra', 'scenarios', 'token', 'Scenario'])] = rng.pick([1, 'x', {}, []]);
  return { label, body: safeUrls(JSON.stringify(body)) };
}

/** One mutated request for POST /api/v1/runs. */
export function mutateScenario(rng: Prng, seeds: ScenarioSeeds): ScenarioCase {
  const way = rng.weighted([
    [45, 'yaml'],
    [30, 'object'],
    [10, 'json-text'],
    [5, 'name'],
    [10, 'body'],
  ] as const);
  const i = rng.int(seeds.texts.length);
  switch (way) {
    case 'yaml': {
      const [text, op] = textMutation(rng, seeds.texts[i]!);
      return compose(rng, `yaml/${op}`, text);
    }
    case 'object': {
      const obj = cloneTree(seeds.objects[i]!);
      mutateTree(rng, obj);
      return compose(rng, 'object', obj);
    }
    case 'json-text': {
      const obj = cloneTree(seeds.objects[i]!);
      if (rng.chance(0.7)) mutateTree(rng, obj);
      const text = JSON.stringify(obj, null, rng.chance(0.5) ? 2 : undefined);
      return compose(rng, 'json-text', rng.chance(0.5) ? textMutation(rng, text)[0] : text);
    }
    case 'name': {
      const name = rng.pick([
        ...seeds.names,
        'nope',
        'Stress-100',
        '../../../etc/passwd',
        'stress-100/../baseline',
        'baseline.yaml',
        '-',
        'a'.repeat(300),
        '/etc/passwd',
        'scenarios',
      ]);
      return compose(rng, 'name', name, /^[a-z0-9-]+$/.test(name));
    }
    case 'body': {
      const valid = compose(rng, 'body', seeds.texts[i]!).body as string;
      return rng.weighted<ScenarioCase>([
        [3, { label: 'body/truncated', body: valid.slice(0, rng.int(valid.length)) }],
        [1, { label: 'body/null', body: 'null' }],
        [1, { label: 'body/empty', body: '' }],
        [1, { label: 'body/array', body: '[]' }],
        [1, { label: 'body/string', body: '"stress-100"' }],
        [
          2,
          {
            label: 'body/wrong-type',
            body: JSON.stringify({
              scenario: rng.pick([1, true, null, [], [SAFE_TARGET], 1e308]),
              target: SAFE_TARGET,
            }),
          },
        ],
        [1, { label: 'body/missing-scenario', body: JSON.stringify({ target: SAFE_TARGET }) }],
        [2, { label: 'body/random-bytes', body: rng.bytes(rng.int(400)) }],
        [
          1,
          {
            label: 'body/duplicate-keys',
            body: `{"scenario":"nope","scenario":${JSON.stringify(seeds.texts[i])},"target":"${SAFE_TARGET}"}`,
          },
        ],
        [
          2,
          {
            label: 'body/content-type',
            body: valid,
            headers: {
              'content-type': rng.pick([
                'text/plain',
                'application/x-www-form-urlencoded',
                'application/yaml',
                'application/json; charset=utf-16',
                'multipart/form-data; boundary=x',
                '',
              ]),
            },
          },
        ],
        [1, { label: 'body/gzip', body: gzipSync(valid), headers: { 'content-encoding': 'gzip' } }],
      ]);
    }
  }
}

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
