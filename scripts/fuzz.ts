// `npm run fuzz`: hostile input against a live controller process — mutated
// protocol frames over many agent connections (and inside a live run),
// mutated scenarios through the REST API, and histogram bombs timed
// in-process — then a summary table. Seeded: `--seed N` replays a run.
// Options: --seed N (default 1), --frames N (100000), --scenarios N (10000),
// --concurrency N (16), --bomb-reps N (200); --print-scenario I writes case I
// of the seed to stdout (to replay it with curl); --merge-overflow adds a
// minute-long phase: valid reports until a merged bucket would pass 2^53. Exits 1 on any crash, 5xx,
// hang or rejection without a code.
import { parseArgs } from 'node:util';
import { formatFuzzSummary } from './fuzz/fuzz-summary.ts';
import { runFuzz } from './fuzz/run-fuzz.ts';
import { scenarioCase } from './fuzz/scenario-fuzzer.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    frames: { type: 'string', default: '100000' },
    scenarios: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    'bomb-reps': { type: 'string', default: '200' },
    'print-scenario': { type: 'string' },
    'merge-overflow': { type: 'boolean', default: false },
  },
});
const int = (name: string, v: string, min: number) => {
  const x = Number(v);
  if (!Number.isInteger(x) || x < min) {
    process.stderr.write(`--${name} must be an integer >= ${min}\n`);
    process.exit(2);
  }
  return x;
};

if (values['print-scenario'] !== undefined) {
  // Replays one scenario case of a seed: its headers and body, to send with curl.
  const c = scenarioCase(int('seed', values.seed, 0), int('print-scenario', values['print-scenario'], 0));
  process.stderr.write(`${c.label}${c.headers ? ` ${JSON.stringify(c.headers)}` : ''}\n`);
  process.stdout.write(c.body);
  process.exit(0);
}

const result = await runFuzz({
  seed: int('seed', values.seed, 0),
  frames: int('frames', values.frames, 0),
  scenarios: int('scenarios', values.scenarios, 0),
  concurrency: int('concurrency', values.concurrency, 1),
  bombReps: int('bomb-reps', values['bomb-reps'], 1),
  mergeOverflow: values['merge-overflow'],
  log: (line) => process.stderr.write(`fuzz: ${line}\n`),
});
process.stdout.write(formatFuzzSummary(result) + '\n');
process.exit(result.ok ? 0 : 1);
