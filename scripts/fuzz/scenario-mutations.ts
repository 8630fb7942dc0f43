// Mutated POST /api/v1/runs requests: the built-in scenarios (their target
// moved to a closed loopback port) damaged as YAML text (yaml-text-mutations.ts)
// or as JSON objects (tree-mutations.ts), and odd request bodies; the fixed
// bombs are scenario-bombs.ts. Every URL in a body is forced to
// http://127.0.0.1:9 before it is sent, so a mutation that happens to be a
// valid scenario can never reach anything real.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import type { Prng } from './prng.ts';
import { cloneTree, mutateTree } from './tree-mutations.ts';
import { textMutation } from './yaml-text-mutations.ts';

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
