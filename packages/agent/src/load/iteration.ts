// One iteration of a mix entry: a single request, or a flow's steps in order,
// each step's captures feeding the next through a scope that lives for this
// iteration only. A step that cannot be formed (its flow variable was not
// captured) is not sent, nor is anything after it: those steps count as
// dropped. Once the scenario's executor is closed, nothing more is sent.
// Generated values (${seq}, ${uuid}, …) come from the scope too: iteration-scope.ts.
import type { VuCookies } from '../http/cookie-jar.ts';
import type { PreparedRequest, Requester, Scope } from '../http/requester.ts';
import { type GenerationPlan, type IterationIndex, IterationScope } from './iteration-scope.ts';

export interface PreparedEntry {
  name: string;
  weight: number;
  steps: readonly PreparedRequest[];
  /** Some step captures or is templated (flow variables, generators): the iteration needs a scope. */
  scoped: boolean;
}

/**
 * Runs every step of `entry`; `intendedAt` (run clock, ms) applies to the first step. Calls done once.
 * `generation` and `index` number the iteration for generated values; `cookies` is the VU's jar.
 */
export function runIteration(
  exec: Requester,
  entry: PreparedEntry,
  intendedAt: number | undefined,
  done: () => void,
  generation?: GenerationPlan,
  index?: IterationIndex,
  cookies?: VuCookies | null,
): void {
  const generated = entry.scoped && generation !== undefined && index !== undefined;
  const scope: Scope | null = generated ? new IterationScope(generation, index) : entry.scoped ? new Map() : null;
  let i = 0;
  let firing = false;
  let completedSync = false;
  const onDone = () => {
    if (firing) {
      completedSync = true;
      return;
    }
    step();
  };
  const step = () => {
    // A step that completes synchronously (a refused dispatch) loops here instead of recursing.
    for (;;) {
      if (i >= entry.steps.length) {
        done();
        return;
      }
      const req = entry.steps[i]!;
      const intended = i === 0 ? intendedAt : undefined;
      if (generated) (scope as IterationScope).beginStep(i);
      i++;
      firing = true;
      completedSync = false;
      let sent: boolean;
      try {
        sent = exec.fire(req, scope, onDone, intended, cookies);
      } catch {
        sent = false;
      }
      firing = false;
      if (!sent) {
        if (!exec.closed) for (let k = i - 1; k < entry.steps.length; k++) exec.drop(entry.steps[k]!);
        done();
        return;
      }
      if (!completedSync) return;
    }
  };
  step();
}
