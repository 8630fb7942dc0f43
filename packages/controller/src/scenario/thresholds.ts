// Threshold expressions: pass/fail criteria on the merged cluster results, as a
// scenario writes them. Pure parsing; judging them is merge/judge.ts.
//
//   p(95)<500ms   avg<200ms   max<2s   min>0   med<100ms   rps>10
//   rate(ok)>0.99   rate(failed)<1%   rate(429)==0   rate(retry_after)==1
//   count(429)==50   count(ok)>=100   count(503)==0   requests>=150   dropped==0
//   growth(rss)<50MB   max(pool_in_use)<15   rate(cpu)<0.5   avg(x)<1   last(x)>=0   (monitors)
//
// Latency figures are in ms (units ms, s, m accepted); rates are fractions (a
// trailing % divides by 100); sizes take B/KB/MB/GB (1024-based).
import { ControllerErrors } from '../errors.ts';

export type Op = '<' | '<=' | '>' | '>=' | '==' | '!=';

export type Metric =
  | { kind: 'latency'; stat: 'p' | 'avg' | 'min' | 'max' | 'med'; percentile?: number }
  | { kind: 'rate'; of: 'ok' | 'failed' | 'rate_limited' | 'retry_after' | number }
  | { kind: 'count'; of: 'ok' | 'failed' | 'rate_limited' | 'retry_after' | 'requests' | 'dropped' | number }
  | { kind: 'rps' }
  | { kind: 'monitor'; stat: 'growth' | 'max' | 'min' | 'avg' | 'last' | 'first' | 'rate'; monitor: string };

export interface Threshold {
  /** As written, normalised (no spaces). */
  expr: string;
  metric: Metric;
  op: Op;
  target: number;
  /** Request name, or '' for all requests (monitor thresholds: the monitor). */
  scope: string;
  abortOnFail: boolean;
  /** abortOnFail only after this long into the run, ms. */
  delayMs: number;
}

export interface ThresholdResult {
  expr: string;
  scope: string;
  value: number;
  ok: boolean;
}

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  '%': 0.01,
  '': 1,
};
const TIME = new Set(['ms', 's', 'm', '']);
const SIZE = new Set(['B', 'KB', 'MB', 'GB', '']);
const RATE = new Set(['%', '']);
const NAMED: Record<string, 'ok' | 'failed' | 'rate_limited' | 'retry_after' | 'requests' | 'dropped'> = {
  ok: 'ok',
  failed: 'failed',
  rate_limited: 'rate_limited',
  ratelimited: 'rate_limited',
  retry_after: 'retry_after',
  requests: 'requests',
  dropped: 'dropped',
};

