#!/usr/bin/env node
// `sample-target [--port P] [--host H] [--api-limit N] [--api-window D] ...`
// Prints `sample-target listening on URL` once ready (tests read that line).
import { Command, InvalidArgumentError } from 'commander';
import { buildTarget, targetStats } from './app.ts';

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be an integer >= 0');
  return n;
};
const seconds = (v: string) => {
  const m = /^(\d+)(ms|s|m|h)$/.exec(v);
  if (m === null) throw new InvalidArgumentError('must be a duration such as 60s, 1m, 1h');
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms'];
};

const o = new Command('sample-target')
  .description('a small API modelled on the seed report, with exact counters at /__stats')
  .option('--port <port>', 'port (0 = any free port)', int, 8080)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--api-limit <n>', 'requests per window per client IP on /api/*', int, 100)
  .option('--api-window <duration>', 'rate-limit window on /api/*', seconds, 60_000)
  .option('--upload-limit <n>', 'uploads per window per client IP', int, 10)
  .option('--upload-window <duration>', 'rate-limit window on uploads', seconds, 3_600_000)
  .option(
    '--jwt-secret <secret>',
    'sign tokens with this secret (default: random), so several targets accept one token',
  )
  .option('--token-ttl <duration>', 'how long an issued token or sid cookie is accepted (then 401)', seconds, 3_600_000)
  .option('--user <name>', 'the demo account (beside user001..user500)', 'demo')
  .option('--password <password>', "the demo account's password", 'demo')
  .parse()
  .opts<{
    port: number;
    host: string;
    apiLimit: number;
    apiWindow: number;
    uploadLimit: number;
    uploadWindow: number;
    jwtSecret?: string;
    tokenTtl: number;
    user: string;
    password: string;
  }>();

const app = buildTarget({
  apiLimit: o.apiLimit,
  apiWindowMs: o.apiWindow,
  uploadLimit: o.uploadLimit,
  uploadWindowMs: o.uploadWindow,
  jwtSecret: o.jwtSecret,
  tokenTtlMs: o.tokenTtl,
  user: o.user,
  password: o.password,
});
const url = await app.listen({ port: o.port, host: o.host });
process.stdout.write(`sample-target listening on ${url}\n`);
// On stop: finish what is in flight, then print the final count (a restarted target starts from zero).
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(
    sig,
    () =>
      void app.close().then(() => {
        process.stdout.write(`sample-target final stats ${JSON.stringify(targetStats(app))}\n`, () => process.exit(0));
      }),
  );
}
