// The worker threads of a multi-worker agent (`agent --workers N`), started
// once with the agent and kept across runs. Routes each worker's messages to the
// run that owns the pool at the moment; a worker that dies is reported to it
// and replaced for the next run.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { AgentErrors } from '../errors.ts';
import type { FromWorker, ToWorker, WorkerData } from './worker-protocol.ts';

export interface WorkerListener {
  message(worker: number, m: FromWorker): void;
  gone(worker: number, why: string): void;
}

const ENTRY = new URL('./agent-worker.ts', import.meta.url);

export class WorkerPool {
  readonly size: number;
  /** [0]: the agent clock's instant (whole ms) of the last contact with the controller; read by every worker with Atomics. */
  private readonly contact: BigInt64Array;
  private readonly workers: Worker[] = [];
  private readonly data: Omit<WorkerData, 'index'>;
  private readonly logger: Logger;
  private listener: WorkerListener | undefined;
  private closed = false;
  private loading: number;
  private loaded!: () => void;
  private failedToLoad!: (err: Error) => void;
  /** Replacements in a row that died before they loaded: each waits longer. */
  private failures = 0;
  /** Resolves once every worker has loaded its code (the first time). */
  readonly ready: Promise<void>;

  constructor(size: number, o: { clockSkewMs: number; allowTargets: string[]; logger: Logger }) {
    this.size = size;
    const contact = new SharedArrayBuffer(8);
    this.contact = new BigInt64Array(contact);
    this.data = { count: size, contact, clockSkewMs: o.clockSkewMs, allowTargets: o.allowTargets };
    this.logger = o.logger;
    this.loading = size;
    this.ready = new Promise((resolve, reject) => {
      this.loaded = resolve;
      this.failedToLoad = reject;
    });
    this.ready.catch(() => {});
    for (let i = 0; i < size; i++) this.spawn(i);
  }

  private spawn(index: number): void {
    const w = new Worker(ENTRY, { workerData: { ...this.data, index } satisfies WorkerData });
    this.workers[index] = w;
    let fresh = true;
    w.on('message', (m: FromWorker) => {
      if (this.workers[index] !== w) return;
      if (m.t !== 'ready') {
        this.listener?.message(index, m);
        return;
      }
      if (fresh) {
        this.failures = 0;
        if (this.loading > 0 && --this.loading === 0) this.loaded();
      }
      fresh = false;
    });
    let why = 'exited';
    w.on('error', (err) => {
      why = err.message;
    });
    w.on('exit', (code) => {
      if (this.workers[index] !== w || this.closed) return;
      // One that never loaded at the agent's start: the code itself is broken; the agent cannot start.
      if (fresh && this.loading > 0) {
        this.failedToLoad(new AgentErrors.WORKER_FAILED(index, `${why} before it loaded`));
        return;
      }
      this.logger.error(
        { code: AgentErrors.WORKER_FAILED.code, worker: index, exitCode: code, err: why },
        'worker thread died; replacing it',
      );
      this.listener?.gone(index, why);
      // Replacements that keep dying wait longer each time (100 ms doubling to 5 s), never a hot loop.
      const delay = fresh ? Math.min(5_000, 100 * 2 ** this.failures++) : 0;
      setTimeout(() => {
        if (!this.closed) this.spawn(index);
      }, delay).unref();
    });
  }

  /** The controller was heard from at `at` (agent clock). */
  contactAt(at: number): void {
    Atomics.store(this.contact, 0, BigInt(Math.floor(at)));
  }

  /** The run that hears from the workers from now on (undefined: nobody). */
  attach(listener: WorkerListener | undefined): void {
    this.listener = listener;
  }

  post(worker: number, m: ToWorker): void {
    this.workers[worker]!.postMessage(m);
  }

  broadcast(m: ToWorker): void {
    for (let i = 0; i < this.size; i++) this.post(i, m);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listener = undefined;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
