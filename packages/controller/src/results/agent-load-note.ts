// What an agent's own health figures support saying about its latencies. A
// lagging event loop alone is not saturation: "saturated" needs the lag AND a
// figure that shows the agent busy (its event loop near always running, or
// about a core of CPU), and the note gives both. A lag while it was not busy
// is a stall (garbage collection, a host that did not run it), said as such;
// busy without lag is "could not keep up". Pure.
import { formatDuration } from '@barrage/core';
import type { Participant } from '../run/participant.ts';

/** An event loop that lagged this much for 1 % of an interval (p99), or stalled this long once (max), fired and timed late. */
export const LAGGED_P99_MS = 50;
export const LAGGED_MAX_MS = 250;
/** An event loop busy this share of an interval had no slack: responses queued in the agent before they were timed. */
export const BUSY_UTILIZATION = 0.95;
/** Busy enough to call a lag saturation: the loop ran code this share of its worst interval, or the process used this many cores. */
export const SATURATED_UTILIZATION = 0.9;
export const SATURATED_CORES = 0.8;

type Health = Pick<
  Participant,
  'name' | 'eventLoopP99Ms' | 'eventLoopMaxMs' | 'cpuCores' | 'eventLoopUtilization' | 'busyIntervals'
>;

const pct = (share: number) => `${Math.round(share * 100)} %`;
const cores = (n: number) => `${n.toFixed(2)} core${n === 1 ? '' : 's'}`;

/** The note an agent's health calls for, or undefined when its figures are unremarkable. */
export function agentLoadNote(p: Health): string | undefined {
  const lagged = p.eventLoopP99Ms > LAGGED_P99_MS || p.eventLoopMaxMs > LAGGED_MAX_MS;
  const busy = p.eventLoopUtilization >= SATURATED_UTILIZATION || p.cpuCores >= SATURATED_CORES;
  const lag = `its event loop lagged up to ${formatDuration(p.eventLoopMaxMs)} (worst interval p99 ${formatDuration(p.eventLoopP99Ms)})`;
  const load = `its loop was running ${pct(p.eventLoopUtilization)} of its busiest interval and it used ${cores(p.cpuCores)} at most`;
  if (lagged && busy)
    return `agent ${p.name} was saturated: ${lag} while ${load}; it fired and timed its requests late, so its latencies are suspect: add agents or workers (agent --workers), or lower its share`;
  // Both rates are 0 only when no window was long enough to measure them (a run under 250 ms).
  if (lagged && p.eventLoopUtilization === 0 && p.cpuCores === 0)
    return `agent ${p.name} stalled for up to ${formatDuration(p.eventLoopMaxMs)} (worst interval p99 ${formatDuration(p.eventLoopP99Ms)}); the run was too short to measure how busy it was, so whether that was saturation or a pause (garbage collection, its host not running it) is unknown; requests in flight then have latencies up to ${formatDuration(p.eventLoopMaxMs)} too long`;
  if (lagged)
    return `agent ${p.name} stalled for up to ${formatDuration(p.eventLoopMaxMs)} (worst interval p99 ${formatDuration(p.eventLoopP99Ms)}) though it was not busy: ${load}; that is a pause (garbage collection, a long synchronous task, its host not running it), not saturation; requests in flight then have latencies up to ${formatDuration(p.eventLoopMaxMs)} too long`;
  if (p.busyIntervals >= 2)
    return `agent ${p.name} could not keep up: its event loop was busy ${pct(p.eventLoopUtilization)} of the time in ${p.busyIntervals} interval(s), so responses waited in the agent before they were timed; its latencies are inflated by up to its loop delay (p99 ${formatDuration(p.eventLoopP99Ms)}), and its throughput was the agent's limit, not the target's; add agents or workers (agent --workers)`;
  return undefined;
}
