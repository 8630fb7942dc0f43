// The YAML text family of scenario mutations: a built-in scenario's text
// damaged one to four times over, by characters YAML gives meaning to, lines
// deleted, duplicated, swapped or re-indented, hostile scalars and snippets
// (tags, anchors, merge keys, ${env:...}, prototype keys), a changed encoding.
// The text stays close to valid, so the parser and the schema both get reached.
import type { Prng } from './prng.ts';
import { hostileString } from './tree-mutations.ts';

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

/** One to four text operations in a row; returns the text and the first one's name (the label). */
export function textMutation(rng: Prng, text: string): [string, string] {
  let t = text;
  const names: string[] = [];
  for (let n = rng.range(1, 4); n > 0; n--) {
    const [, name, f] = rng.weighted(TEXT_OPS.map((x) => [x[0], x] as const));
    t = f(rng, t);
    names.push(name);
  }
  return [t, names[0]!];
}
