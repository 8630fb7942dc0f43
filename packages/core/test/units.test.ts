// The one formatter of figures (src/units.ts): one rule per unit, and "–" for
// a figure nobody measured, never a zero that reads as "very fast".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatLatency,
  formatMonitorRate,
  formatMonitorValue,
  formatNumber,
  formatPercent,
  formatRate,
  formatThresholdValue,
  NO_DATA,
} from '../src/units.ts';

test('bytes are binary, with IEC symbols', () => {
  assert.equal(formatBytes(589824), '576 KiB');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1.5 * 1024 * 1024), '1.5 MiB');
  assert.equal(formatBytes(42_200_000), '40.2 MiB');
  assert.equal(formatBytes(50 * 1024 ** 3), '50 GiB');
  assert.equal(formatBytes(-589824), '-576 KiB', 'a shrinking monitor');
  // Past 1,000 of a unit the next one: never "1,000 KiB".
  assert.equal(formatBytes(1_000_000), '977 KiB');
  assert.equal(formatBytes(1023 * 1024), '1 MiB', 'rounded, never "1,023 KiB"');
});

test('durations: ms below a second, s above, about three digits', () => {
  assert.equal(formatDuration(0.843), '0.84 ms');
  assert.equal(formatDuration(4.2), '4.2 ms');
  assert.equal(formatDuration(67.31), '67.3 ms');
  assert.equal(formatDuration(230.4), '230 ms');
  assert.equal(formatDuration(1250), '1.25 s');
  assert.equal(formatDuration(12_500), '12.5 s');
  assert.equal(formatDuration(1_800_000), '1,800 s');
  assert.equal(formatDuration(0), '0 ms');
  assert.equal(formatDuration(0.001), '<0.01 ms', 'a measured microsecond is not nothing');
});

test('rates per second, counts grouped, percentages to a tenth', () => {
  assert.equal(formatRate(140.23), '140.2/s');
  assert.equal(formatRate(103), '103/s');
  assert.equal(formatRate(20_012.4), '20,012/s');
  assert.equal(formatRate(0.054), '0.054/s');
  assert.equal(formatRate(0), '0/s');
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatCount(0), '0');
  assert.equal(formatPercent(0.98), '98.0%');
  assert.equal(formatNumber(12), '12');
  assert.equal(formatNumber(0.0851), '0.0851');
  assert.equal(formatNumber(1234.5), '1,235');
});

test('no data is "–", whatever the unit, and a latency with no answer is no data', () => {
  for (const f of [formatBytes, formatCount, formatDuration, formatRate, formatPercent, formatNumber]) {
    assert.equal(f(Number.NaN), NO_DATA, f.name);
    assert.equal(f(null), NO_DATA, f.name);
    assert.equal(f(undefined), NO_DATA, f.name);
    assert.equal(f(Number.POSITIVE_INFINITY), NO_DATA, f.name);
  }
  assert.equal(NO_DATA, '–');
  assert.equal(formatLatency(0, 0), '–', 'an empty histogram reads 0: not "0 ms"');
  assert.equal(formatLatency(4.2, 10), '4.2 ms');
});

test('monitors: bytes by their name, the target own number otherwise', () => {
  assert.equal(formatMonitorValue('rss', 589824), '576 KiB');
  assert.equal(formatMonitorValue('heap_used', 2 * 1024 * 1024), '2 MiB');
  assert.equal(formatMonitorValue('pool_peak', 7), '7');
  assert.equal(formatMonitorValue('cpu', 0.0851), '0.0851');
  assert.equal(formatMonitorRate('rss', 12_288), '12 KiB/s');
  assert.equal(formatMonitorRate('cpu', 0.85), '0.85/s');
  assert.equal(formatMonitorValue('rss', Number.NaN), '–');
});

test("a threshold's value in its metric's unit, read from the expression", () => {
  assert.equal(formatThresholdValue('growth(rss)<50MB', 589824), '576 KiB');
  assert.equal(formatThresholdValue('growth(heap)<100', 589824), '576 KiB', 'a memory name holds bytes');
  assert.equal(formatThresholdValue('max(pool_in_use)<15', 7), '7');
  assert.equal(formatThresholdValue('rate(cpu)<0.5', 0.0851), '0.085/s');
  assert.equal(formatThresholdValue('rate(rss)<1MB', 12_288), '12 KiB/s');
  assert.equal(formatThresholdValue('p(95)<500ms', 67.31), '67.3 ms');
  assert.equal(formatThresholdValue('max<2s', 1250), '1.25 s');
  assert.equal(formatThresholdValue('rate(ok)>0.99', 0.5), '50.0%');
  assert.equal(formatThresholdValue('rate(429)==0', 0), '0.0%');
  assert.equal(formatThresholdValue('rps>10', 140.23), '140.2/s');
  assert.equal(formatThresholdValue('count(429)==50', 1234), '1,234');
  assert.equal(formatThresholdValue('requests>=150', 150), '150');
  assert.equal(formatThresholdValue('p(95)<500ms', Number.NaN), '–');
});
