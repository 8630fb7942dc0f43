// Why a goal of issue 7 is not met on this kind of machine, said next to the
// figure in bench/RESULTS.md (bench/run-all.ts adds a line for every goal a
// run missed). Keyed by bench and a pattern of the claim; the measured figure
// is in the table, so these say only what stands between it and the goal.
export const WHY_NOT_MET: ReadonlyArray<{ bench: string; claim: RegExp; why: string }> = [
  {
    bench: 'throughput',
    claim: /vs bare undici/,
    why: "the agent does what the bare loop does plus the accounting of every request (three clock reads, an HdrHistogram record, status and byte counts, a completion-log entry for the exact first-429 count, a handler carrying its timing); a CPU profile (`BENCH_CPU_PROF`, `bench/cpu-profile-top.ts`) puts barrage's own code at 4-5 % of the agent's CPU, which is the gap. Over the runs of 2026-11-30 the ratio measured 0.89-0.97 (req/s) and 0.90-0.97 (per CPU-second): the goal lies inside this machine's run-to-run noise.",
  },
  {
    bench: 'throughput',
    claim: /vs autocannon/,
    why: "autocannon does not use undici: it writes a pre-serialised request and parses answers with its own minimal parser, and here it is faster than a bare undici `dispatch` loop itself (about 1.15-1.2x). 1.3x autocannon would take about 1.5x what undici allows, and the issue puts the hot path at undici's dispatch level; only an HTTP/1.1 client of our own could close it.",
  },
  {
    bench: 'wire-size',
    claim: /open/,
    why: "an open model ships two histograms per name (latency from the intended send, and service time), each with about 1,000-1,300 occupied buckets at 3 significant digits for 20,000 samples, about 1.2 B per bucket run-length coded; hdr-histogram-js's own compressed format is the same size (ratio about 1.0). Under 2 KB would take fewer digits (coarser percentiles) or no service time, and neither is acceptable; one histogram alone (the closed-model line) stays under 2 KB.",
  },
  {
    bench: 'wire-size',
    claim: /closed/,
    why: 'one latency histogram of 60,000 samples a second at 3 significant digits is close to 2 KB; intervals with a wider spread of latencies (start-up, a GC pause) have more occupied buckets.',
  },
  {
    bench: 'vu-memory',
    claim: /^agent (RSS growth per VU,|peak RSS with) [\d,]+ VUs(, thinkTime 1 s)?$/,
    why: 'with one connection per VU the connection is the cost: a bare undici Pool with the same 10,000 connections and loops grows as much (see the ratio). With the VUs sharing connections (scenario `connections:`), the lines below, both goals are met.',
  },
  {
    bench: 'vu-memory',
    claim: /sharing/,
    why: 'the VUs queue for connections in undici; when the target is slower than their think time, more of them wait at once and each waiting request holds its handler and undici request.',
  },
];

export function whyNotMet(bench: string, claim: string): string {
  return (
    WHY_NOT_MET.find((w) => w.bench === bench && w.claim.test(claim))?.why ??
    "not explained yet: look at the bench's output below."
  );
}
