// Reading one sample out of a Prometheus text exposition: `name` or
// `name{label="value",...}` (the given labels must match; others may be
// present). Pure; tolerant of comments, timestamps and unrelated lines.
export interface Selector {
  name: string;
  labels: Record<string, string>;
}

const SELECTOR = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;

function parseLabels(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const at = LABEL.lastIndex;
    const m = LABEL.exec(text);
    if (m === null) return text.slice(at).trim() === '' ? out : null;
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
  }
  return out;
}

/** Parses `name` or `name{a="b"}`; throws on anything else. */
export function parseSelector(text: string): Selector {
  const m = SELECTOR.exec(text.trim());
  const labels = m ? parseLabels(m[2] ?? '') : null;
  if (m === null || labels === null)
    throw new Error(`not a metric selector: ${text} (expected name or name{label="value"})`);
  return { name: m[1]!, labels };
}

/** The value of the first sample matching `sel`, or undefined. */
export function readPrometheus(text: string, sel: Selector): number | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || !line.startsWith(sel.name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null || m[1] !== sel.name) continue;
    const labels = parseLabels(m[2] ?? '');
    if (labels === null || !Object.entries(sel.labels).every(([k, v]) => labels[k] === v)) continue;
    const v = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    return Number.isNaN(v) ? undefined : v;
  }
  return undefined;
}
