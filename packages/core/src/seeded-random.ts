// Reproducible randomness: a value drawn from (seed, key) alone, with no state
// carried between draws, so any agent or worker computes the same value for the
// same global index whatever order it draws in. Not for secrets.

/** cyrb53: a fast, well-mixed 53-bit hash of a string. */
function hash53(text: string, salt = 0): number {
  let h1 = 0xdeadbeef ^ salt;
  let h2 = 0x41c6ce57 ^ salt;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A number in [0, 1) fixed by `seed` and `key`. */
export function seededUnit(seed: string, key: string): number {
  return hash53(`${seed}\u0000${key}`) / 2 ** 53;
}

/** A source of numbers in [0, 1): seeded and keyed (reproducible), or Math.random. */
export type Draw = () => number;

/** Successive numbers for one key: draw i is seededUnit(seed, key#i). */
export function seededDraw(seed: string, key: string): Draw {
  let i = 0;
  return () => seededUnit(seed, `${key}#${i++}`);
}
