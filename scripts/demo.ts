// `npm run demo`: starts the sample target, runs the built-in stress-100
// scenario on a controller with 2 local agent processes, prints the merged
// summary, then what the target itself counted, and stops everything it started.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { spawnTarget } from '@barrage/sample-target';

const controllerCli = fileURLToPath(new URL('../packages/controller/src/cli/main.ts', import.meta.url));
const target = await spawnTarget();
const url = target.url;
process.stderr.write(`sample target at ${url}\n`);

let code: number | null = 1;
try {
  const controller = spawn(
    process.execPath,
    [controllerCli, 'start', '--scenario', 'stress-100', '--target', url, '--local-agents', '2'],
    { stdio: 'inherit' },
  );
  [code] = (await once(controller, 'exit')) as [number | null];
  const stats = await target.stats();
  const routes = Object.entries(stats.routes).map(
    ([r, s]) =>
      `  ${r.padEnd(24)} ${Object.entries(s)
        .map(([k, v]) => `${k}:${v}`)
        .join(' ')}`,
  );
  process.stdout.write(
    `\nthe target's own count: ${stats.total} responses (the load plus 1 setup login)\n${routes.join('\n')}\n`,
  );
} finally {
  await target.stop();
}
process.exit(code ?? 1);
