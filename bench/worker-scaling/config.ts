// The knobs of bench/worker-scaling.ts (environment variables, as its usage
// line says) and its goal, read once for every part of the bench.
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
export const VUS = Number(process.env.BENCH_VUS ?? 50);
export const Q = Number(process.env.BENCH_CORE_PER_WORKER ?? 0.5);
export const PARTS = (process.env.BENCH_PARTS ?? 'direct,budget').split(',');
export const LIMIT_MS = SECONDS * 1000 + 60_000; // every run is killed by PID past this
export const NGINX_CPU = 0;
export const GOAL = 1.8;
