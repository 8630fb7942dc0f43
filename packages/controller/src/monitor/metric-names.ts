// What a Prometheus endpoint offers, and which of its metric names a missing
// one most likely meant: the same words in another order (db_pool_in_use_peak
// for db_pool_peak_in_use), a word more or less, or a typo. Pure.
import { closestName } from '@barrage/core';

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{|\s)/;

/** The metric names of an exposition's samples, once each, in order. */
export function offeredMetrics(text: string): string[] {
  const out = new Set<string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (m !== null) out.add(m[1]!);
  }
  return [...out];
}

const words = (name: string) => name.toLowerCase().split(/[_:]+/).filter(Boolean);

/** How many words two names share, over their average word count (1: the same words, in any order). */
export function wordLikeness(a: string, b: string): number {
  const wa = words(a);
  const rest = words(b);
  const total = wa.length + rest.length;
  let shared = 0;
  for (const w of wa) {
    const i = rest.indexOf(w);
    if (i >= 0) {
      shared++;
      rest.splice(i, 1);
    }
  }
  return total === 0 ? 0 : (2 * shared) / total;
}

/** Offered names, most like `name` first (ties keep the endpoint's order). */
export function byLikeness(name: string, offered: readonly string[]): string[] {
  return offered
    .map((n, i) => ({ n, i, score: wordLikeness(name, n) }))
    .sort((x, y) => y.score - x.score || x.i - y.i)
    .map((x) => x.n);
}

/** The offered name `name` most likely meant: a typo of it, or one sharing at least 3/4 of its words. */
export function likelyMeant(name: string, offered: readonly string[]): string | undefined {
  const sameWords = offered.filter((n) => wordLikeness(name, n) === 1);
  if (sameWords.length > 0) return sameWords[0];
  const typo = closestName(name, offered);
  if (typo !== undefined) return typo;
  const best = byLikeness(name, offered)[0];
  return best !== undefined && wordLikeness(name, best) >= 0.75 ? best : undefined;
}
