// A small, safe subset of JSONPath for captures: $.a.b, $.a[0], $['a-b'].
// No filters or scripts: a capture path is data, never code.
const TOKEN = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\])/;

/** Splits a path into keys; throws on anything outside the subset. */
export function parseJsonPath(path: string): Array<string | number> {
  if (!path.startsWith('$')) throw new Error(`JSON path must start with $: ${path}`);
  const keys: Array<string | number> = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const m = TOKEN.exec(rest);
    if (m === null) throw new Error(`unsupported JSON path syntax at ${JSON.stringify(rest)}`);
    keys.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? m[3] ?? m[4])!);
    rest = rest.slice(m[0].length);
  }
  return keys;
}

/** The value at `path` (text or parsed keys), or undefined when any step is missing. */
export function readJsonPath(doc: unknown, path: string | ReadonlyArray<string | number>): unknown {
  let cur: unknown = doc;
  for (const key of typeof path === 'string' ? parseJsonPath(path) : path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}
