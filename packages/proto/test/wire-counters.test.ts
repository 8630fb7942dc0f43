// addWireCounters adds every counter of RequestStats. The last test reads the
// RequestStats fields from barrage.proto itself, so a field added there fails
// here until it is either added by addWireCounters or listed as left out.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { addWireCounters, type barrage, MAX_TLS_REASONS, newWireCounters } from '../src/index.ts';

type Stats = barrage.v1.RequestStats.$Properties;

const root = protobuf.loadSync(fileURLToPath(new URL('../barrage.proto', import.meta.url)));
const RequestStats = root.lookupType('barrage.v1.RequestStats');

/** Not counters: the name keys the stats; histograms are added by the callers. */
const EXCLUDED = new Set(['name', 'latency', 'serviceTime', 'attemptServiceTime']);
/** Counters not simply summed, each checked by name below. */
const SPECIAL = new Set(['status', 'errors', 'firstRateLimitedAt', 'checks', 'firstRedirect', 'retryAfterBuckets']);

/** The scalar numeric fields of a message type, by JS name. */
function numericFields(type: protobuf.Type): string[] {
  return type.fieldsArray
    .filter((f) => !f.repeated && f.resolvedType === null && f.type !== 'string' && f.type !== 'bool')
    .map((f) => f.name);
}

/** Stats with every field set, every number distinct (seed 1 and 2 never collide). */
function stats(seed: number): Stats {
  const s: Record<string, unknown> = { name: 'n' };
  numericFields(RequestStats).forEach((f, i) => {
    if (!SPECIAL.has(f)) s[f] = seed * 1000 + i + 1;
  });
  s.status = [
    { status: 200, count: seed * 10 + 1 },
    { status: 500, count: seed * 10 + 2 },
  ];
  s.errors = {
    timeout: seed * 100 + 1,
    refused: seed * 100 + 2,
    reset: seed * 100 + 3,
    other: seed * 100 + 4,
    tls: [
      { name: 'CERT_HAS_EXPIRED', count: seed * 100 + 5 },
      { name: `R${seed}`, count: 1 },
    ],
  };
  s.firstRateLimitedAt = 5000 - seed;
  s.checks = [{ name: 'c', passes: seed * 10 + 3, fails: seed * 10 + 4 }];
  s.firstRedirect = { method: 'GET', url: `http://x/${seed}`, status: 301, location: '/y' };
  s.retryAfterBuckets = [0, seed, 0, seed * 2];
  return s as Stats;
}

test('sums two RequestStats, every counter', () => {
  const acc = newWireCounters();
  const a = stats(1);
  const b = stats(2);
  addWireCounters(acc, a);
  addWireCounters(acc, b);
  const got = acc as unknown as Record<string, unknown>;
  const sa = a as Record<string, unknown>;
  const sb = b as Record<string, unknown>;
  for (const f of numericFields(RequestStats)) {
    if (SPECIAL.has(f)) continue;
    assert.equal(got[f], (sa[f] as number) + (sb[f] as number), f);
  }
  assert.deepEqual(
    [...acc.status],
    [
      [200, 11 + 21],
      [500, 12 + 22],
    ],
  );
  assert.deepEqual(acc.errors, {
    timeout: 101 + 201,
    refused: 102 + 202,
    reset: 103 + 203,
    other: 104 + 204,
    tls: 105 + 205 + 2,
  });
  assert.deepEqual(Object.fromEntries(acc.tlsReasons), { CERT_HAS_EXPIRED: 105 + 205, R1: 1, R2: 1 });
  assert.equal(acc.firstRateLimitedAt, 4998, 'the earliest');
  assert.deepEqual([...acc.checks], [['c', { passes: 13 + 23, fails: 14 + 24 }]]);
  assert.equal(acc.firstRedirect, a.firstRedirect, 'the first seen');
  assert.deepEqual(acc.retryAfterBuckets.slice(0, 5), [0, 3, 0, 6, 0], 'bucket by bucket');
  // Explicit too, so the list above cannot silently shrink.
  assert.deepEqual(
    [acc.ok, acc.rateLimited, acc.failed, acc.retryAfterPresent, acc.dropped],
    [
      a.ok! + b.ok!,
      a.rateLimited! + b.rateLimited!,
      a.failed! + b.failed!,
      a.retryAfterPresent! + b.retryAfterPresent!,
      a.dropped! + b.dropped!,
    ],
  );
  assert.deepEqual(
    [acc.bytesReceived, acc.bytesSent, acc.redirects],
    [a.bytesReceived! + b.bytesReceived!, a.bytesSent! + b.bytesSent!, a.redirects! + b.redirects!],
  );
});

test('first_rate_limited_at 0 means none; absent fields add nothing', () => {
  const acc = newWireCounters();
  addWireCounters(acc, { name: 'n', firstRateLimitedAt: 0 });
  assert.equal(acc.firstRateLimitedAt, 0);
  addWireCounters(acc, { name: 'n', firstRateLimitedAt: 7 });
  addWireCounters(acc, { name: 'n', firstRateLimitedAt: 0 });
  addWireCounters(acc, { name: 'n', firstRateLimitedAt: 9 });
  assert.equal(acc.firstRateLimitedAt, 7);
  const zero = newWireCounters();
  zero.firstRateLimitedAt = 7;
  assert.deepEqual(acc, zero);
});

test('every RequestStats field is added or deliberately left out', () => {
  const acc = newWireCounters() as unknown as Record<string, unknown>;
  for (const f of RequestStats.fieldsArray) {
    if (EXCLUDED.has(f.name)) {
      assert.ok(!(f.name in acc), `${f.name} is listed as left out but the accumulator has it`);
      continue;
    }
    assert.ok(
      SPECIAL.has(f.name) || numericFields(RequestStats).includes(f.name),
      `RequestStats.${f.name} (${f.type}) is neither summed, special nor excluded: handle it in addWireCounters`,
    );
    assert.ok(f.name in acc, `RequestStats.${f.name} has no place in WireCounters / newWireCounters`);
  }
  // The errors sub-message: every field summed (the first test checks the four by name); tls, a
  // list of counts by reason, is summed into errors.tls and kept by reason in tlsReasons.
  const errorFields = numericFields(root.lookupType('barrage.v1.ErrorCounts'));
  assert.deepEqual(Object.keys(acc.errors as object).sort(), [...errorFields, 'tls'].sort());
  assert.ok(root.lookupType('barrage.v1.ErrorCounts').fields.tls?.repeated, 'errors.tls: counts by reason');
  const one = newWireCounters();
  addWireCounters(one, { errors: Object.fromEntries(errorFields.map((f, i) => [f, i + 1])) });
  const errors = one.errors as Record<string, number>;
  errorFields.forEach((f, i) => assert.equal(errors[f], i + 1, `errors.${f}`));
});

test('tls reasons are bounded: past MAX_TLS_REASONS they count under OTHER', () => {
  const acc = newWireCounters();
  for (let i = 0; i < MAX_TLS_REASONS + 5; i++)
    addWireCounters(acc, { name: 'n', errors: { tls: [{ name: `R${i}`, count: 2 }] } });
  assert.equal(acc.tlsReasons.size, MAX_TLS_REASONS + 1);
  assert.equal(acc.tlsReasons.get('OTHER'), 10);
  assert.equal(acc.errors.tls, 2 * (MAX_TLS_REASONS + 5));
});
