// Peer for bench/throughput.ts and bench/vu-memory.ts: the floor of any Node
// load generator built on undici — a Pool (HTTP/1.1, pipelining 1, one
// connection per loop unless --pool says fewer) and N loops, each keeping one request in flight through
// the raw `dispatch` API with a handler that only counts: no latency recorded,
// no reporting, bodies discarded as they arrive. With --think-ms a loop pauses
// that long after each response (a VU with think time). With --wait-go it
// prints "ready" and waits for a line on stdin, so a bench can read its idle
// memory first. Prints one JSON line at the end (with process.memoryUsage()
// taken as the load stops).
// usage: node undici-dispatch.ts URL --connections 50 --seconds 10 [--think-ms 0] [--pool N] [--wait-go]
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { type Dispatcher, Pool } from 'undici';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    connections: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    'think-ms': { type: 'string', default: '0' },
    'wait-go': { type: 'boolean', default: false },
    pool: { type: 'string' },
  },
});
const target = new URL(positionals[0] ?? 'http://127.0.0.1:8080/');
const loops = Number(values.connections);
const seconds = Number(values.seconds);
const thinkMs = Number(values['think-ms']);
if (!(loops >= 1 && seconds > 0 && seconds <= 3600 && thinkMs >= 0)) throw new Error('bad arguments');

// --pool N: the loops share N connections (default: one each).
const poolSize = Number(values.pool ?? loops);
const pool = new Pool(target.origin, {
  connections: poolSize,
  pipelining: 1,
  allowH2: false,
  keepAliveTimeout: 4_000,
  keepAliveMaxTimeout: 4_000,
});
const path = `${target.pathname}${target.search}`;
const opts: Dispatcher.DispatchOptions = {
  origin: target.origin,
  method: 'GET',
  path,
  headers: {},
  headersTimeout: 10_000,
  bodyTimeout: 10_000,
};

if (values['wait-go']) {
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
}

let ok = 0;
let other = 0;
let errors = 0;
let stopped = false;
let inFlight = 0;
let drained: (() => void) | undefined;

class Counter implements Dispatcher.DispatchHandler {
  status = 0;
  onRequestStart(): void {}
  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }
  onResponseData(): void {}
  onResponseEnd(): void {
    if (this.status >= 200 && this.status < 400) ok++;
    else other++;
    next();
  }
  onResponseError(): void {
    errors++;
    next();
  }
}

function fire(): void {
  inFlight++;
  pool.dispatch(opts, new Counter());
}

function next(): void {
  inFlight--;
  if (stopped) {
    if (inFlight === 0) drained?.();
    return;
  }
  if (thinkMs > 0)
    setTimeout(() => {
      if (!stopped) fire();
      else if (inFlight === 0) drained?.();
    }, thinkMs);
  else fire();
}

const start = performance.now();
for (let i = 0; i < loops; i++) fire();
await new Promise((r) => setTimeout(r, seconds * 1000));
const memory = process.memoryUsage();
stopped = true;
const stoppedAt = performance.now();
// What is still in flight finishes (bounded: the timeouts above), then the count is taken.
if (inFlight > 0)
  await Promise.race([
    new Promise<void>((r) => {
      drained = r;
    }),
    new Promise((r) => setTimeout(r, 10_000)),
  ]);
const elapsed = (performance.now() - start) / 1000;
await pool.destroy();
process.stdout.write(
  `${JSON.stringify({ requests: ok + other + errors, ok, other, errors, seconds: elapsed, rps: (ok + other + errors) / elapsed, drainMs: performance.now() - stoppedAt, memory })}\n`,
);
