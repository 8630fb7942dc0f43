// Turns a scenario and the chosen agents into one Assign per agent, using the
// planner's segments and apportionment. Pure.
import { barrage } from '@barrage/proto';
import { apportion, segments, type Segment } from './planner.ts';
import type { Scenario } from './scenario/scenario.ts';
import { requestUrl } from './scenario/load.ts';
import type { RunVar } from './setup-runner.ts';

const EXECUTORS = {
  'constant-vus': barrage.v1.Executor.EXECUTOR_CONSTANT_VUS,
  'shared-iterations': barrage.v1.Executor.EXECUTOR_SHARED_ITERATIONS,
} as const;

export interface AgentPlan {
  segment: Segment;
  assign: barrage.v1.Assign.$Properties;
}

export interface PlanInput {
  runId: string;
  scenario: Scenario;
  baseUrl: string | undefined;
  agents: ReadonlyArray<{ id: string; weight: number }>;
  vars: readonly RunVar[];
  intervalMs: number;
}

export function planRun(p: PlanInput): AgentPlan[] {
  const segs = segments(p.agents);
  const widths = segs.map((s) => s.end - s.start);
  const plans: barrage.v1.ScenarioPlan.$Properties[][] = segs.map(() => []);
  for (const sc of p.scenario.scenarios) {
    const vus = apportion(sc.vus, widths);
    // Iterations follow the VUs that will run them: an agent without VUs gets none.
    const iterations = sc.iterations === undefined ? vus.map(() => 0) : apportion(sc.iterations, vus);
    const requests = sc.requests.map((name) => {
      const r = p.scenario.requests.find((q) => q.name === name)!;
      return {
        name: r.name, method: r.method, url: requestUrl(r, p.baseUrl),
        headers: Object.entries(r.headers).map(([n, value]) => ({ name: n, value })),
        body: r.body === undefined ? new Uint8Array(0) : Buffer.from(r.body),
        weight: r.weight, timeoutMs: r.timeoutMs, expectStatus: r.expect,
      };
    });
    segs.forEach((_s, i) => {
      if (vus[i] === 0) return;
      plans[i]!.push({
        name: sc.name, executor: EXECUTORS[sc.executor], vus: vus[i], iterations: iterations[i],
        durationMs: sc.durationMs, maxDurationMs: sc.durationMs, startOffsetMs: sc.startTimeMs,
        gracefulStopMs: sc.gracefulStopMs, requests,
      });
    });
  }
  return segs.map((segment, i) => ({
    segment,
    assign: {
      runId: p.runId, segmentStart: segment.start, segmentEnd: segment.end, intervalMs: p.intervalMs,
      scenarios: plans[i], vars: p.vars.map((v) => ({ ...v })), allowH2: false,
    },
  }));
}
