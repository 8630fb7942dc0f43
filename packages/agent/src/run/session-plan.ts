// A ScenarioPlan's session fields (ScenarioPlan 40-44) checked and turned into
// the PreparedSession the load models run (load/session.ts). The controller
// validated the scenario, but these are bytes from the network: every index is
// checked against the plan's requests, every number against its bounds.
import type { barrage } from '@barrage/proto';
import { AgentErrors } from '../errors.ts';
import type { PreparedRequest } from '../http/requester.ts';
import type { PreparedSession } from '../load/session.ts';

/** Steps at most in a session or a teardown (the scenario schema's cap). */
const MAX_STEPS = 10;
const MAX_STATUSES = 50;
/** Node timers hold at most 2^31-1 ms. */
const MAX_MS = 2 ** 31 - 1;

/**
 * The plan's session, or undefined when it has none. `requests` are the plan's prepared
 * requests (in ScenarioPlan.requests order); `vuSpan` the plan's VU count (rampUp's N).
 */
export function prepareSession(
  s: barrage.v1.ScenarioPlan.$Properties,
  requests: readonly PreparedRequest[],
  vuSpan: number,
  where: string,
): PreparedSession | undefined {
  const bad = (why: string) => new AgentErrors.BAD_ASSIGN(`${where}: session ${why}`);
  const stepsOf = (ids: readonly number[] | null | undefined, what: string): PreparedRequest[] => {
    const list = ids ?? [];
    if (list.length > MAX_STEPS) throw bad(`${what}: ${list.length} steps, at most ${MAX_STEPS}`);
    return list.map((k) => {
      const r = Number.isInteger(k) ? requests[k] : undefined;
      if (r === undefined) throw bad(`${what}: step ${k} does not exist`);
      return r;
    });
  };
  const steps = stepsOf(s.sessionSteps, 'steps');
  const teardown = stepsOf(s.sessionTeardown, 'teardown');
  const everyMs = s.sessionRefreshEveryMs ?? 0;
  const rampUpMs = s.sessionRampUpMs ?? 0;
  const on = s.sessionRefreshOn ?? [];
  if (steps.length === 0) {
    if (teardown.length > 0 || everyMs !== 0 || rampUpMs !== 0 || on.length > 0)
      throw bad('settings without session steps');
    return undefined;
  }
  if (!(everyMs === 0 || (Number.isFinite(everyMs) && everyMs >= 1000 && everyMs <= MAX_MS)))
    throw bad(`refresh every ${everyMs} ms`);
  if (!(Number.isFinite(rampUpMs) && rampUpMs >= 0 && rampUpMs <= MAX_MS)) throw bad(`ramp-up ${rampUpMs} ms`);
  if (on.length > MAX_STATUSES || on.some((c) => !Number.isInteger(c) || c < 100 || c > 599 || c === 429))
    throw bad('refresh statuses');
  const entry = (name: string, list: PreparedRequest[]) => ({ name, weight: 1, steps: list, scoped: true });
  return {
    steps: entry('session', steps),
    variables: [...new Set(steps.flatMap((r) => r.captures.map((c) => c.variable)))],
    everyMs,
    refreshOn: on.length > 0 ? new Set(on) : null,
    rampUpMs,
    vuSpan: Math.max(1, vuSpan),
    teardown: teardown.length > 0 ? entry('teardown', teardown) : null,
  };
}
