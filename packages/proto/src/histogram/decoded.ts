// The decoded view of a wire histogram: what the fast decode hands out instead
// of protobufjs's message. The controller's hot path (tens of thousands of
// interval histograms a second) then never builds a counts array: the packed
// bytes were checked against every bound as they were read, and merging adds
// straight from them into the targets' counts.
import { barrage } from '../generated/barrage.js';
import { addPacked1, addPacked2, unpack, unpackPairs } from './packed-varints.ts';
import { type RunScan, scanPacked } from './scan-runs.ts';

type WireHistogram = barrage.v1.Histogram.$Properties;

/**
 * A Histogram decoded from a frame by decodeEnvelope. Its counts were checked (every bound)
 * straight from the packed bytes, which it keeps (its own copy); merging adds from those bytes.
 * `counts` is built from them only when something reads it, and from then on (or once it is
 * assigned) the plain array is what every scan and merge uses, so the two never disagree.
 */
export class DecodedHistogram extends barrage.v1.Histogram {
  /** Never called: instances come from fromPacked (the base constructor assigns counts). */
  private constructor() {
    super();
  }

  declare private packed: Uint8Array;
  /** False once `counts` was handed out or assigned: the array is then the truth. */
  declare private trusted: boolean;
  // What scanPacked found in `packed`.
  declare private buckets: number;
  declare private samples: number;
  declare private firstIndex: number;
  declare private lastIndex: number;
  declare private materialized: number[] | null;

  /**
   * Checks packed run-length counts (the bytes of a packed sint32 field). Returns null unless
   * they are canonical and within every bound (varints of at most 5 bytes, no zero entry, at
   * most MAX_RUN_ENTRIES entries, every bucket index in range): the caller then decodes the
   * generic way and the usual checks report what is wrong.
   */
  static fromPacked(packed: Uint8Array): DecodedHistogram | null {
    // Checked in a copy of its own (aligned for scanPacked), so nobody can change what was checked.
    const copy = new Uint8Array(packed);
    const scan: RunScan = { buckets: 0, total: 0, first: -1, last: -1 };
    if (!scanPacked(copy, scan)) return null;
    const h = Object.create(DecodedHistogram.prototype) as DecodedHistogram;
    h.packed = copy;
    h.trusted = true;
    h.buckets = scan.buckets;
    h.samples = scan.total;
    h.firstIndex = scan.first;
    h.lastIndex = scan.last;
    h.materialized = null;
    return h;
  }

  /**
   * `w` if it is one whose checked bytes still are its counts (no own `counts` hides the
   * accessor), with what its scan found copied into `out`; null (out untouched) otherwise.
   */
  static checked(w: WireHistogram, out: RunScan): DecodedHistogram | null {
    if (!(w instanceof DecodedHistogram) || !w.trusted || Object.hasOwn(w, 'counts')) return null;
    out.buckets = w.buckets;
    out.total = w.samples;
    out.first = w.firstIndex;
    out.last = w.lastIndex;
    return w;
  }

  /** Adds its checked counts into same-layout counts arrays: one pass over the bytes for two. */
  static addTo(w: DecodedHistogram, c0: Float64Array, c1: Float64Array | null): void {
    if (c1 !== null) addPacked2(w.packed, c0, c1);
    else addPacked1(w.packed, c0);
  }

  /** Its checked counts as interleaved (index, count) pairs, for targets of another layout. */
  static pairs(w: DecodedHistogram, pairs: Int32Array): void {
    unpackPairs(w.packed, pairs);
  }

  static {
    Object.defineProperty(DecodedHistogram.prototype, 'counts', {
      get(this: DecodedHistogram): number[] {
        if (this.materialized === null) this.materialized = unpack(this.packed);
        this.trusted = false;
        return this.materialized;
      },
      set(this: DecodedHistogram, v: number[]) {
        this.materialized = v;
        this.trusted = false;
      },
      enumerable: true,
      configurable: false,
    });
  }
}
