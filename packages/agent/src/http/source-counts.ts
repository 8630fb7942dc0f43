// Requests by source address (agent --source-ips): every attempt sent from each
// address and how it was answered, counted where it meets the wire, so the
// per-address breakdown is what the target's per-IP counters see (retries and
// redirects are requests of their own there too). Only runs with a source list
// pay for it: one small wrapper per request around the Requester's handler.

import type { barrage } from '@barrage/proto';
import type { Dispatcher } from 'undici';

class Tally {
  requests = 0;
  errors = 0;
  readonly status = new Map<number, number>();
}

/** One request's handler, counted under its source address slot; everything else passes through. */
class Counted implements Dispatcher.DispatchHandler {
  /** Its status came: counted once, whatever follows. */
  private started = false;
  private readonly inner: Dispatcher.DispatchHandler;
  private readonly tally: Tally;

  constructor(inner: Dispatcher.DispatchHandler, tally: Tally) {
    this.inner = inner;
    this.tally = tally;
  }

  onRequestStart(c: Dispatcher.DispatchController, context: unknown): void {
    this.inner.onRequestStart?.(c, context);
  }

  onRequestUpgrade(c: Dispatcher.DispatchController, status: number, headers: never, socket: never): void {
    this.inner.onRequestUpgrade?.(c, status, headers, socket);
  }

  onResponseStart(c: Dispatcher.DispatchController, status: number, headers: never, text: string): void {
    this.started = true;
    this.tally.requests++;
    this.tally.status.set(status, (this.tally.status.get(status) ?? 0) + 1);
    this.inner.onResponseStart?.(c, status, headers, text);
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.inner.onResponseData?.(c, chunk);
  }

  onResponseEnd(c: Dispatcher.DispatchController, trailers: never): void {
    this.inner.onResponseEnd?.(c, trailers);
  }

  onResponseError(c: Dispatcher.DispatchController, err: Error): void {
    // An error after the status (a body cut short) was counted with its status already.
    if (!this.started) {
      this.tally.requests++;
      this.tally.errors++;
    }
    this.inner.onResponseError?.(c, err);
  }
}

/** The source address slot of VU (arrival, session slot) `k`: round-robin, k mod N, as VUs are dealt. */
export const sourceSlot = (k: number, n: number): number => (n <= 1 ? 0 : k % n);

/** The counts of one dispatcher's source addresses, taken (and reset) once per report interval. */
export class SourceCounts {
  readonly addresses: readonly string[];
  private readonly tallies: Tally[];

  constructor(addresses: readonly string[]) {
    this.addresses = addresses;
    this.tallies = addresses.map(() => new Tally());
  }

  /** `handler`, counted under address slot `slot`. */
  counted(handler: Dispatcher.DispatchHandler, slot: number): Dispatcher.DispatchHandler {
    return new Counted(handler, this.tallies[slot]!);
  }

  /** The interval's counts (addresses with none left out), and a fresh start. */
  take(): barrage.v1.AddressCount.$Properties[] {
    const out: barrage.v1.AddressCount.$Properties[] = [];
    // Reset in place: requests in flight hold their address's tally.
    this.tallies.forEach((t, i) => {
      if (t.requests === 0) return;
      out.push({
        address: this.addresses[i]!,
        requests: t.requests,
        errors: t.errors,
        status: [...t.status].map(([status, count]) => ({ status, count })),
      });
      t.requests = t.errors = 0;
      t.status.clear();
    });
    return out;
  }
}

/** Sums counts of the same address (several dispatchers, several intervals or worker threads). */
export function mergeSourceCounts(
  into: Map<string, { requests: number; errors: number; status: Map<number, number> }>,
  counts: readonly barrage.v1.AddressCount.$Properties[],
): void {
  for (const c of counts) {
    const a = c.address ?? '';
    let m = into.get(a);
    if (m === undefined) into.set(a, (m = { requests: 0, errors: 0, status: new Map() }));
    m.requests += c.requests ?? 0;
    m.errors += c.errors ?? 0;
    for (const s of c.status ?? []) m.status.set(s.status ?? 0, (m.status.get(s.status ?? 0) ?? 0) + (s.count ?? 0));
  }
}