/** Words rate(X) and count(X) read as request figures: a monitor cannot be named so. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(Object.keys(NAMED));

const EXPR = /^([a-z_]+)(?:\(([^)]*)\))?(<=|>=|==|!=|<|>)(-?[0-9]+(?:\.[0-9]+)?)(ms|s|m|B|KB|MB|GB|%)?$/;

/** Parses one expression; throws CTRL_THRESHOLD_INVALID naming it. */
export function parseThreshold(
  text: string,
  scope = '',
  opts: { abortOnFail?: boolean; delayMs?: number } = {},
): Threshold {
  const expr = text.replace(/\s+/g, '');
  const bad = (why: string) => new ControllerErrors.THRESHOLD_INVALID(text, why);
  const m = EXPR.exec(expr);
  if (m === null)
    throw bad('expected METRIC OP VALUE, e.g. p(95)<500ms, rate(ok)>0.99, count(429)==50, growth(rss)<50MB');
  const [, fn, arg, op, num, unit = ''] = m as unknown as [
    string,
    string,
    string | undefined,
    Op,
    string,
    string | undefined,
  ];
  let metric: Metric;
  let units: Set<string>;
  const statusArg = (a: string) => (/^[1-9][0-9]{2}$/.test(a) ? Number(a) : undefined);
  switch (fn) {
    case 'p': {
      const q = Number(arg);
      if (arg === undefined || !(q > 0 && q <= 100))
        throw bad('p(N) takes a percentile between 0 and 100, e.g. p(95), p(99.9)');
      metric = { kind: 'latency', stat: 'p', percentile: q };
      units = TIME;
      break;
    }
    case 'avg':
    case 'min':
    case 'max':
    case 'med':
    case 'growth':
    case 'last':
    case 'first':
      if (arg !== undefined) {
        // With an argument these are monitor statistics: growth(rss), max(pool_in_use).
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(arg) || fn === 'med') throw bad(`${fn}(NAME) takes a monitor name`);
        metric = { kind: 'monitor', stat: fn as 'growth', monitor: arg };
        // Monitors carry the target's own units (bytes, seconds, counts): sizes or plain numbers.
        units = SIZE;
        break;
      }
      if (fn === 'growth' || fn === 'last' || fn === 'first') throw bad(`${fn}(NAME) takes a monitor name`);
      metric = { kind: 'latency', stat: fn };
      units = TIME;
      break;
    case 'rate': {
      const of = arg === undefined ? undefined : (statusArg(arg) ?? NAMED[arg]);
      if (of === undefined && arg !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(arg)) {
        // rate(NAME) of a monitor: its change per second over the run (CPU seconds -> cores busy).
        metric = { kind: 'monitor', stat: 'rate', monitor: arg };
        units = SIZE;
        break;
      }
      if (of === undefined || of === 'requests' || of === 'dropped')
        throw bad('rate(X) takes ok, failed, rate_limited, retry_after, a status code, or a monitor name');
      metric = { kind: 'rate', of: of as 'ok' };
      units = RATE;
      break;
    }
    case 'count': {
      const of = arg === undefined ? undefined : (statusArg(arg) ?? NAMED[arg]);
      if (of === undefined)
        throw bad('count(X) takes ok, failed, rate_limited, retry_after, requests, dropped or a status code');
      metric = { kind: 'count', of };
      units = new Set(['']);
      break;
    }
    case 'rps':
      if (arg !== undefined) throw bad('rps takes no argument');
      metric = { kind: 'rps' };
      units = new Set(['']);
      break;
    case 'requests':
    case 'dropped':
      if (arg !== undefined) throw bad(`${fn} takes no argument`);
      metric = { kind: 'count', of: fn };
      units = new Set(['']);
      break;
    default:
      throw bad(`unknown metric ${fn}`);
  }
  if (!units.has(unit)) throw bad(`unit ${unit} does not fit ${fn}`);
  const delayMs = opts.delayMs ?? 0;
  return {
    expr,
    metric,
    op,
    target: Number(num) * UNITS[unit]!,
    scope: metric.kind === 'monitor' ? metric.monitor : scope,
    abortOnFail: opts.abortOnFail ?? false,
    delayMs,
  };
}

/**
 * Whether a live check can fail a threshold for good before the run ends. Latency and rates
 * are judged on what has arrived; a count can only grow, so only an upper bound (<, <=, == 0)
 * can fail early; rps depends on reports still in flight, so it waits for the end. Returns ''
 * when the threshold may abort, else why not.
 */
export function liveProblem(t: Threshold): string {
  const m = t.metric;
  if (m.kind === 'rps') return 'rps is judged at the end only';
  if (m.kind === 'count' && !(t.op === '<' || t.op === '<=' || (t.op === '==' && t.target === 0)))
    return 'a count only grows: abortOnFail takes <, <= or == 0 on it';
  if (m.kind === 'monitor' && m.stat !== 'max' && m.stat !== 'min')
    return 'of a monitor, abortOnFail takes max(...) or min(...)';
  return '';
}

/** A report's Target column: the operator and the value, in the expression's own unit ("p(95)<500ms" -> "<500ms"). */
export function targetOf(expr: string): string {
  return expr.slice(expr.search(/(<=|>=|==|!=|<|>)/));
}
