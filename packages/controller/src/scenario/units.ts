// Human units in scenarios: durations (500ms, 30s, 5m, 1h) and sizes
// (100KB, 50MB). One parser each, shared by the schema's patterns.
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$';
export const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?(B|KB|MB|GB)$';

const DURATION_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const SIZE_BYTES: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

function parse(text: string, pattern: string, units: Record<string, number>, what: string): number {
  const m = new RegExp(pattern).exec(text);
  if (m === null) throw new Error(`${JSON.stringify(text)} is not a ${what}`);
  const unit = text.slice(text.search(/[a-zA-Z]/));
  return Math.round(Number.parseFloat(text) * units[unit]!);
}

/** "30s" -> 30000 (ms). */
export function parseDuration(text: string): number {
  return parse(text, DURATION_PATTERN, DURATION_MS, 'duration');
}

/** "100KB" -> 102400 (bytes). */
export function parseSize(text: string): number {
  return parse(text, SIZE_PATTERN, SIZE_BYTES, 'size');
}
