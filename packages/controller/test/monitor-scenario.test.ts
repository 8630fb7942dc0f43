// What a scenario may say of its monitors: a metric name taken from
// ${env:NAME:-default} (checked with its default), alternatives, optional; no
// other variable (monitors are polled before setup), no threshold on an
// optional monitor; and an env reference without default must be set.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveEnv } from '../src/plan/setup.ts';
import { loadScenario } from '../src/scenario/read.ts';
import { validateScenario } from '../src/scenario/validate.ts';

const base = {
  name: 'm',
  baseUrl: 'http://127.0.0.1:8080',
  requests: [{ name: 'health', path: '/health' }],
  scenarios: [{ name: 'once', executor: 'shared-iterations', vus: 1, iterations: 1 }],
};

function problems(monitors: unknown[], thresholds: string[] = []): string {
  try {
    validateScenario({ ...base, monitors, thresholds });
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

test('a metric from ${env:NAME:-default}, alternatives and optional validate; their defaults are applied', () => {
  const s = validateScenario({
    ...base,
    monitors: [
      {
        name: 'pool_peak',
        path: '/metrics',
        prometheus: '${env:BARRAGE_TARGET_POOL_PEAK_METRIC:-db_pool_in_use_peak}',
        alternatives: ['db_pool_peak_in_use'],
      },
      { name: 'rss', path: '/metrics', prometheus: 'process_resident_memory_bytes', optional: true },
    ],
    thresholds: ['max(pool_peak)<=15'],
  });
  assert.deepEqual(
    s.monitors.map((m) => [m.name, m.prometheus, m.alternatives, m.optional]),
    [
      ['pool_peak', '${env:BARRAGE_TARGET_POOL_PEAK_METRIC:-db_pool_in_use_peak}', ['db_pool_peak_in_use'], false],
      ['rss', 'process_resident_memory_bytes', [], true],
    ],
  );
  assert.deepEqual(
    [...resolveEnv(s, { BARRAGE_TARGET_POOL_PEAK_METRIC: 'pool_peak_connections' })],
    [['env:BARRAGE_TARGET_POOL_PEAK_METRIC:-db_pool_in_use_peak', 'pool_peak_connections']],
    'the run reads the monitor env reference like any other',
  );
});

test('what a monitor may not say, each with its path', () => {
  assert.match(
    problems([{ name: 'x', path: '/metrics', prometheus: '${token}' }]),
    /\/monitors\/0\/prometheus: only \$\{env:NAME\} and \$\{env:NAME:-default\} may appear .* not \$\{token\}/,
  );
  assert.match(
    problems([{ name: 'x', path: '/metrics', prometheus: '${env:M:-bad name}' }]),
    /\/monitors\/0\/prometheus: not a metric selector: bad name/,
  );
  assert.match(
    problems([{ name: 'x', path: '/h', json: '$.a', alternatives: ['a.b'] }]),
    /\/monitors\/0\/alternatives\/0: JSON path must start with \$/,
  );
  assert.match(
    problems([{ name: 'x', path: '/metrics', prometheus: 'up', optional: true }], ['max(x)<1']),
    /\/thresholds\/0: monitor x is optional \(it may be left out\), so no threshold may judge it/,
  );
  assert.equal(problems([{ name: 'x', path: '/metrics', prometheus: '${env:M}' }]), '', 'checked once set');
  const s = validateScenario({ ...base, monitors: [{ name: 'x', path: '/metrics', prometheus: '${env:M}' }] });
  assert.throws(() => resolveEnv(s, {}), { code: 'SCENARIO_ENV_MISSING', message: /not set: M;/ });
});

test('memleak-200 keeps 200 sequential requests from one VU, paced over 10 s or more, RSS every 250 ms', () => {
  const s = loadScenario('memleak-200');
  const m = s.scenarios[0]!;
  assert.deepEqual([m.executor, m.vus, m.iterations], ['shared-iterations', 1, 200]);
  assert.ok(m.iterations * m.thinkTimeMs >= 10_000, `${m.iterations} x ${m.thinkTimeMs} ms`);
  assert.equal(s.monitors[0]!.intervalMs, 250);
});
