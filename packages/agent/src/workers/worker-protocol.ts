// What an agent's main thread and its worker threads say to each other
// (`agent --workers N`). The main thread keeps the controller link; each worker
// runs its slice of the run and hands its encoded interval reports up. The
// controller's last contact is shared memory, so every worker judges the lease
// before each arrival without a message in between. Every message names the
// run's generation: a worker's late words about an earlier run are ignored.
import type { barrage } from '@barrage/proto';
import type { ReceivedTable } from '../run/data-inbox.ts';

/** Main -> worker. Protobuf messages travel encoded (class instances do not survive structured clone). */
export type ToWorker =
  | {
      t: 'assign';
      gen: number;
      assign: Uint8Array;
      offsetMs: number;
      /** The data sources' rows (structured clone copies them to each worker). */
      data: ReadonlyMap<string, ReceivedTable>;
    }
  | { t: 'start'; startAt: number; offsetMs: number }
  | { t: 'stop' }
  | { t: 'takeover'; takeover: Uint8Array }
  | { t: 'finished'; id: number; stop: barrage.v1.Stop.$Properties }
  | { t: 'dispose' };

/** Worker -> main; `gen` is the generation of the run the worker holds (0: none yet). */
export type FromWorker = { gen: number } & (
  | { t: 'ready' }
  | { t: 'report'; frame: Uint8Array }
  | { t: 'state'; state: string; inFlight: number; activeVus: number; completed: number }
  | { t: 'finished'; id: number; finished: barrage.v1.Finished.$Properties | null }
  | { t: 'lease'; silentMs: number }
  | { t: 'refused'; host: string; why: string }
  /** Its part of the run could not be set up: it will report nothing for this run. */
  | { t: 'assign-failed'; code: string; message: string }
  | { t: 'error'; code: string; message: string }
);

export interface WorkerData {
  index: number;
  count: number;
  /** BigInt64Array over it, read with Atomics: [0] = the agent clock's instant (whole ms) of the last contact with the controller. */
  contact: SharedArrayBuffer;
  /** The agent clock's offset from the system clock (fault injection), so workers read the same clock. */
  clockSkewMs: number;
  allowTargets: string[];
}
