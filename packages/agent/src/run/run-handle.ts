// What the agent drives a run through, whether the run fires in this thread
// (AgentRun) or across worker threads (ThreadedRun).
import type { barrage } from '@barrage/proto';
import type { Reporter } from '../measure/reporter.ts';

export interface RunHandle {
  readonly runId: string;
  readonly reporter: Pick<Reporter, 'lastAcked' | 'ack' | 'resend' | 'finished' | 'seq' | 'unacked'>;
  readonly state: 'assigned' | 'waiting' | 'running' | 'done';
  /** What the Status message reports. */
  readonly status: { state: string; inFlight: number; activeVus: number };
  /** Responses completed so far. */
  readonly completed: number;
  readonly agentTimeoutMs: number;
  readonly leaseMs: number;
  /** False once the lease has run out (no contact with the controller for leaseMs). */
  mayFire(): boolean;
  start(startAt: number): void;
  stop(): void;
  takeover(t: barrage.v1.Takeover.$Properties): void;
  /** The answer to a Stop, once the final report is out. */
  finished(
    stop: barrage.v1.Stop.$Properties,
  ): barrage.v1.Finished.$Properties | Promise<barrage.v1.Finished.$Properties>;
  dispose(): void;
  /** After a reconnect: say again what the controller may have missed (parts of the load that stopped). */
  resendNotices?(): void;
}
