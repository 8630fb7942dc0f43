// installFastHistogramDecode is an explicit call, not an import side effect:
// until it runs, decodeEnvelope decodes histograms the generic way; once it has,
// the same frames give the same messages, scans, merges and refusals. Both
// halves run in this one process (the install cannot be undone), so the
// "before" results are taken first and compared after installing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeEnvelope, Envelope, encodeEnvelope } from '../src/framing.ts';
import { barrage } from '../src/generated/barrage.js';
import { HIGHEST_US, newIntervalHistogram, newTotalHistogram } from '../src/histogram/config.ts';
import { DecodedHistogram } from '../src/histogram/decoded.ts';
import { encodeHistogram } from '../src/histogram/encode.ts';
import { installFastHistogramDecode } from '../src/histogram/fast-decode.ts';
import { addWireHistogramTo } from '../src/histogram/merge.ts';
import { scanHistogram } from '../src/histogram/scan.ts';

type Histogram = barrage.v1.Histogram.$Properties | null | undefined;

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

/** Everything a receiver sees of one frame: the message, each histogram's scan and merges, or the refusal. */
function received(frame: Uint8Array): { value: unknown; decoded: boolean[] } {
  let env: barrage.v1.Envelope;
  try {
    env = decodeEnvelope(frame);
  } catch (err) {
    return { value: { code: (err as { code?: string }).code, message: (err as Error).message }, decoded: [] };
  }
  const stats = (env.report?.stats ?? []) as barrage.v1.RequestStats[];
  const histograms: Histogram[] = stats.flatMap((s) => [s.latency, s.serviceTime]);
  const merges = histograms.map((w) => {
    try {
      const total = newTotalHistogram();
      total.recordValue(777);
      const small = newIntervalHistogram();
      const added = addWireHistogramTo([total, newTotalHistogram()], w);
      addWireHistogramTo([newTotalHistogram(), small], w);
      const summary = (x: typeof total | typeof small) => [
        x.totalCount,
        x.minNonZeroValue,
        x.maxValue,
        x.getValueAtPercentile(50),
        x.getValueAtPercentile(99),
        x.mean,
      ];
      return { scan: scanHistogram(w), added, total: summary(total), small: summary(small) };
    } catch (err) {
      return { code: (err as { code?: string }).code, message: (err as Error).message };
    }
  });
  const message = Envelope.toObject(env, { defaults: true, bytes: String });
  return { value: { message, merges }, decoded: histograms.map((w) => w instanceof DecodedHistogram) };
}

const latencies = fc.array(fc.array(fc.integer({ min: 1, max: HIGHEST_US }), { maxLength: 200 }), {
  minLength: 1,
  maxLength: 4,
});
const base = reportFrame([[1000, 1001, 1002, 5000, 5000, 90_000, 2_000_000], [1, 1, 3_600_000_000], [42]]);
const mutation = fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
  minLength: 1,
  maxLength: 6,
});
const frames = [
  ...fc.sample(latencies, { seed: 7, numRuns: 40 }).map(reportFrame),
  ...fc.sample(mutation, { seed: 11, numRuns: 400 }).map((changes) => {
    const bytes = Uint8Array.from(base);
    for (const [at, b] of changes) bytes[at] = b;
    return bytes;
  }),
];

test('without the install, decodeEnvelope is generic; with it, fast; both receive every frame the same', () => {
  const generic = barrage.v1.Histogram.decode;
  const before = frames.map(received);
  assert.ok(
    before.every((r) => r.decoded.every((d) => !d)),
    'no DecodedHistogram before the install',
  );

  installFastHistogramDecode();
  const fast = barrage.v1.Histogram.decode;
  assert.notEqual(fast, generic);
  installFastHistogramDecode();
  assert.equal(barrage.v1.Histogram.decode, fast, 'a second install changes nothing');

  const after = frames.map(received);
  assert.ok(
    after.some((r) => r.decoded.some((d) => d)),
    'the fast path was taken',
  );
  frames.forEach((_, i) => assert.deepEqual(after[i]!.value, before[i]!.value, `frame ${i}`));
  // Outside decodeEnvelope (a plain byte array) the generic decode still runs.
  const h = barrage.v1.Histogram.decode(barrage.v1.Histogram.encode(encodeHistogram(newIntervalHistogram())).finish());
  assert.ok(!(h instanceof DecodedHistogram));
});
