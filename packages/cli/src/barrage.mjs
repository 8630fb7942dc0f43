#!/usr/bin/env node
// `barrage controller …`, `barrage agent …`, `barrage sample-target …`: one
// command for every barrage program, in the repository (npx barrage) and
// installed from the packed tarball (npm install -g ./barrage-*.tgz). Plain JS
// on purpose: the system Node that starts it may be old (>= 18); it runs the
// program on the Node 24 installed beside it (the `node` npm package), with
// TypeScript stripped even under node_modules (strip-types.mjs). Exit codes are
// the program's; a terminal's Ctrl-C reaches the program directly (same process
// group), so this process ignores it and waits for the program to stop.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const here = import.meta.dirname ?? dirname(new URL(import.meta.url).pathname);

/** Each program's entry file, found the way Node would resolve the package. */
const PROGRAMS = {
  controller: () => join(dirname(require.resolve('@barrage/controller')), 'cli', 'main.ts'),
  agent: () => require.resolve('@barrage/agent/cli'),
  'sample-target': () => join(dirname(require.resolve('@barrage/sample-target')), 'cli.ts'),
};

const USAGE = `Usage: barrage <program> [options]

Programs:
  controller     split a scenario across agents and merge their results (barrage controller --help)
  agent          connect to a controller and fire its share of the load (barrage agent --help)
  sample-target  the bundled sample API with exact server-side counters (barrage sample-target --help)

Options:
  -V, --version  print the versions
  -h, --help     print this help

Examples:
  barrage sample-target --port 8080 &
  barrage controller start --scenario health-100 --local-agents 1 --target http://127.0.0.1:8080
  barrage controller runs
  BARRAGE_TOKEN=... barrage agent --controller ws://controller-host:7400 --name edge-1
`;

/** The Node 24 of the `node` package beside this one (npm installs it with us); else this Node. */
function node24() {
  try {
    const bin = join(dirname(require.resolve('node/package.json')), 'bin', 'node');
    if (existsSync(bin)) return bin;
  } catch {
    /* not installed: try the Node running this */
  }
  return process.execPath;
}

function version() {
  const pkg = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8'));
  return pkg.version;
}

/** Runs `file` on Node 24 with `args`; resolves with what this process should exit with. */
function run(file, args) {
  const hook = `--import=${pathToFileURL(join(here, 'strip-types.mjs')).href}`;
  const env = { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS, hook].filter(Boolean).join(' ') };
  const child = spawn(node24(), [file, ...args], { stdio: 'inherit', env });
  // Ctrl-C comes to the program from the terminal itself; a TERM or HUP sent to us alone is passed on.
  process.on('SIGINT', () => {});
  for (const s of ['SIGTERM', 'SIGHUP']) process.on(s, () => child.kill(s));
  return new Promise((resolve) => {
    child.on('error', (e) => {
      process.stderr.write(`barrage: cannot start ${file}: ${e.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(signal ? signal : (code ?? 1)));
  });
}

const [program, ...rest] = process.argv.slice(2);
if (program === undefined || program === '-h' || program === '--help' || program === 'help') {
  process.stdout.write(USAGE);
  process.exit(program === undefined ? 1 : 0);
}
if (program === '-V' || program === '--version') {
  process.stdout.write(`barrage ${version()}\n`);
  const outcome = await run(PROGRAMS.controller(), ['--version']);
  process.exit(typeof outcome === 'number' ? outcome : 1);
}
const entry = PROGRAMS[program];
if (entry === undefined) {
  process.stderr.write(`barrage: no program ${program}: controller, agent or sample-target\n\n${USAGE}`);
  process.exit(1);
}
const outcome = await run(entry(), rest);
if (typeof outcome === 'string') {
  // The program died of a signal: so do we, so our parent sees the same.
  process.removeAllListeners(outcome);
  process.kill(process.pid, outcome);
}
process.exit(outcome);
