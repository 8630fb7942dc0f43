// The controller under fuzz: a real `controller serve` child process on port 0
// with a scratch store, watched line by line on stderr (its address, "run X
// ended" lines, error-level log lines) and for an unexpected exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../packages/controller/src/cli/main.ts', import.meta.url));

export interface Controller {
  /** http://127.0.0.1:PORT (the API is under /api/v1). */
  http: string;
  /** ws://127.0.0.1:PORT/agents */
  agents: string;
  token: string;
  child: ChildProcess;
  /** Set when the process ended on its own (a crash). */
  exit: { code: number | null; signal: string | null } | undefined;
  /** Resolves when the process has ended, for whatever reason. */
  exited: Promise<void>;
  /** pino lines at level error or fatal, and anything that is neither JSON, a known status line nor a Node warning. */
  readonly errorLines: string[];
  /** Node process warnings (say a YAML warning about an unknown tag in a submitted scenario). */
  readonly warnings: string[];
  /** Resolves with the first stderr line (already seen or later) matching `re`; undefined after `ms` or on exit. */
  waitForLine(re: RegExp, ms: number): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** Status lines `controller serve` prints in plain text. */
const PLAIN = [/^controller serving: /, /^run \S+ ended: /, /^stopping run /, /run\(s\) left going/];

export async function startController(token: string, apiRate = 1_000_000, logLevel = 'error'): Promise<Controller> {
  const dir = mkdtempSync(join(tmpdir(), 'barrage-fuzz-'));
  // Nothing of this shell's BARRAGE_* settings reaches the controller: no target variables a
  // scenario could read, no token but ours.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BARRAGE_')));
  // --api-rate: the API's limit on changes (60 a minute by default) would make 10,000 scenarios take hours.
  const args = [
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--token',
    token,
    '--db',
    join(dir, 'runs.db'),
    '--log-level',
    logLevel,
    '--api-rate',
    String(apiRate),
  ];
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
  });
  const lines: string[] = [];
  const errorLines: string[] = [];
  const warnings: string[] = [];
  const waiters = new Set<(line: string | undefined) => void>();
  let partial = '';
  let stopping = false;
  const onLine = (line: string) => {
    if (lines.length < 100_000) lines.push(line);
    if (line.startsWith('{')) {
      try {
        if ((JSON.parse(line) as { level?: number }).level! >= 50) errorLines.push(line);
      } catch {
        errorLines.push(line);
      }
    } else if (/^\(node:\d+\) |^\(Use `node --trace-warnings/.test(line)) {
      if (warnings.length < 1000) warnings.push(line);
    } else if (line.trim() !== '' && !PLAIN.some((re) => re.test(line))) errorLines.push(line);
    for (const w of [...waiters]) w(line);
  };
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const p of parts) onLine(p);
  });
  const ctl: Controller = {
    http: '',
    agents: '',
    token,
    child,
    exit: undefined,
    errorLines,
    warnings,
    exited: new Promise((resolve) => child.once('exit', () => resolve())),
    waitForLine(re, ms) {
      const seen = lines.find((l) => re.test(l));
      if (seen !== undefined || ctl.exit) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const done = (v: string | undefined) => {
          clearTimeout(timer);
          waiters.delete(w);
          resolve(v);
        };
        const w = (line: string | undefined) => {
          if (line === undefined || re.test(line)) done(line);
        };
        const timer = setTimeout(() => done(undefined), ms);
        waiters.add(w);
      });
    },
    async stop() {
      stopping = true;
      if (ctl.exit === undefined && child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  child.once('exit', (code, signal) => {
    if (!stopping) ctl.exit = { code, signal };
    for (const w of [...waiters]) w(undefined);
  });
  const ready = await ctl.waitForLine(/^controller serving: API (https?:\/\/\S+?)\/api\/v1/, 30_000);
  const http = ready && /API (https?:\/\/\S+?)\/api\/v1/.exec(ready)?.[1];
  if (!http) {
    await ctl.stop();
    throw new Error(`the controller did not start:\n${lines.join('\n')}`);
  }
  ctl.http = http;
  ctl.agents = `${http.replace(/^http/, 'ws')}/agents`;
  return ctl;
}
