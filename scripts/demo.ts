// `npm run demo`: starts the sample target, runs the built-in stress-100
// scenario on a controller with 2 local agent processes, prints the merged
// summary, then what the target itself counted, and stops everything it started.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const bin = (p: string) => fileURLToPath(new URL(`../packages/${p}`, import.meta.url));
const target = spawn(process.execPath, [bin('sample-target/src/cli.ts'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve, reject) => {
  let buf = '';
  target.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const m = /listening on (http:\/\/\S+)/.exec(buf);
    if (m) resolve(m[1]!);
  });
  target.once('exit', (code) => reject(new Error(`sample target exited (${code}): ${buf}`)));
});
process.stderr.write(`sample target at ${url}\n`);

let code: number | null = 1;
try {
  const controller = spawn(process.execPath, [bin('controller/src/cli.ts'), 'start', '--scenario', 'stress-100', '--target', url, '--local-agents', '2'], { stdio: 'inherit' });
  [code] = (await once(controller, 'exit')) as [number | null];
  const stats = (await (await fetch(`${url}/__stats`)).json()) as { total: number; routes: Record<string, Record<string, number>> };
  const routes = Object.entries(stats.routes).map(([r, s]) => `  ${r.padEnd(24)} ${Object.entries(s).map(([k, v]) => `${k}:${v}`).join(' ')}`);
  process.stdout.write(`\nthe target's own count: ${stats.total} responses (the load plus 1 setup login)\n${routes.join('\n')}\n`);
} finally {
  target.kill('SIGTERM');
  await once(target, 'exit');
}
process.exit(code ?? 1);
