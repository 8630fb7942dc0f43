// Sends mutated scenarios to POST /api/v1/runs and judges every answer: a 4xx
// with a coded error body, or a 202 for a mutation that happens to be valid
// (that run is stopped at once; its only agent is the fuzzer's fake, so
// nothing fires, and every URL points at a closed loopback port). A 5xx, a
// non-coded answer, a failed connection or no answer in time is an anomaly; a body past
// the API's 1 MiB limit may also be cut off by the controller closing without reading it.
import { call, codeOf, type Outcome } from './api-client.ts';
import type { Controller } from './controller-process.ts';
import type { FakeAgent } from './fake-agent.ts';
import { Prng } from './prng.ts';
import { scenarioBombs } from './scenario-bombs.ts';
import { mutateScenario, type ScenarioCase, type ScenarioSeeds, scenarioSeeds } from './scenario-mutations.ts';
import { isCoded, type Tally } from './tally.ts';

const ANSWER_MS = 20_000;
/** How long a stopped run may take to end (its agent answers the Stop at once). */
const END_MS = 60_000;

export interface ScenarioPhase {
  ctl: Controller;
  tally: Tally;
  seed: number;
  scenarios: number;
  concurrency: number;
  sentinel: FakeAgent;
  abort: () => boolean;
}

export interface Answered {
  label: string;
  status: number;
  code: string;
  ms: number;
}

export interface ScenarioResult {
  bombs: Answered[];
  slowest: Answered[];
}

/** A documented 5xx that says something about the cluster, not the request (fewer agents than asked for). */
const DOCUMENTED_5XX = new Set(['503 CTRL_NO_AGENTS']);

async function judge(ph: ScenarioPhase, c: ScenarioCase, index: string, out: Outcome): Promise<Answered> {
  const { tally, ctl } = ph;
  const where = `scenario ${index} ${c.label}`;
  if ('failure' in out && out.cutAtLimit) {
    // Refused at the body limit: the controller closed before reading the rest, as it should.
    tally.add('scenarios.closed-at-limit');
    return { label: c.label, status: 0, code: 'closed at the 1 MiB body limit', ms: out.ms };
  }
  if ('failure' in out) {
    tally.add(out.timedOut ? 'scenarios.hang' : 'scenarios.failed');
    tally.anomaly(`${where}: ${out.timedOut ? `no answer within ${ANSWER_MS / 1000} s` : out.failure}`);
    return { label: c.label, status: 0, code: out.timedOut ? 'hang' : 'failed', ms: out.ms };
  }
  const a = out.answer;
  const code = codeOf(a);
  const answered = { label: c.label, status: a.status, code: code ?? 'uncoded', ms: a.ms };
  if (a.status === 202) {
    tally.add('scenarios.202');
    const id = (a.json as { id?: string } | undefined)?.id;
    if (typeof id !== 'string') {
      tally.anomaly(`${where}: 202 without a run id`);
      return answered;
    }
    const stop = await call(ctl, 'POST', `/api/v1/runs/${encodeURIComponent(id)}/stop`);
    const stopCode =
      'answer' in stop
        ? stop.answer.status === 202
          ? '202'
          : `${stop.answer.status} ${codeOf(stop.answer) ?? 'uncoded'}`
        : stop.failure;
    tally.add(`scenarios.stop.${stopCode}`);
    if (stopCode !== '202' && stopCode !== '409 CTRL_RUN_NOT_RUNNING')
      tally.anomaly(`${where}: stopping its run answered ${stopCode}`);
    const ended = await ctl.waitForLine(new RegExp(`^run ${id} ended: `), END_MS);
    if (ended === undefined) tally.anomaly(`${where}: its run did not end within ${END_MS / 1000} s of the stop`);
    else tally.add(`scenarios.run-ended.${ended.split(': ')[1]}`);
    return answered;
  }
  tally.add(`scenarios.${a.status}.${code ?? 'uncoded'}`);
  if (a.status >= 400 && a.status < 500) {
    if (!isCoded(code)) tally.anomaly(`${where}: ${a.status} without a coded error body: ${a.text.slice(0, 200)}`);
    if (a.status === 429) {
      // A rate limit on mutations: a coded answer; slow down as asked.
      const wait = Math.min(5, Number(a.headers.get('retry-after')) || 1);
      await new Promise((r) => setTimeout(r, wait * 1000));
    }
  } else if (!DOCUMENTED_5XX.has(`${a.status} ${code}`)) {
    tally.anomaly(`${where}: ${a.status} ${code ?? a.text.slice(0, 200)}`);
  }
  return answered;
}

function send(ph: ScenarioPhase, c: ScenarioCase): Promise<Outcome> {
  return call(ph.ctl, 'POST', '/api/v1/runs', { body: c.body, headers: c.headers, timeoutMs: ANSWER_MS });
}

/** Case `i` of seed `seed`, from its own generator: the same whatever the scheduling (`--print-scenario i`). */
export function scenarioCase(seed: number, i: number, seeds: ScenarioSeeds = scenarioSeeds()): ScenarioCase {
  return mutateScenario(new Prng(Math.imul(seed, 0x9e3779b1) ^ (i + 1)), seeds);
}

export async function fuzzScenarios(ph: ScenarioPhase): Promise<ScenarioResult> {
  const { tally } = ph;
  // Runs a valid mutation starts wait for their agent until stopped: it never says Ready.
  ph.sentinel.autoReady = false;
  const slowest: Answered[] = [];
  const keepSlow = (x: Answered) => {
    slowest.push(x);
    slowest.sort((a, b) => b.ms - a.ms);
    slowest.length = Math.min(slowest.length, 8);
  };
  const bombs: Answered[] = [];
  for (const [i, c] of scenarioBombs().entries()) {
    if (ph.abort()) break;
    tally.add('scenarios.sent');
    const a = await judge(ph, c, `bomb ${i}`, await send(ph, c));
    bombs.push(a);
    keepSlow(a);
  }
  const seeds = scenarioSeeds();
  let next = 0;
  const worker = async () => {
    while (!ph.abort()) {
      const i = next++;
      if (i >= ph.scenarios) return;
      const c = scenarioCase(ph.seed, i, seeds);
      tally.add('scenarios.sent');
      keepSlow(await judge(ph, c, `#${i}`, await send(ph, c)));
    }
  };
  await Promise.all(Array.from({ length: ph.concurrency }, worker));
  return { bombs, slowest };
}
