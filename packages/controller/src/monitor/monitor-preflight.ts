// Before any load, every monitor is polled once (monitors on one URL share the
// request), so a wrong metric name, a JSON path that matches nothing, a
// non-2xx answer or a timeout fails the run at once (CTRL_MONITOR_PREFLIGHT)
// instead of after minutes of load with "no sample at all". A metric missing
// at its default name falls back to the one alternative the endpoint offers,
// with a note; an optional monitor that fails is left out, with a note.
import { ControllerErrors } from '../errors.ts';
import type { MonitorDef } from '../scenario/scenario.ts';
import { fetchMonitorBody, monitorUrlKey } from './monitor-fetch.ts';
import { type MonitorCandidate, type MonitorPlan, monitorCandidates } from './monitor-plan.ts';
import { explainMissing, PollFailure, type Reading, readValue } from './monitor-reading.ts';

type Checked = { ok: true; reading: Reading; note?: string } | { ok: false; reason: string; detail: string };

/**
 * Polls each monitor URL once and checks every monitor against the answer: the plan the run
 * polls by, or CTRL_MONITOR_PREFLIGHT naming every monitor that failed and why.
 * `env` maps each ${env:…} reference to its value (plan/setup.ts resolveEnv).
 */
export async function preflightMonitors(
  defs: readonly MonitorDef[],
  baseUrl: string | undefined,
  env: ReadonlyMap<string, string>,
): Promise<MonitorPlan> {
  const candidates = monitorCandidates(defs, baseUrl, env);
  const requests: Record<string, number> = {};
  const answers = new Map<string, Promise<string>>();
  for (const c of candidates) {
    if (answers.has(c.url)) continue;
    const timeoutMs = Math.max(...candidates.filter((o) => o.url === c.url).map((o) => o.def.timeoutMs));
    const key = monitorUrlKey(c.url);
    requests[key] = (requests[key] ?? 0) + 1;
    const answer = fetchMonitorBody(c.url, timeoutMs);
    answer.catch(() => {}); // read below, per monitor
    answers.set(c.url, answer);
  }
  const plan: MonitorPlan = { active: [], leftOut: [], notes: [], requests };
  const failed: string[] = [];
  for (const c of candidates) {
    const r = await check(c, answers.get(c.url)!);
    const where = monitorUrlKey(c.url);
    if (r.ok) {
      const { name, intervalMs, timeoutMs } = c.def;
      plan.active.push({ name, url: c.url, reading: r.reading, intervalMs, timeoutMs });
      if (r.note !== undefined) plan.notes.push(`monitor ${name}: ${r.note}`);
    } else if (c.def.optional) {
      plan.leftOut.push({ name: c.def.name, reason: r.reason });
      plan.notes.push(`monitor ${c.def.name} (optional) left out, not polled: ${where}: ${r.detail}`);
    } else failed.push(`- monitor ${c.def.name} (${where}): ${r.detail}`);
  }
  if (failed.length > 0) throw new ControllerErrors.MONITOR_PREFLIGHT(failed.join('\n'));
  return plan;
}

async function check(c: MonitorCandidate, answer: Promise<string>): Promise<Checked> {
  if (typeof c.reading === 'string') return { ok: false, reason: c.reading, detail: c.reading };
  let body: string;
  try {
    body = await answer;
  } catch (err) {
    const reason = (err as Error).message;
    return { ok: false, reason, detail: reason };
  }
  const written = c.reading;
  try {
    readValue(written, body);
    return { ok: true, reading: written };
  } catch (err) {
    if (!(err instanceof PollFailure)) throw err;
    const offered = c.alternatives.filter((a) => reads(a, body));
    const names = c.envNames.join(' or ');
    const choose = names === '' ? 'name it in the scenario' : `set ${names}`;
    if (offered.length === 1)
      return {
        ok: true,
        reading: offered[0]!,
        note: `${written.text} is missing, the endpoint offers ${offered[0]!.text}: using it (${choose} to choose)`,
      };
    if (offered.length > 1)
      return {
        ok: false,
        reason: err.message,
        detail: `${written.text} is missing and the endpoint offers several of its alternatives (${offered.map((a) => a.text).join(', ')}): ${choose} to the one to use`,
      };
    const hint = names === '' ? '' : ` (${names} names it: set it to the right name)`;
    return { ok: false, reason: err.message, detail: `${explainMissing(written, body)}${hint}` };
  }
}

function reads(r: Reading, body: string): boolean {
  try {
    readValue(r, body);
    return true;
  } catch {
    return false;
  }
}
