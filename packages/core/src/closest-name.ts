// "Did you mean": the known name nearest to a mistyped one (an unknown scenario
// key, an executor, a built-in scenario, a metric), so an error can say what to
// write instead. Close means a small edit distance for the word's length.
import { distance } from 'fastest-levenshtein';

/** The known name nearest to `typed`, if one is close enough to be a typo of it (ties: the first in `known`). */
export function closestName(typed: string, known: Iterable<string>): string | undefined {
  const t = typed.toLowerCase();
  // A third of the word, at least 1 and at most 3 edits: `vu` -> `vus`, `helth-100` -> `health-100`,
  // but `id` does not become `vus`.
  const limit = Math.min(3, Math.max(1, Math.floor(t.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const n = name.toLowerCase();
    // A known name that starts with what was typed, or the other way round (`expects` for `expect`), is a near miss too.
    const d = n === t ? 0 : distance(t, n);
    const prefix = t.length >= 3 && (n.startsWith(t) || t.startsWith(n)) && Math.abs(n.length - t.length) <= 3;
    if ((d <= limit || prefix) && d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean NAME?)`, or nothing: for the end of an error message. */
export function didYouMean(typed: string, known: Iterable<string>): string {
  const name = closestName(typed, known);
  return name === undefined ? '' : ` (did you mean ${name}?)`;
}
