// decodeEnvelope's fast path for histograms (DecodedHistogram: counts checked
// straight from the packed bytes, merged from them) must be indistinguishable
// from protobufjs's generic decode: the same messages, the same scans, the same
// merges, the same refusals, for real reports and for mutated bytes alike.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ProtoErrors } from '../src/errors.ts';
import { decodeEnvelope, Envelope, encodeEnvelope } from '../src/framing.ts';
import type { barrage } from '../src/generated/barrage.js';
import { HIGHEST_US, newIntervalHistogram, newTotalHistogram } from '../src/histogram/config.ts';
import { DecodedHistogram } from '../src/histogram/decoded.ts';
import { encodeHistogram } from '../src/histogram/encode.ts';
import { installFastHistogramDecode } from '../src/histogram/fast-decode.ts';
import { addWireHistogram, addWireHistogramTo } from '../src/histogram/merge.ts';
import { scanHistogram } from '../src/histogram/scan.ts';

// decodeEnvelope takes the fast path from here on; genericDecode below never does (a plain
// Uint8Array, not a frame's reader), so every comparison in this file is fast against generic.
installFastHistogramDecode();

type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

function outcome(f: () => unknown): Outcome {
  try {
    return { ok: true, value: f() };
  } catch (err) {
    return { ok: false, code: (err as { code?: string }).code ?? 'raw', message: (err as Error).message };
  }
}

/** The generic decode, coded the way decodeEnvelope codes its errors. */
function genericDecode(bytes: Uint8Array): barrage.v1.Envelope {
  let env: barrage.v1.Envelope;
  try {
    env = Envelope.decode(bytes);
  } catch (err) {
    throw Object.assign(new Error((err as Error).message), { code: 'PROTO_FRAME_INVALID' });
  }
  if (!env.body) throw new ProtoErrors.FRAME_EMPTY();
  return env;
}

type Stats = barrage.v1.RequestStats[];
const statsOf = (env: barrage.v1.Envelope): Stats => (env.report?.stats ?? []) as Stats;

function assertSameRefusal(fast: Outcome, generic: Outcome, what: string): void {
  assert.ok(!fast.ok && !generic.ok, what);
  assert.equal(fast.code, generic.code, what);
  assert.ok(fast.message.endsWith(generic.message), `${what}: ${fast.message} / ${generic.message}`);
}

const plain = (env: barrage.v1.Envelope) => Envelope.toObject(env, { defaults: true, bytes: String });

/** Everything a merge sees of one histogram: its scan, and what adding it does to a total. */
function merged(w: barrage.v1.Histogram.$Properties | null | undefined): Outcome {
  return outcome(() => {
    const scan = scanHistogram(w);
    const h = newTotalHistogram();
    h.recordValue(777);
    const added = addWireHistogramTo([h, newTotalHistogram()], w);
    // A 32-bit target among them takes the value-by-value path.
    const small = newIntervalHistogram();
    addWireHistogramTo([newTotalHistogram(), small], w);
    const summary = (x: typeof h | typeof small) => [
      x.totalCount,
      x.minNonZeroValue,
      x.maxValue,
      x.getValueAtPercentile(50),
      x.getValueAtPercentile(99),
      x.mean,
    ];
    return { scan, added, total: summary(h), small: summary(small) };
  });
}

function reportFrame(values: number[][]): Uint8Array {
  const stats = values.map((vs, i) => {
    const h = newIntervalHistogram();
    for (const v of vs) h.recordValue(v);
    return {
      name: `n${i}`,
      latency: encodeHistogram(h),
      status: vs.length > 0 ? [{ status: 200, count: vs.length }] : [],
      ok: vs.length,
    };
  });
  return encodeEnvelope({ report: { runId: 'r', seq: 1, interval: 0, stats, startedAt: 1 } });
}

const latencies = fc.array(fc.array(fc.integer({ min: 1, max: HIGHEST_US }), { maxLength: 200 }), {
  minLength: 1,
  maxLength: 4,
});

