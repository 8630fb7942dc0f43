// The results of bench/worker-scaling.ts: per way (direct, budget) and worker
// count, the medians over the rounds (req/s, req per CPU-second, cores of the
// agent, nginx and the rest of the machine, throttled periods), the 2-worker
// over 1-worker ratios (of the medians, and the median of each round's), the
// goal judged on the budget runs, and the figures for bench/run-all.ts.
import { type Figure, fmt, type machine, median } from '../support.ts';
import { GOAL, Q, ROUNDS, SECONDS, VUS } from './config.ts';
import { DISTURBED, type Failure, other, type Part, type Sample } from './samples.ts';

const out = (s: string) => process.stdout.write(s);

/** Prints the tables and the ratios; returns the figures to report. */
export function report(
  samples: readonly Sample[],
  failures: readonly Failure[],
  budgetWhy: string | undefined,
  m: ReturnType<typeof machine>,
): Figure[] {
  const runs = (part: Part, workers: number) => samples.filter((s) => s.part === part && s.workers === workers);
  const medRps = (part: Part, workers: number) => median(runs(part, workers).map((s) => s.rps));
  const medPerCpu = (part: Part, workers: number) => median(runs(part, workers).map((s) => s.requests / s.cpuS));
  /** The median over rounds of the 2-worker figure over the 1-worker one in the same round. */
  const roundRatio = (part: Part, f: (s: Sample) => number) =>
    median(
      runs(part, 2).map((b) => {
        const a = runs(part, 1).find((x) => x.round === b.round);
        return a ? f(b) / f(a) : NaN;
      }),
    );

  out(
    `\nway     workers  CPU budget    median req/s   runs (req/s)                     req/CPU-s   agent cores   nginx cores   other load   throttled periods\n`,
  );
  for (const part of ['direct', 'budget'] as const) {
    for (const workers of [1, 2]) {
      const s = runs(part, workers);
      if (s.length === 0) continue;
      const th =
        part === 'budget'
          ? `${fmt(median(s.map((x) => (100 * x.throttled!.throttled) / Math.max(1, x.throttled!.periods))))} %`
          : '-';
      out(
        `${part.padEnd(7)} ${String(workers).padStart(7)}  ${(part === 'budget' ? `${fmt(workers * Q, 1)} cores` : 'none').padEnd(12)}  ${fmt(medRps(part, workers)).padStart(12)}   ${s
          .map((x) => fmt(x.rps))
          .join(', ')
          .padEnd(31)}  ${fmt(medPerCpu(part, workers)).padStart(9)}   ${median(s.map((x) => x.agentWindowCores))
          .toFixed(2)
          .padStart(11)}   ${median(s.map((x) => x.nginxCores))
          .toFixed(2)
          .padStart(11)}   ${median(s.map(other)).toFixed(2).padStart(10)}   ${th.padStart(17)}\n`,
      );
    }
  }
  out(
    `(req/CPU-s: requests over the agent's CPU-seconds, all threads, from connected to exit; during the load window (sampled every 100 ms): agent cores, nginx cores (master + worker), other load (cores of the ${m.nproc} busy beyond the agent, nginx and the controller: other processes and kernel threads; over ~0.1 the run was disturbed), and the share of CFS periods the cgroup was throttled in)\n`,
  );

  const figures: Figure[] = [];
  /** Said next to a ratio when some of its runs had other load beside them. */
  const disturbedNote = (part: Part) => {
    const k = samples.filter((s) => s.part === part && other(s) > DISTURBED).length;
    return k > 0 ? `; ${k} of ${samples.filter((s) => s.part === part).length} runs disturbed by other load` : '';
  };
  const rps = (s: Sample) => s.rps;
  const perCpu = (s: Sample) => s.requests / s.cpuS;
  if (runs('direct', 1).length > 0 && runs('direct', 2).length > 0) {
    const r = medRps('direct', 2) / medRps('direct', 1);
    out(
      `direct, 2-core ceiling: 2 workers / 1 worker = ${r.toFixed(2)} req/s (round median ${roundRatio('direct', rps).toFixed(2)}), ${(medPerCpu('direct', 2) / medPerCpu('direct', 1)).toFixed(2)} per CPU-second; informational: nginx, the controller and the kernel's network path share the same ${m.nproc} cores\n`,
    );
    figures.push({
      claim: `2-worker vs 1-worker agent, no CPU limit (${m.nproc}-core ceiling: nginx shares the cores; ${VUS} VUs, ${SECONDS} s, median of ${ROUNDS} alternating rounds)`,
      barrage: fmt(medRps('direct', 2)),
      peer: `${fmt(medRps('direct', 1))} (1 worker)`,
      ratio: `${r.toFixed(2)} (round median ${roundRatio('direct', rps).toFixed(2)}${disturbedNote('direct')})`,
      goal: '(none: machine ceiling)',
    });
    figures.push({
      claim: 'agent requests per CPU-second, 2 workers vs 1, no CPU limit',
      barrage: fmt(medPerCpu('direct', 2)),
      peer: `${fmt(medPerCpu('direct', 1))} (1 worker)`,
      ratio: (medPerCpu('direct', 2) / medPerCpu('direct', 1)).toFixed(2),
      goal: '(none: efficiency)',
    });
  }
  if (runs('budget', 1).length > 0 && runs('budget', 2).length > 0) {
    const r = medRps('budget', 2) / medRps('budget', 1);
    const c = medPerCpu('budget', 2) / medPerCpu('budget', 1);
    out(
      `budget: 2 workers at ${fmt(2 * Q, 1)} cores / 1 worker at ${fmt(Q, 1)} core = ${r.toFixed(2)} req/s (round median ${roundRatio('budget', rps).toFixed(2)}); goal >= ${GOAL}: ${r >= GOAL ? 'met' : 'NOT met'}; per CPU-second ${c.toFixed(2)} (round median ${roundRatio('budget', perCpu).toFixed(2)})\n`,
    );
    for (const w of [1, 2]) {
      const share = median(runs('budget', w).map((x) => x.throttled!.throttled / Math.max(1, x.throttled!.periods)));
      if (share < 0.5)
        out(
          `  note: the ${w}-worker agent was throttled in only ${fmt(100 * share)} % of periods: its quota (${fmt(w * Q, 1)} cores) was not what bound it, something else was (the target, the machine, or the agent itself)\n`,
        );
    }
    figures.push({
      claim: `2-worker agent at ${fmt(2 * Q, 1)} cores vs 1-worker at ${fmt(Q, 1)} core (cgroup cpu quota; nginx on another netns host; ${VUS} VUs, ${SECONDS} s, median of ${ROUNDS} alternating rounds)`,
      barrage: fmt(medRps('budget', 2)),
      peer: `${fmt(medRps('budget', 1))} (1 worker)`,
      ratio: `${r.toFixed(2)} (round median ${roundRatio('budget', rps).toFixed(2)}${disturbedNote('budget')})`,
      goal: `>= ${GOAL}`,
      met: r >= GOAL,
    });
    figures.push({
      claim: 'agent requests per CPU-second, 2 workers vs 1 (the cgroup runs)',
      barrage: fmt(medPerCpu('budget', 2)),
      peer: `${fmt(medPerCpu('budget', 1))} (1 worker)`,
      ratio: c.toFixed(2),
      goal: '(none: efficiency)',
    });
  } else {
    const reason = budgetWhy ?? 'runs failed';
    out(`budget: no ratio: ${reason}\n`);
    figures.push({
      claim: '2-worker agent at 2Q cores vs 1-worker at Q (cgroup cpu quota)',
      barrage: `not measured: ${reason}`,
      peer: '-',
      ratio: '-',
      goal: `>= ${GOAL}`,
    });
  }
  const mismatches = samples.filter((s) => s.served !== s.requests).length;
  out(
    `request counts: ${samples.length - mismatches} of ${samples.length} runs match nginx's own count exactly${failures.length > 0 ? `; ${failures.length} run(s) FAILED` : ''}\n`,
  );
  const disturbed = samples.filter((s) => other(s) > DISTURBED).length;
  if (disturbed > 0)
    out(
      `other load: ${disturbed} of ${samples.length} runs had over ${DISTURBED} core busy beyond the agent, nginx and the controller (another session on the machine): their figures are less reliable; rerun on a quiet machine\n`,
    );
  return figures;
}
