// The run's Requesters, one per scenario part (its own, and each taken over),
// made with what every one shares (recorder, clock, allowlists, connection
// profiles) and its scenario's connection use (transport-plan.ts); and the
// connections they opened, summed for each interval's report.

import type { LookupFunction } from 'node:net';
import type { Clock } from '@barrage/core';
import type { DispatchFactory } from '../http/dispatch.ts';
import type { Requester, RequesterOptions } from '../http/requester.ts';
import { RetryingRequester } from '../http/retry.ts';
import type { CompletionLog } from '../measure/completion-log.ts';
import type { Recorder } from '../measure/recorder.ts';
import type { Timers } from '../timers.ts';
import type { PreparedScenario } from './assignment.ts';
import type { ConnectionPlan } from './connection-plan.ts';

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
}

export class Requesters {
  private readonly c: RequestersContext;
  private readonly made: Requester[] = [];

  constructor(c: RequestersContext) {
    this.c = c;
  }

  /** A Requester for `s` with `connections` per origin; `open`: an open model (service time kept). */
  make(s: PreparedScenario, connections: number, open: boolean): Requester {
    const c = this.c;
    const transport = { pipelining: s.transport?.pipelining ?? 1, keepAlive: s.transport?.keepAlive ?? true };
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

  /** Connections opened since the last call, by every Requester of the run. */
  takeOpened(): number {
    let n = 0;
    for (const r of this.made) n += r.http.takeOpened?.() ?? 0;
    return n;
  }
}