test('real reports: fast decode gives the generic messages, scans and merges', () => {
  fc.assert(
    fc.property(latencies, (values) => {
      const bytes = reportFrame(values);
      const fast = decodeEnvelope(bytes);
      const generic = genericDecode(bytes);
      const stats = statsOf(fast);
      for (const s of stats) assert.ok(s.latency instanceof DecodedHistogram);
      stats.forEach((s, i) => assert.deepEqual(merged(s.latency), merged(statsOf(generic)[i]!.latency)));
      assert.deepEqual(plain(fast), plain(generic));
    }),
    { numRuns: 100 },
  );
});

test('mutated frames: the same refusal, or the same messages, scans and merges', () => {
  const base = reportFrame([[1000, 1001, 1002, 5000, 5000, 90_000, 2_000_000], [1, 1, 3_600_000_000], [42]]);
  const mutation = fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
    minLength: 1,
    maxLength: 6,
  });
  fc.assert(
    fc.property(mutation, fc.nat(8), (changes, cut) => {
      const bytes = Uint8Array.from(base);
      for (const [at, b] of changes) bytes[at] = b;
      const frame = bytes.subarray(0, bytes.length - (cut > 6 ? cut : 0));
      const fast = outcome(() => decodeEnvelope(frame));
      const generic = outcome(() => genericDecode(frame));
      assert.equal(
        fast.ok,
        generic.ok,
        `fast ${JSON.stringify(fast).slice(0, 200)} generic ${JSON.stringify(generic).slice(0, 200)}`,
      );
      if (!fast.ok || !generic.ok) {
        assertSameRefusal(fast, generic, '');
        return;
      }
      const f = fast.value as barrage.v1.Envelope;
      const g = generic.value as barrage.v1.Envelope;
      const fs = statsOf(f);
      const gs = statsOf(g);
      assert.equal(fs.length, gs.length);
      fs.forEach((s, i) => {
        assert.deepEqual(merged(s.latency), merged(gs[i]!.latency));
        assert.deepEqual(merged(s.serviceTime), merged(gs[i]!.serviceTime));
      });
      assert.deepEqual(plain(f), plain(g));
    }),
    { numRuns: 2000 },
  );
});

