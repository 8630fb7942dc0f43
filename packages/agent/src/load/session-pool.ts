// An open model's sessions: arrivals are not users, so sessions live in slots,
// as many as the model's in-flight cap. An arrival takes a free slot (there is
// one whenever the cap lets it start), runs with the slot's session and cookie
// jar, and gives it back when it is over; a slot runs its session's steps on
// first use. When the model ends, each slot whose session was ever up runs the
// teardown steps once, all slots at once.
import type { PreparedSession, SessionContext } from './session.ts';
import { VuSession } from './session.ts';

/** Wait after a failed session before a slot tries again: arrivals in between find it down. */
export const OPEN_RETRY_MS = 1_000;

export class SessionPool {
  private readonly plan: PreparedSession;
  private readonly ctx: SessionContext;
  private readonly free: VuSession[] = [];
  private readonly all: VuSession[] = [];
  private readonly counted = new WeakSet<VuSession>();
  private tornDown = false;

  constructor(plan: PreparedSession, ctx: SessionContext) {
    this.plan = plan;
    this.ctx = ctx;
  }

  /** A free slot's session (a new slot while fewer than the cap exist). */
  take(): VuSession {
    const s = this.free.pop();
    if (s !== undefined) return s;
    const made = new VuSession(this.plan, this.ctx, this.ctx.requester.newCookies(this.all.length), {
      notBefore: Number.NEGATIVE_INFINITY,
      retryMs: OPEN_RETRY_MS,
      waits: false,
    });
    this.all.push(made);
    return made;
  }

  /** A slot's number in this pool: 0, 1, … in the order they were made (its user, with perVU data). */
  slotOf(s: VuSession): number {
    return this.all.indexOf(s);
  }

  /** True the first time it is asked for `s`: its user's row is then counted as used. */
  count(s: VuSession): boolean {
    if (this.counted.has(s)) return false;
    this.counted.add(s);
    return true;
  }

  give(s: VuSession): void {
    this.free.push(s);
  }

  /**
   * The model is over: runs the slots' teardowns (all at once), then `done`. Returns false when
   * there was nothing to run or they already ran (`done` is not called then).
   */
  tearDown(done: () => void): boolean {
    if (this.tornDown) return false;
    this.tornDown = true;
    let pending = 1;
    const one = () => {
      if (--pending === 0) done();
    };
    for (const s of this.all) if (s.teardown(one)) pending++;
    if (pending === 1) return false;
    one();
    return true;
  }
}
