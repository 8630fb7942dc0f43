// What one run of bench/worker-scaling.ts measured (a Sample) or why it failed,
// and how the rest of the machine's load beside it is judged: a run with other
// load on the cores is flagged as disturbed, in its line and in the figures.
import type { CpuStat } from './cgroup-budget.ts';

export type Part = 'direct' | 'budget';
export interface Sample {
  part: Part;
  workers: number;
  round: number;
  budgetCores?: number;
  rps: number;
  requests: number;
  served: number;
  cpuS: number;
  windowS: number;
  agentWindowCores: number;
  nginxCores: number;
  controllerCores: number;
  machineCores: number;
  agentCores?: number;
  throttled?: CpuStat;
  intervals: number;
  stalls: number;
  note: string;
}
export interface Failure {
  part: Part;
  workers: number;
  round: number;
  error: string;
}

/** Cores busy in the load window beyond this run's agent, nginx and controller: other load on the machine (and kernel threads). */
export const other = (s: Sample) => s.machineCores - s.agentWindowCores - s.nginxCores - s.controllerCores;
/** Other load above this (cores) marks a run as disturbed: an idle machine shows ~0.02. */
export const DISTURBED = 0.15;
