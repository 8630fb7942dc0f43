// Public surface of @barrage/sample-target.
export { buildTarget, type TargetOptions } from './app.ts';
export { FixedWindowLimiter } from './rate-limiter.ts';
export { type SpawnedTarget, spawnTarget } from './spawn.ts';
export type { StatsJson, UserCounts } from './stats.ts';
export { type Account, SAMPLE_USER_COUNT, sampleUsers, sampleUsersCsv } from './users.ts';
