// One iteration of a mix entry: a single request, or a flow's steps in order,
// each step's captures feeding the next through a scope that lives for this
// iteration only. A step that cannot be formed (its flow variable was not
// captured) is not sent, nor is anything after it: those steps count as
// dropped. Once the scenario's executor is closed, nothing more is sent.
// Generated values (${seq}, ${uuid}, …) come from the scope too: iteration-scope.ts.
// With a VU session (session.ts), the scope falls back on the session's
// captures, and an answer with a refresh.on status refreshes the session and
// retries that step once.
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

/** What an iteration asks of its VU's session (session.ts). */
export interface IterationSession {
  /** The session's captures, read after the iteration's own. */
  readonly captures: ReadonlyMap<string, string>;
  /** Statuses that refresh the session and retry the step once; null: none. */
  readonly refreshOn: ReadonlySet<number> | null;
  /** Re-runs the session's steps; `done(ok)` once they are over. */
  refresh(done: (ok: boolean) => void): void;
}

/** A flow scope without generators that falls back on a session's captures. */
class SessionScope extends Map<string, string> {
  private readonly parent: ReadonlyMap<string, string>;

  constructor(parent: ReadonlyMap<string, string>) {
    super();
    this.parent = parent;
  }

  override get(name: string): string | undefined {
    return super.get(name) ?? this.parent.get(name);
  }
}

/**
 * Runs every step of `entry`; `intendedAt` (run clock, ms) applies to the first step. Calls
 * done once, with whether every step was sent and got its expected answer (a refreshed and
 * retried step counts by its retry). `generation` and `index` number the iteration for generated
 * values; `cookies` is the VU's jar; `session` its session; `own` a scope to run in (the session's
 * steps keep their captures in it) instead of a new one.
 */
export function runIteration(
  exec: Requester,
  entry: PreparedEntry,
  intendedAt: number | undefined,
  done: (ok: boolean) => void,
  generation?: GenerationPlan,
  index?: IterationIndex,
  cookies?: VuCookies | null,
  session?: IterationSession,
  own?: Scope,
): void {
  const parent = session?.captures;
  const scope: Scope | null =
    own ??
    (entry.scoped && generation !== undefined && index !== undefined
      ? new IterationScope(generation, index, parent)
      : entry.scoped
        ? parent === undefined
          ? new Map()
          : new SessionScope(parent)
        : null);
  const generated = scope instanceof IterationScope;
  const refreshOn = session?.refreshOn ?? null;
  let i = 0;
  let allOk = true;
  /** The step about to fire (or answered last) is a retry after a refresh: no second one. */
  let retry = false;
  let status = 0;
  let ok = false;
  let firing = false;
  let completedSync = false;
  const dropFrom = (k: number) => {
    if (!exec.closed) for (; k < entry.steps.length; k++) exec.drop(entry.steps[k]!);
  };
  // After an answer: true when its step is being refreshed and retried (the iteration goes on from there).
  const refreshing = (): boolean => {
    if (session === undefined || retry || refreshOn === null || status === 429 || !refreshOn.has(status)) {
      retry = false;
      if (!ok) allOk = false;
      return false;
    }
    session.refresh((fine) => {
      if (!fine) {
        // No session to retry with: the retry and the steps after it are not sent.
        allOk = false;
        dropFrom(i - 1);
        done(false);
        return;
      }
      i--;
      retry = true;
      step();
    });
    return true;
  };
  const onDone = (s: number, o: boolean) => {
    status = s;
    ok = o;
    if (firing) {
      completedSync = true;
      return;
    }
    if (!refreshing()) step();
  };
  const step = () => {
    // A step that completes synchronously (a refused dispatch) loops here instead of recursing.
    for (;;) {
      if (i >= entry.steps.length) {
        done(allOk);
        return;
      }
      const req = entry.steps[i]!;
      const intended = i === 0 && !retry ? intendedAt : undefined;
      if (generated) (scope as IterationScope).beginStep(i);
      i++;
      firing = true;
      completedSync = false;
      let sent: boolean;
      try {
        sent = exec.fire(req, scope, onDone, intended, cookies, retry ? null : refreshOn);
      } catch {
        sent = false;
      }
      firing = false;
      if (!sent) {
        dropFrom(i - 1);
        done(false);
        return;
      }
      if (!completedSync || refreshing()) return;
    }
  };
  step();
}
