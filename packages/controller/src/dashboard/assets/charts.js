// Charts of one run's merged interval series, drawn with uPlot: used by the
// live dashboard (points appended as intervals close) and inlined in the
// self-contained HTML report (drawn once). Plain browser JavaScript, no build
// step, no network. Every text that comes from a run (request, agent, monitor
// names) goes in as text, never as markup. Figures and axes are printed by
// units.js (core's units.ts); x is seconds from the run's start, y starts at
// 0, and points are drawn as well as lines, so one interval, or an interval
// alone between gaps, shows.
/* global uPlot, BarrageUnits */
(function () {
  'use strict';

  const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569', '#ea580c'];
  const STATUS_COLOR = (code) => (code === '429' ? '#d97706' : code.startsWith('2') ? '#16a34a' : code.startsWith('3') ? '#0891b2' : code.startsWith('4') ? '#db2777' : '#dc2626');
  /** Series beyond this many per chart are summed into "other" (a run may have hundreds of agents). */
  const MAX_SERIES = 12;

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const U = BarrageUnits;
  /** Points on every value when a series has at most this many; past that, only on values alone between gaps. */
  const ALL_POINTS = 60;

  /** Seconds from the run's start to the end of each interval (the run's own interval length). */
  function xs(model) {
    const step = model.intervalMs / 1000;
    return model.intervals.map((p) => (p.interval + 1) * step);
  }

  function perSecond(model, v) {
    return v / (model.intervalMs / 1000);
  }

  /** Answers (a status) in an interval: throughput counts them, never refused or timed-out attempts. */
  function responses(p) {
    return Object.values(p.status || {}).reduce((n, c) => n + c, 0);
  }

  /** Axis steps for bytes: 1, 2, 5 times a power of 1,024 (ticks at 32 MiB, not at 47.7 MiB). */
  const BYTE_STEPS = [];
  for (let k = 0; k <= 5; k++) for (const m of [1, 2, 5, 10, 20, 50, 100, 200, 500]) BYTE_STEPS.push(m * 1024 ** k);

  /** Indexes of values with no value on either side: a line cannot draw them. */
  function isolated(values) {
    const out = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v !== null && v !== undefined && (i === 0 || values[i - 1] == null) && (i === values.length - 1 || values[i + 1] == null)) out.push(i);
    }
    return out.length > 0 ? out : null;
  }

  /** From 0 (or below, for a falling monitor), with headroom above the highest value. */
  function fromZero(_u, min, max) {
    const lo = Math.min(0, min ?? 0);
    let hi = Math.max(0, max ?? 0);
    if (hi === lo) hi = lo + 1;
    return [lo, hi + (hi - lo) * 0.08];
  }

  /** From the run's start to just past the last point. */
  function fromStart(_u, _min, max) {
    const hi = max > 0 ? max : 1;
    return [0, hi * 1.04];
  }

  /** Keys of `field` (an object per interval) by total, the rest folded into "other". */
  function keyed(model, field) {
    const totals = new Map();
    for (const p of model.intervals) for (const [k, n] of Object.entries(p[field] || {})) totals.set(k, (totals.get(k) || 0) + n);
    const keys = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a) || (a < b ? -1 : 1));
    const shown = keys.slice(0, MAX_SERIES - (keys.length > MAX_SERIES ? 1 : 0));
    const rest = keys.slice(shown.length);
    const series = shown.map((k) => ({ label: k, values: model.intervals.map((p) => perSecond(model, (p[field] || {})[k] || 0)) }));
    if (rest.length > 0) series.push({ label: `other (${rest.length})`, values: model.intervals.map((p) => perSecond(model, rest.reduce((s, k) => s + ((p[field] || {})[k] || 0), 0))) });
    return series;
  }

  /** The charts of a model: id, title, how its figures print (units.js), and its series (label, values, colour). */
  function specs(model) {
    const out = [
      { id: 'rps', title: 'Throughput', format: U.formatRate, series: [{ label: 'responses/s', values: model.intervals.map((p) => perSecond(model, responses(p))), color: COLORS[0] }] },
      { id: 'latency', title: 'Latency', format: U.formatDuration, series: [
        { label: 'p50', values: model.intervals.map((p) => p.p50Ms), color: COLORS[2] },
        { label: 'p95', values: model.intervals.map((p) => p.p95Ms), color: COLORS[3] },
        { label: 'p99', values: model.intervals.map((p) => p.p99Ms), color: COLORS[1] },
      ] },
      { id: 'status', title: 'Status codes', format: U.formatRate, series: keyed(model, 'status').map((s) => ({ ...s, color: STATUS_COLOR(s.label) })) },
      { id: 'outcomes', title: 'Failed, 429 and dropped', format: U.formatRate, series: [
        { label: 'failed', values: model.intervals.map((p) => perSecond(model, p.failed)), color: COLORS[1] },
        { label: '429', values: model.intervals.map((p) => perSecond(model, p.rateLimited)), color: COLORS[3] },
        { label: 'dropped', values: model.intervals.map((p) => perSecond(model, p.dropped || 0)), color: COLORS[8] },
      ] },
      { id: 'agents', title: 'Per-agent throughput', format: U.formatRate, series: keyed(model, 'agents').map((s, i) => ({ ...s, color: COLORS[i % COLORS.length] })) },
    ];
    for (const [name, samples] of Object.entries(model.monitors || {})) {
      out.push({ id: `monitor-${name}`, title: `Monitor: ${name}`, format: (v) => U.formatMonitorValue(name, v), incrs: U.monitorHoldsBytes(name) ? BYTE_STEPS : undefined, monitor: true, x: samples.map((s) => s.t / 1000), series: [{ label: name, values: samples.map((s) => s.value), color: COLORS[5] }] });
    }
    return out;
  }

  function chartOptions(spec, width, figure) {
    const seconds = (v) => U.formatDuration(v * 1000);
    const values = (fmt) => (_u, splits) => splits.map((v) => fmt(v));
    return {
      width, height: 220,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      // The scales as drawn (x in seconds from the run's start, y from 0), on the figure for a reader or a test.
      hooks: { draw: [(u) => {
        figure.setAttribute('data-x-range', `${u.scales.x.min},${u.scales.x.max}`);
        figure.setAttribute('data-y-range', `${u.scales.y.min},${u.scales.y.max}`);
      }] },
      scales: { x: { time: false, range: fromStart }, y: { range: fromZero } },
      axes: [{ label: 'time since the start', values: values(seconds) }, { size: 76, values: values(spec.format), ...(spec.incrs ? { incrs: spec.incrs } : {}) }],
      series: [
        { label: 'since start', value: (_u, v) => (v == null ? U.NO_DATA : seconds(v)) },
        ...spec.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          value: (_u, v) => spec.format(v),
          points: {
            size: 6,
            fill: s.color,
            show: (_u, _si, i0, i1) => i1 - i0 < ALL_POINTS,
            filter: (u, si, show) => (show ? null : isolated(u.data[si])),
          },
        })),
      ],
    };
  }

  /**
   * Draws the charts of `model` into `root`; update(model) redraws with new points.
   * Each chart is a <figure data-chart="id" data-points="n">.
   */
  function create(root, model) {
    const charts = new Map();
    const width = () => Math.max(320, Math.min(1100, root.clientWidth || 900) - 8);

    function render(m) {
      for (const spec of specs(m)) {
        const x = spec.x || xs(m);
        const data = [x, ...spec.series.map((s) => s.values)];
        const key = spec.series.map((s) => s.label).join('\u0000');
        let c = charts.get(spec.id);
        if (c === undefined || c.key !== key) {
          // First draw, or new series (a status code or agent appeared): (re)build that chart in place.
          const figure = el('figure', { class: 'chart', 'data-chart': spec.id });
          figure.appendChild(el('figcaption', {}, spec.title));
          if (c === undefined) root.appendChild(figure);
          else { c.figure.replaceWith(figure); c.plot.destroy(); }
          const plot = new uPlot(chartOptions(spec, width(), figure), data, figure);
          c = { plot, figure, key };
          charts.set(spec.id, c);
        } else {
          c.plot.setData(data);
        }
        c.figure.setAttribute('data-points', String(x.length));
      }
    }

    render(model);
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => { for (const c of charts.values()) c.plot.setSize({ width: width(), height: 220 }); }).observe(root);
    }
    return { update: render };
  }

  window.BarrageCharts = { create, specs };
})();