test('any run-length counts: the fast scan and merge agree with the generic ones', () => {
  const indexer = newIntervalHistogram();
  const entry = fc.oneof(
    { weight: 12, arbitrary: fc.integer({ min: 1, max: 63 }) },
    { weight: 4, arbitrary: fc.integer({ min: -64, max: -1 }) },
    { weight: 2, arbitrary: fc.integer({ min: 64, max: 100_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: -30_000, max: -65 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 2 ** 31 - 1, -(2 ** 31), -23_551, -23_552, 16_383, 16_384) },
  );
  fc.assert(
    fc.property(fc.array(entry, { maxLength: 120 }), fc.nat(3), (counts, skew) => {
      // min/max where the occupied buckets say (mostly), so the whole path up to the merge runs.
      let index = 0;
      let first = -1;
      let last = -1;
      let total = 0;
      for (const v of counts) {
        if (v < 0) {
          index -= v;
          continue;
        }
        if (first < 0) first = index;
        last = index;
        total += v;
        index++;
      }
      const inRange = first >= 0 && last < indexer.countsArrayLength;
      const min = inRange ? indexer.valueFromIndex(first) + (skew === 3 ? 5000 : 0) : 0;
      const max = inRange ? (total === 1 ? min : indexer.valueFromIndex(last)) : 0;
      const bytes = encodeEnvelope({
        report: { runId: 'r', seq: 1, stats: [{ name: 'a', latency: { config: 1, counts, min, max } }] },
      });
      const fast = statsOf(decodeEnvelope(bytes))[0]!.latency;
      const generic = statsOf(genericDecode(bytes))[0]!.latency;
      assert.deepEqual(merged(fast), merged(generic));
    }),
    { numRuns: 3000 },
  );
});

/** A Report frame holding one stats whose latency histogram is exactly `histogram` (raw bytes). */
function frameWithHistogram(histogram: number[]): Uint8Array {
  const statsBody = [0x0a, 0x01, 0x61, 0x12, histogram.length, ...histogram]; // name "a", latency
  const reportBody = [0x22, statsBody.length, ...statsBody];
  return Uint8Array.from([0x4a, reportBody.length, ...reportBody]);
}

test('irregular histograms take the generic path and are refused the same way', () => {
  const cases: Record<string, number[]> = {
    'zero entry': [0x08, 1, 0x12, 2, 0x00, 0x02, 0x18, 1, 0x20, 1],
    'index beyond the histogram': [0x08, 1, 0x12, 6, 0xff, 0xff, 0xff, 0xff, 0x07, 0x02, 0x18, 1, 0x20, 1],
    'six-byte varint': [0x08, 1, 0x12, 6, 0x82, 0x80, 0x80, 0x80, 0x80, 0x00, 0x18, 1, 0x20, 1],
    'cut-off varint': [0x08, 1, 0x12, 1, 0x82, 0x18, 1, 0x20, 1],
    'counts twice': [0x08, 1, 0x12, 1, 0x02, 0x12, 1, 0x02, 0x18, 1, 0x20, 1],
    'unpacked count': [0x08, 1, 0x10, 0x02, 0x18, 1, 0x20, 1],
    'unknown field': [0x08, 1, 0x12, 1, 0x02, 0x18, 1, 0x20, 1, 0x28, 7],
    'min and max disagree': [0x08, 1, 0x12, 1, 0x04, 0x18, 1, 0x20, 9],
    'well formed': [0x08, 1, 0x12, 2, 0x01, 0x04, 0x18, 1, 0x20, 1],
  };
  for (const [what, h] of Object.entries(cases)) {
    const bytes = frameWithHistogram(h);
    const fast = outcome(() => decodeEnvelope(bytes));
    const generic = outcome(() => genericDecode(bytes));
    assert.equal(fast.ok, generic.ok, what);
    if (!fast.ok || !generic.ok) {
      assertSameRefusal(fast, generic, what);
      continue;
    }
    const fl = statsOf(fast.value as barrage.v1.Envelope)[0]!.latency;
    const gl = statsOf(generic.value as barrage.v1.Envelope)[0]!.latency;
    assert.equal(fl instanceof DecodedHistogram, what === 'well formed' || what === 'min and max disagree', what);
    assert.deepEqual(merged(fl), merged(gl), what);
  }
});

test('a decoded histogram read, assigned or shadowed is merged from what its counts then are', () => {
  const bytes = reportFrame([[1000, 1000, 2000]]);
  const fresh = () => statsOf(decodeEnvelope(bytes))[0]!.latency!;
  const addedFrom = (w: barrage.v1.Histogram.$Properties) => {
    const h = newTotalHistogram();
    addWireHistogram(h, w);
    return [h.totalCount, h.maxValue];
  };

  assert.deepEqual(addedFrom(fresh()), [3, 2000]);
  const read = fresh();
  assert.deepEqual(read.counts, statsOf(genericDecode(bytes))[0]!.latency!.counts);
  read.counts!.push(-5, 1); // one more sample, past the old max: min/max now disagree, refused
  assert.throws(() => addedFrom(read), { code: 'PROTO_HISTOGRAM_INVALID' });
  const assigned = fresh();
  assigned.counts = [-999, 4];
  assigned.min = 999;
  assigned.max = 999;
  assert.deepEqual(addedFrom(assigned), [4, 999]);
  const shadowed = fresh();
  Object.defineProperty(shadowed, 'counts', { value: [-999, 1] });
  assert.throws(() => addedFrom(shadowed), { code: 'PROTO_HISTOGRAM_INVALID' });
  // A refused merge leaves every target as it was.
  const a = newTotalHistogram();
  const b = newTotalHistogram();
  b.recordValueWithCount(5, 2 ** 53 - 2);
  assert.throws(() => addWireHistogramTo([a, b], fresh()), { code: 'PROTO_HISTOGRAM_INVALID' });
  assert.equal(a.totalCount, 0);
  assert.equal(b.totalCount, 2 ** 53 - 2);
});
