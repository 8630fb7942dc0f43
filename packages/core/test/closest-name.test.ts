// Did-you-mean: near misses of a known name are suggested, unrelated words are not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closestName, didYouMean } from '../src/closest-name.ts';

const KEYS = ['name', 'method', 'url', 'path', 'expect', 'timeout', 'vus', 'duration', 'iterations', 'executor'];
const EXECUTORS = ['constant-vus', 'shared-iterations', 'per-vu-iterations', 'ramping-vus', 'constant-arrival-rate'];

test('a typo, a plural or a missing letter finds the name meant', () => {
  assert.equal(closestName('expects', KEYS), 'expect');
  assert.equal(closestName('vu', KEYS), 'vus');
  assert.equal(closestName('duratoin', KEYS), 'duration');
  assert.equal(closestName('Timeout', KEYS), 'timeout');
  assert.equal(closestName('constant-vu', EXECUTORS), 'constant-vus');
  assert.equal(closestName('helth-100', ['health-100', 'stress-100', 'upload-10']), 'health-100');
  assert.equal(didYouMean('iteration', KEYS), ' (did you mean iterations?)');
});

test('an unrelated word suggests nothing', () => {
  assert.equal(closestName('bogus', KEYS), undefined);
  assert.equal(closestName('id', KEYS), undefined);
  assert.equal(closestName('x', ['vus']), undefined);
  assert.equal(closestName('teapot-42', ['health-100', 'stress-100']), undefined);
  assert.equal(didYouMean('zzz', KEYS), '');
});
