// A run named by its full id or by a unique prefix of it (the dashboard shows
// 8 characters), resolved the same way by the CLI and every API path that
// takes a run id. A prefix that fits several runs is refused with them listed,
// never guessed; one too short to mean anything is refused before the lookup.
import { ControllerErrors } from '../errors.ts';
import type { RunStore } from './run-store.ts';

/** The fewest characters a prefix must have (a full id may be shorter: tests name runs `half`). */
export const MIN_RUN_ID_PREFIX = 4;
/** How many candidates an ambiguous prefix lists. */
const LISTED = 10;

/** The full id of the one stored run `given` names; CTRL_RUN_NOT_FOUND, _AMBIGUOUS or _TOO_SHORT otherwise. */
export function resolveRunId(store: Pick<RunStore, 'getRun' | 'runIdsStartingWith'>, given: string): string {
  if (store.getRun(given) !== undefined) return given;
  if (given.length < MIN_RUN_ID_PREFIX) throw new ControllerErrors.RUN_ID_TOO_SHORT(given, MIN_RUN_ID_PREFIX);
  const ids = store.runIdsStartingWith(given, LISTED + 1);
  if (ids.length === 0) throw new ControllerErrors.RUN_NOT_FOUND(given);
  if (ids.length === 1) return ids[0]!;
  const listed = ids.slice(0, LISTED).join(', ') + (ids.length > LISTED ? ', …' : '');
  throw new ControllerErrors.RUN_ID_AMBIGUOUS(given, listed);
}
