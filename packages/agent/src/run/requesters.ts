// The run's Requesters, one per scenario part (its own, and each taken over),
// made with what every one shares (recorder, clock, allowlists, connection
// profiles) and its scenario's connection use (transport-plan.ts); and the
// connections they opened and their requests by source address (agent
// --source-ips), summed for each interval's report.

import type { LookupFunction } from 'node:net';
import type { Clock } from '@barrage/core';
import type { barrage } from '@barrage/proto';
import type { DispatchFactory } from '../http/dispatch.ts';
import type { Requester, RequesterOptions } from '../http/requester.ts';
import { RetryingRequester } from '../http/retry.ts';
import { mergeSourceCounts } from '../http/source-counts.ts';
import type { CompletionLog } from '../measure/completion-log.ts';
import type { Recorder } from '../measure/recorder.ts';
import type { Timers } from '../timers.ts';
import type { PreparedScenario } from './assignment.ts';
import type { ConnectionPlan } from './connection-plan.ts';
import { checkSourceFamily, familyLookup, familyOf } from './source-plan.ts';

export interface RequestersContext {
  allowH2: boolean;
  recorder: Recorder;
  log: CompletionLog;
  clock: Clock;
  onComplete: RequesterOptions['onComplete'];
  lookup: LookupFunction;
  redirectRefused: (host: string) => string | undefined;
  connections: ConnectionPlan;
  dispatch: DispatchFactory | undefined;
  /** What retry waits run on (http/retry.ts); default: Node's timers. */
  timers?: Timers;
  /** The agent's source addresses (agent --source-ips); absent: the host's default. */
  sources?: readonly string[];
}

export class Requesters {
  private readonly c: RequestersContext;
  private readonly made: Requester[] = [];

  private readonly family: number;

  constructor(c: RequestersContext) {
    this.family = familyOf(c.sources);
    // Names resolve in the source addresses' family only.
    this.c = { ...c, lookup: familyLookup(c.lookup, this.family) };
  }

  /** A Requester for `s` with `connections` per origin; `open`: an open model (service time kept). */
  make(s: PreparedScenario, connections: number, open: boolean): Requester {
    const c = this.c;
    checkSourceFamily(s, this.family);
    const transport = {
      pipelining: s.transport?.pipelining ?? 1,
      keepAlive: s.transport?.keepAlive ?? true,
      ...(c.sources === undefined || c.sources.length === 0 ? {} : { sources: c.sources }),
    };
    const perVU = s.transport?.perVU === true;
    const r = new RetryingRequester({
      timers: c.timers,
      cookies: s.cookies !== false,
      allowH2: c.allowH2,
      connections,
      serviceTime: open,
      recorder: c.recorder,
      log: c.log,
      clock: c.clock,
      onComplete: c.onComplete,
      lookup: c.lookup,
      redirectRefused: c.redirectRefused,
      ...c.connections,
      transport: { ...transport, perVU },
      dispatch: c.dispatch?.({ connections, allowH2: c.allowH2, lookup: c.lookup, ...c.connections, ...transport }),
    });
    this.made.push(r);
    return r;
  }

  /** Requests by source address since the last call, by every Requester of the run. */
  takeBySource(): barrage.v1.AddressCount.$Properties[] {
    if (this.family === 0) return [];
    const sum = new Map<string, { requests: number; errors: number; status: Map<number, number> }>();
    for (const r of this.made) mergeSourceCounts(sum, r.http.takeBySource?.() ?? []);
    return [...sum].map(([address, m]) => ({
      address,
      requests: m.requests,
      errors: m.errors,
      status: [...m.status].map(([status, count]) => ({ status, count })),
    }));
  }

  /** Connections opened since the last call, by every Requester of the run. */
  takeOpened(): number {
    let n = 0;
    for (const r of this.made) n += r.http.takeOpened?.() ?? 0;
    return n;
  }
}
