// The worker threads of a multi-worker agent (`agent --workers N`), started
// once with the agent and kept across runs. Routes each worker's messages to the
// run that owns the pool at the moment; a worker that dies is reported to it
// and replaced for the next run.
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { AgentErrors } from './errors.ts';
import type { FromWorker, ToWorker, WorkerData } from './worker-protocol.ts';

export interface WorkerListener {
  message(worker: number, m: FromWorker): void;
  gone(worker: number, why: string): void;
}

const ENTRY = new URL('./agent-worker.ts', import.meta.url);

export class WorkerPool {
  readonly size: number;
  /** [0]: the agent clock's instant of the last contact with the controller; read by every worker. */
  readonly contact: Float64Array;
  private readonly workers: Worker[] = [];
  private readonly data: Omit<WorkerData, 'index'>;
  private readonly logger: Logger;
  private listener: WorkerListener | undefined;
  private closed = false;
  private loading: number;
  private loaded!: () => void;
  /** Resolves once every worker has loaded its code (the first time). */
  readonly ready: Promise<void>;

  constructor(size: number, o: { clockSkewMs: number; allowTargets: string[]; logger: Logger }) {
    this.size = size;
    const contact = new SharedArrayBuffer(8);
    this.contact = new Float64Array(contact);
    this.data = { count: size, contact, clockSkewMs: o.clockSkewMs, allowTargets: o.allowTargets };
    this.logger = o.logger;
    this.loading = size;
    this.ready = new Promise((resolve) => { this.loaded = resolve; });
    for (let i = 0; i < size; i++) this.spawn(i);
  }

  private spawn(index: number): void {
    const w = new Worker(ENTRY, { workerData: { ...this.data, index } satisfies WorkerData });
    this.workers[index] = w;
    let fresh = true;
    w.on('message', (m: FromWorker) => {
      if (this.workers[index] !== w) return;
      if (m.t !== 'ready') { this.listener?.message(index, m); return; }
      if (fresh && --this.loading === 0) this.loaded();
      fresh = false;
    });
    let why = 'exited';
    w.on('error', (err) => { why = err.message; });
    w.on('exit', (code) => {
      if (this.workers[index] !== w || this.closed) return;
      this.logger.error({ code: AgentErrors.WORKER_FAILED.code, worker: index, exitCode: code, err: why }, 'worker thread died; replacing it');
      this.listener?.gone(index, why);
      this.spawn(index);
    });
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
