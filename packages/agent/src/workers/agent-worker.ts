// A worker thread of a multi-worker agent (`agent --workers N`): runs its slice
// of each run with its own event loop, connections and recorder, exactly as a
// single-process agent runs its whole share, and posts its encoded interval
// reports to the main thread, which merges them and talks to the controller.
import { parentPort, workerData } from 'node:worker_threads';
import { offsetClock, systemClock, TargetAllowlist } from '@barrage/core';
import { barrage } from '@barrage/proto';
import { AgentRun } from '../run/agent-run.ts';
import type { FromWorker, ToWorker, WorkerData } from './worker-protocol.ts';

const data = workerData as WorkerData;
const port = parentPort!;
const clock = data.clockSkewMs === 0 ? systemClock : offsetClock(systemClock, data.clockSkewMs);
const contact = new BigInt64Array(data.contact);
const allowTargets = data.allowTargets.length > 0 ? new TargetAllowlist(data.allowTargets) : undefined;
const slot = { index: data.index, count: data.count };
/** How often the lease is judged between arrivals, and the state is posted (the agent's Status). */
const WATCH_MS = 100;
const STATE_EVERY = 5;

// Fault injection for tests and drills: the last worker dies this long after the run's start, as a crash would end it.
const crashMs = Number(process.env.BARRAGE_FAULT_WORKER_EXIT_MS ?? NaN);
const crashAfterMs = Number.isFinite(crashMs) && crashMs >= 0 && data.index === data.count - 1 ? crashMs : undefined;

let run: AgentRun | undefined;
let gen = 0;
let offsetMs = 0;
type Unstamped = FromWorker extends infer M ? (M extends unknown ? Omit<M, 'gen'> : never) : never;
const post = (m: Unstamped) => port.postMessage({ ...m, gen });
const fail = (err: unknown, t: 'error' | 'assign-failed' = 'error') => {
  const e = err as Error & { code?: string };
  post({ t, code: e.code ?? 'AGENT_BAD_ASSIGN', message: e.message });
};

let ticks = 0;
setInterval(() => {
  const r = run;
  if (r === undefined) return;
  if (r.state === 'waiting' || r.state === 'running') r.mayFire();
  if (++ticks % STATE_EVERY === 0) post({ t: 'state', ...r.status, completed: r.completed });
}, WATCH_MS);

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'assign': {
      gen = m.gen;
      offsetMs = m.offsetMs;
      run?.dispose();
      run = undefined;
      try {
        const r: AgentRun = new AgentRun({
          assign: barrage.v1.Assign.decode(m.assign),
          data: m.data,
          clock,
          offset: () => offsetMs,
          worker: slot,
          allowTargets,
          contactAgeMs: () => clock.now() - Number(Atomics.load(contact, 0)),
          onLeaseExpired: (silentMs) => post({ t: 'lease', silentMs }),
          onTargetRefused: (host, why) => post({ t: 'refused', host, why }),
          // Handed to the main thread at once: it keeps the frame for resending until the controller acknowledges it.
          send: (frame) => {
            post({ t: 'report', frame });
            r.reporter.ack(r.reporter.seq);
          },
          onFinalReport: () => post({ t: 'state', ...r.status, completed: r.completed }),
        });
        run = r;
      } catch (err) {
        fail(err, 'assign-failed');
      }
      return;
    }
    case 'start':
      offsetMs = m.offsetMs;
      run?.start(m.startAt);
      if (crashAfterMs !== undefined)
        setTimeout(() => process.exit(70), Math.max(0, m.startAt - offsetMs - clock.now()) + crashAfterMs);
      return;
    case 'stop':
      run?.stop();
      return;
    case 'takeover':
      try {
        run?.takeover(barrage.v1.Takeover.decode(m.takeover));
      } catch (err) {
        fail(err);
      }
      return;
    case 'finished':
      // Answered even without a run (its Assign failed here): the main thread is waiting for every worker.
      post({ t: 'finished', id: m.id, finished: run?.finished(m.stop) ?? null });
      return;
    case 'dispose':
      run?.dispose();
      run = undefined;
  }
});
// Loaded: the agent connects once every worker is, so none starts a run late.
post({ t: 'ready' });
