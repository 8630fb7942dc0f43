// GENERATED from packages/core/src/units.ts (types stripped, exports on window.BarrageUnits) by
// packages/controller/test/units-asset.test.ts; UPDATE_GOLDEN=1 writes it again. Edit units.ts, not this.
(function () {
'use strict';
// One way to print each unit, wherever a figure is shown: the terminal, the
// Markdown and HTML reports, JUnit messages, the dashboard's tables and its
// chart axes. The dashboard is plain browser JavaScript, so it runs this very
// file with its types stripped (controller/src/dashboard/assets/units.js, kept
// identical by a test): no imports here, only plain functions of numbers.
// The summary JSON keeps raw numbers (bytes, ms); only presentation uses this.

/** What a figure that does not exist prints as (no sample, NaN, a JSON null): never "0.00 ms". */
const NO_DATA = '–';

/** null, undefined, NaN or ±Infinity: a figure nobody measured (NaN comes back from JSON as null). */
function isMissing(v                           )                        {
  return v === null || v === undefined || !Number.isFinite(v);
}

/**
 * About three significant digits: two decimals below 10, one below 100, none above, trailing
 * zeros dropped, thousands grouped: "0.84", "4.2", "67.3", "576", "1,800", "0".
 */
function threeDigits(v        )         {
  const a = Math.abs(v);
  const s = String(Number(a < 10 ? v.toFixed(2) : a < 100 ? v.toFixed(1) : v.toFixed(0)));
  const [whole = '', frac] = s.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** A count of things, with thousands separators: "1,234"; a fraction keeps up to three decimals. */
function formatCount(n                           )         {
  if (isMissing(n)) return NO_DATA;
  return n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** A duration given in ms: "0.84 ms", "67.3 ms", "230 ms" below a second, "1.25 s", "12.5 s", "1,800 s" above; "0 ms". */
function formatDuration(ms                           )         {
  if (isMissing(ms)) return NO_DATA;
  const a = Math.abs(ms);
  if (a >= 1000) return `${threeDigits(ms / 1000)} s`;
  // Below 0.01 ms: a measured time, not nothing.
  if (a > 0 && a < 0.005) return `<0.01 ms`;
  return `${threeDigits(ms)} ms`;
}

/**
 * A latency figure (ms) of something that answered `answered` times: with no answer the
 * histogram is empty and its percentiles read 0, which would look very fast.
 */
function formatLatency(ms                           , answered        )         {
  return answered > 0 ? formatDuration(ms) : NO_DATA;
}

const IEC = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Bytes in binary units with IEC symbols (1 KiB = 1,024 B): 589824 -> "576 KiB", "1.5 MiB", "512 B". */
function formatBytes(bytes                           )         {
  if (isMissing(bytes)) return NO_DATA;
  let v = bytes;
  let unit = -1;
  // Past 1,000 of a unit the next one reads better ("0.98 MiB", not "1,000 KiB").
  while (Math.abs(v) >= 1000 && unit < IEC.length - 1) {
    v /= 1024;
    unit++;
  }
  return unit < 0 ? `${Math.round(v)} B` : `${threeDigits(v)} ${IEC[unit]}`;
}

/** Events per second: "140.2/s", "103/s", "20,012/s" (whole past 1,000), "0.05/s". */
function formatRate(perSecond                           )         {
  if (isMissing(perSecond)) return NO_DATA;
  const a = Math.abs(perSecond);
  if (a >= 1000) return `${Math.round(perSecond).toLocaleString('en-US')}/s`;
  if (a >= 1 || a === 0) return `${Number(perSecond.toFixed(1))}/s`;
  return `${Number(perSecond.toPrecision(2))}/s`;
}

/** A fraction as a percentage with one decimal: 0.98 -> "98.0%". */
function formatPercent(fraction                           )         {
  if (isMissing(fraction)) return NO_DATA;
  return `${(100 * fraction).toFixed(1)}%`;
}

/** A number without a unit (a pool size, CPU seconds): whole numbers grouped, else three significant digits. */
function formatNumber(v                           )         {
  if (isMissing(v)) return NO_DATA;
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Math.abs(v) >= 100
    ? threeDigits(v)
    : Number(v.toPrecision(3)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/** A monitor whose name says memory (rss, mem, heap, bytes) holds bytes; any other holds the target's own number. */
function monitorHoldsBytes(name        )          {
  return /rss|mem|bytes|heap/i.test(name);
}

/** A monitor's value, in its unit (bytes by its name, else a plain number). */
function formatMonitorValue(name        , v                           )         {
  return monitorHoldsBytes(name) ? formatBytes(v) : formatNumber(v);
}

/** A monitor's change per second: "12.0 KiB/s" for bytes, "0.85/s" otherwise. */
function formatMonitorRate(name        , v                           )         {
  if (isMissing(v)) return NO_DATA;
  return monitorHoldsBytes(name) ? `${formatBytes(v)}/s` : formatRate(v);
}

/** rate(X) of these is a share of requests; of any other name, a monitor's change per second. */
const REQUEST_SHARES = /^(ok|failed|rate_limited|ratelimited|retry_after|[1-9][0-9]{2})$/;

/**
 * A threshold's measured value in its metric's unit, read from its expression (the grammar is
 * the controller's scenario/thresholds.ts): p(95), avg, min, max, med -> a duration; rate(ok),
 * rate(429) -> a percentage; rps -> per second; count(…), requests, dropped -> a count; a
 * monitor's statistic (growth(rss), max(pool)) -> bytes when the expression's unit or the
 * monitor's name says so, else the target's own number; rate(monitor) -> per second.
 */
function formatThresholdValue(expr        , value                           )         {
  const m = /^([a-z_]+)(?:\(([^)]*)\))?(?:<=|>=|==|!=|<|>)-?[0-9.]+([A-Za-z%]*)$/.exec(expr.replace(/\s+/g, ''));
  const fn = m?.[1] ?? '';
  const arg = m?.[2];
  const sized = /^(B|KB|MB|GB)$/.test(m?.[3] ?? '');
  if (fn === 'rps') return formatRate(value);
  if (fn === 'p') return formatDuration(value);
  if (fn === 'count' || fn === 'requests' || fn === 'dropped') return formatCount(value);
  if (fn === 'rate' && arg !== undefined && REQUEST_SHARES.test(arg)) return formatPercent(value);
  if (fn === 'rate' && arg !== undefined) return sized ? `${formatBytes(value)}/s` : formatMonitorRate(arg, value);
  if (arg !== undefined) return sized ? formatBytes(value) : formatMonitorValue(arg, value);
  if (['avg', 'min', 'max', 'med'].includes(fn)) return formatDuration(value);
  return formatNumber(value);
}

window.BarrageUnits = { NO_DATA, isMissing, formatCount, formatDuration, formatLatency, formatBytes, formatRate, formatPercent, formatNumber, monitorHoldsBytes, formatMonitorValue, formatMonitorRate, formatThresholdValue };
})();
