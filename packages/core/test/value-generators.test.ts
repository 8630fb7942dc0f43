// Generated values: each generator's value and bounds, seeded draws that
// repeat for the same (seed, key) whatever the order, ${seq} distinct for
// every request of a run, and templates that keep generators for the request.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { seededDraw, seededUnit } from '../src/seeded-random.ts';
import { compileTemplate, render } from '../src/template.ts';
import { generatedValue, generatorProblem, parseGenerator, seqOf } from '../src/value-generators.ts';

const input = (draw = Math.random) => ({
  vu: 4,
  iteration: 17,
  seq: 99,
  nowMs: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
  draw,
});
const value = (ref: string, draw?: () => number) => generatedValue(parseGenerator(ref)!, input(draw));

test('each generator gives its value: vu 1-based, iteration 0-based, ISO and ms time, uuid', () => {
  assert.equal(value('vu'), '5');
  assert.equal(value('iteration'), '17');
  assert.equal(value('seq'), '99');
  assert.equal(value('now'), '2026-01-02T03:04:05.006Z');
  assert.equal(value('nowMs'), String(Date.UTC(2026, 0, 2, 3, 4, 5, 6)));
  assert.match(value('uuid'), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(value('uuid'), value('uuid'));
});

test('randomInt stays within [a, b] and reaches both ends; randomString has n letters or digits', () => {
  fc.assert(
    fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 50 }), fc.string(), (a, w, seed) => {
      const draw = seededDraw(seed, 'k');
      for (let i = 0; i < 20; i++) {
        const v = Number(value(`randomInt(${a},${a + w})`, draw));
        assert.ok(Number.isInteger(v) && v >= a && v <= a + w);
      }
    }),
  );
  const seen = new Set(Array.from({ length: 400 }, () => value('randomInt(1, 3)')));
  assert.deepEqual([...seen].sort(), ['1', '2', '3']);
  assert.equal(value(' randomInt(0,0)'.trim()), '0');
  assert.match(value('randomString(32)'), /^[A-Za-z0-9]{32}$/);
});

test('seeded draws depend only on (seed, key): the same in any order, different for another seed or key', () => {
  const a = Array.from({ length: 20 }, (_, i) => seededUnit('s', `k${i}`));
  const backwards = Array.from({ length: 20 }, (_, i) => seededUnit('s', `k${19 - i}`)).reverse();
  assert.deepEqual(a, backwards);
  assert.ok(a.every((u) => u >= 0 && u < 1));
  assert.notDeepEqual(
    a,
    Array.from({ length: 20 }, (_, i) => seededUnit('t', `k${i}`)),
  );
  assert.equal(new Set(a).size, a.length);
});

test('seqOf gives every (scenario, iteration, step) of a run its own number', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), (scenarios, maxSteps) => {
      const seen = new Set<number>();
      for (let s = 0; s < scenarios; s++)
        for (let i = 0; i < 30; i++)
          for (let step = 0; step < maxSteps; step++) {
            const n = seqOf(i, step, maxSteps, s, scenarios);
            assert.ok(!seen.has(n));
            seen.add(n);
          }
    }),
  );
});

test('generatorProblem accepts good references and names plain variables as none of its business', () => {
  for (const ok of [
    'vu',
    'iteration',
    'seq',
    'uuid',
    'now',
    'nowMs',
    'randomInt(1,10)',
    'randomInt(-5, 5)',
    'randomString(1)',
    'token',
  ])
    assert.equal(generatorProblem(ok), undefined, ok);
  assert.match(generatorProblem('randomInt(1,2,3)')!, /two whole numbers/);
  assert.match(generatorProblem('randomInt(1.5,3)')!, /whole numbers/);
  assert.match(generatorProblem('randomint(1,3)')!, /did you mean randomInt/);
  assert.match(generatorProblem('randomString(0)')!, /1 <= n <= 1024/);
});

test('templates keep generators for the request and render them through the scope, with filters', () => {
  const t = compileTemplate('/a/${seq}?q=${randomString(4)|uri}&v=${vu}', new Map([['vu', 'run-var']]), new Set());
  assert.deepEqual(t, ['/a/', { v: 'seq' }, '?q=', { v: 'randomString(4)', f: 'uri' }, '&v=run-var']);
  const scope = { get: (n: string) => (n === 'seq' ? '7' : n === 'randomString(4)' ? 'a b' : undefined) };
  assert.equal(render(t, scope), '/a/7?q=a%20b&v=run-var');
  assert.throws(() => compileTemplate('${nope}', new Map(), new Set()), /nope/);
});
