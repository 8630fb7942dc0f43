// The controller's dashboard: the list of stored runs, and a run's page with
// its headline figures, threshold table and charts. A finished run is drawn
// from the store (/timeseries, /summary); a running one follows the merged
// interval stream (/events, read with fetch so it can carry the API token).
// A run that ended in error leads with its reason. Figures are printed by
// units.js (core's units.ts), as in the terminal and the reports.
// Everything from the API is written as text, never as markup.
/* global BarrageCharts, BarrageUnits */
(function () {
  'use strict';

  const body = document.body;
  const app = document.getElementById('app');
  const TOKEN_KEY = 'barrage-api-token';

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function headers() {
    const t = sessionStorage.getItem(TOKEN_KEY);
    return t ? { authorization: `Bearer ${t}` } : {};
  }

  /** Off loopback the API wants the token: ask for it once, keep it for this tab. */
  function askToken() {
    return new Promise((resolve) => {
      const form = el('form', { class: 'token' });
      form.appendChild(el('label', { for: 'token' }, 'API token (controller --api-token): '));
      const input = el('input', { id: 'token', type: 'password', autocomplete: 'off' });
      form.appendChild(input);
      form.appendChild(el('button', { type: 'submit' }, 'Use'));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        sessionStorage.setItem(TOKEN_KEY, input.value);
        form.remove();
        resolve();
      });
      app.prepend(form);
      input.focus();
    });
  }

  async function api(path, init) {
    for (;;) {
      const res = await fetch(path, { ...init, headers: { ...headers(), ...(init && init.headers) } });
      if (res.status === 401) { await askToken(); continue; }
      if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
      return res;
    }
  }

  const json = async (path) => (await api(path)).json();
  const U = BarrageUnits;
  const num = U.formatCount;

  // ---- runs list --------------------------------------------------------------------------

  async function runsPage() {
    app.appendChild(el('h1', {}, 'Runs'));
    const runs = await json('/api/v1/runs?limit=200');
    if (runs.length === 0) { app.appendChild(el('p', {}, 'No runs yet: submit one with `controller start --controller URL` or POST /api/v1/runs.')); return; }
    const table = el('table', { class: 'runs' });
    const head = el('tr');
    for (const h of ['run', 'scenario', 'status', 'started', 'ended', 'requests', 'reason']) head.appendChild(el('th', {}, h));
    table.appendChild(head);
    for (const r of runs) {
      const tr = el('tr', { 'data-run': r.id });
      const td = el('td');
      const a = el('a', { href: `/runs/${encodeURIComponent(r.id)}` }, r.id.slice(0, 8));
      td.appendChild(a);
      tr.appendChild(td);
      tr.appendChild(el('td', {}, r.scenario));
      tr.appendChild(el('td', { class: `status ${r.status}` }, r.status));
      tr.appendChild(el('td', {}, r.createdAt ? new Date(r.createdAt).toLocaleString() : '–'));
      tr.appendChild(el('td', {}, r.endedAt ? new Date(r.endedAt).toLocaleString() : '–'));
      tr.appendChild(el('td', { class: 'n' }, num(r.requests)));
      // Why a run ended in error (or was interrupted): the store's reason, else nothing.
      tr.appendChild(el('td', { class: 'reason' }, r.error || ''));
      table.appendChild(tr);
    }
    app.appendChild(table);
  }

  // ---- one run ------------------------------------------------------------------------------

  /** Headline figures: totals over the intervals seen (live), replaced by the summary at the end. */
  function statsBlock() {
    const dl = el('dl', { class: 'stats' });
    const cells = {};
    for (const [key, label] of [['requests', 'requests'], ['rps', 'responses/s (last interval)'], ['p95', 'p95 (last interval)'], ['p95Run', 'p95 (run)'], ['ok', 'ok'], ['rateLimited', '429'], ['failed', 'failed'], ['dropped', 'dropped']]) {
      const div = el('div');
      div.appendChild(el('dt', {}, label));
      cells[key] = el('dd', { 'data-stat': key }, '–');
      div.appendChild(cells[key]);
      dl.appendChild(div);
    }
    return { node: dl, set(key, text) { cells[key].textContent = text; } };
  }

  function thresholdTable(results) {
    const table = el('table', { class: 'thresholds' });
    const head = el('tr');
    for (const h of ['threshold', 'scope', 'value', '']) head.appendChild(el('th', {}, h));
    table.appendChild(head);
    for (const t of results) {
      const tr = el('tr', { class: t.ok ? 'pass' : 'fail', 'data-threshold': t.expr });
      tr.appendChild(el('td', {}, t.expr));
      tr.appendChild(el('td', {}, t.scope));
      tr.appendChild(el('td', { class: 'n' }, U.formatThresholdValue(t.expr, t.value)));
      tr.appendChild(el('td', {}, t.ok ? 'pass' : 'FAIL'));
      table.appendChild(tr);
    }
    return table;
  }

  /** A monitor's figures from the summary, and why polls failed when some did (fields a summary may lack show as nothing). */
  function monitorTable(monitors, requestsByUrl) {
    const box = el('div');
    const table = el('table', { class: 'monitors' });
    const head = el('tr');
    for (const h of ['monitor', 'samples', 'first', 'last', 'growth', 'peak', 'change/s', 'failed polls']) head.appendChild(el('th', {}, h));
    table.appendChild(head);
    for (const [name, m] of Object.entries(monitors)) {
      const tr = el('tr', { 'data-monitor': name });
      tr.appendChild(el('td', {}, name));
      tr.appendChild(el('td', { class: 'n' }, num(m.samples)));
      for (const [k, v] of [['first', m.first], ['last', m.last], ['growth', m.growth], ['max', m.max]]) tr.appendChild(el('td', { class: 'n', 'data-stat': k }, U.formatMonitorValue(name, v)));
      tr.appendChild(el('td', { class: 'n' }, U.formatMonitorRate(name, m.rate)));
      const failed = m.failedPolls ?? m.errors;
      const why = Object.entries(m.failures || {}).map(([reason, n]) => `${reason} ×${num(n)}`).join('; ');
      tr.appendChild(el('td', {}, `${num(failed)}${why ? ` (${why})` : ''}`));
      table.appendChild(tr);
    }
    box.appendChild(table);
    const polled = Object.entries(requestsByUrl || {});
    if (polled.length > 0) box.appendChild(el('p', { class: 'muted', 'data-monitor-requests': '' }, `monitor requests: ${polled.map(([url, n]) => `${url} ×${num(n)}`).join(', ')}`));
    return box;
  }

  /** Reads an SSE stream from fetch: calls onEvent(name, data) for each event until it ends. */
  async function follow(path, onEvent) {
    const res = await api(path, { headers: { accept: 'text/event-stream' } });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        let name = 'message';
        const data = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) name = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length > 0) onEvent(name, JSON.parse(data.join('\n')));
      }
    }
  }

  async function runPage(given) {
    // A unique prefix (the 8 characters the runs list shows) works too: the API resolves it.
    const run = await json(`/api/v1/runs/${encodeURIComponent(given)}`);
    const id = run.id;
    document.title = `barrage · ${run.scenario}`;
    const h1 = el('h1');
    h1.appendChild(el('a', { href: '/' }, 'Runs'));
    h1.appendChild(document.createTextNode(` / ${run.scenario} `));
    const badge = el('span', { class: `status ${run.status}`, 'data-run-status': '' }, run.status);
    h1.appendChild(badge);
    app.appendChild(h1);
    app.appendChild(el('p', { class: 'muted' }, `run ${run.id}${run.target ? ` · target ${run.target}` : ''}`));
    // Why the run ended in error (or was interrupted), first: the figures below are partial.
    const reason = el('p', { class: 'error run-error', 'data-run-error': '' });
    const showReason = (text) => {
      if (!text) return;
      reason.textContent = `This run ended in ${badge.textContent} and its figures are partial: ${text}`;
      if (!reason.isConnected) app.insertBefore(reason, stats.node);
    };
    const stats = statsBlock();
    app.appendChild(stats.node);
    showReason(run.error);
    const thresholds = el('section', { class: 'threshold-box' });
    app.appendChild(thresholds);
    const monitors = el('section', { class: 'monitor-box' });
    app.appendChild(monitors);
    const charts = el('section', { class: 'charts' });
    app.appendChild(charts);
    const notes = el('section', { class: 'notes' });
    app.appendChild(notes);

    // Keyed by names from the run: no prototype, so any name is just a name.
    const model = { intervalMs: null, intervals: [], monitors: Object.create(null) };
    let view;
    const draw = () => { if (view === undefined) view = BarrageCharts.create(charts, model); else view.update(model); };
    const showTotals = () => {
      const sum = (k) => model.intervals.reduce((s, p) => s + (p[k] || 0), 0);
      const last = model.intervals[model.intervals.length - 1];
      stats.set('requests', num(sum('requests')));
      stats.set('ok', num(sum('ok')));
      stats.set('rateLimited', num(sum('rateLimited')));
      stats.set('failed', num(sum('failed')));
      stats.set('dropped', num(sum('dropped')));
      const answers = last ? Object.values(last.status || {}).reduce((n, c) => n + c, 0) : 0;
      stats.set('rps', last ? U.formatRate(answers / (model.intervalMs / 1000)) : U.NO_DATA);
      stats.set('p95', last ? U.formatDuration(last.p95Ms) : U.NO_DATA);
      body.setAttribute('data-intervals', String(model.intervals.length));
    };
    const showThresholds = (results) => {
      thresholds.replaceChildren();
      if (results.length === 0) return;
      thresholds.appendChild(el('h2', {}, 'Thresholds'));
      thresholds.appendChild(thresholdTable(results));
    };
    const finish = async (status) => {
      badge.textContent = status;
      badge.className = `status ${status}`;
      // Nothing recorded (a run that failed before its load): say so rather than show empty charts.
      if (model.intervals.length === 0 && Object.keys(model.monitors).length === 0) charts.replaceChildren(el('p', { class: 'muted', 'data-no-intervals': '' }, 'No interval was recorded for this run.'));
      try {
        const s = await json(`/api/v1/runs/${encodeURIComponent(id)}/summary`);
        const t = s.totals;
        // The summary is the authority once the run is over.
        stats.set('requests', num(t.requests));
        stats.set('ok', num(t.ok));
        stats.set('rateLimited', num(t.rateLimited));
        stats.set('failed', num(t.failed));
        stats.set('dropped', num(t.dropped));
        // Latency exists only for answers (a summary from before `responses` counts its statuses).
        const answered = t.responses ?? Object.values(t.status || {}).reduce((n, c) => n + c, 0);
        stats.set('p95Run', U.formatLatency(t.latencyMs.p95, answered));
        showThresholds(s.thresholds || []);
        showReason(s.run.error);
        monitors.replaceChildren();
        if (Object.keys(s.monitors || {}).length > 0) {
          monitors.appendChild(el('h2', {}, 'Monitors'));
          monitors.appendChild(monitorTable(s.monitors, s.monitorRequests));
        }
        notes.replaceChildren();
        if ((s.run.notes || []).length > 0) {
          notes.appendChild(el('h2', {}, 'Notes'));
          const ul = el('ul');
          for (const n of s.run.notes) ul.appendChild(el('li', {}, n));
          notes.appendChild(ul);
        }
        const links = el('p', { class: 'muted' });
        for (const [href, label] of [['report.html', 'HTML report'], ['report.md', 'Markdown'], ['summary', 'summary JSON'], ['junit.xml', 'JUnit']]) {
          const link = el('a', { href: `/api/v1/runs/${encodeURIComponent(id)}/${href}` }, label);
          // With a token (off loopback) a plain navigation would be refused: fetch with it and save the file.
          link.addEventListener('click', (e) => {
            if (!sessionStorage.getItem(TOKEN_KEY)) return;
            e.preventDefault();
            api(link.getAttribute('href')).then((res) => res.blob()).then((blob) => {
              const save = el('a', { href: URL.createObjectURL(blob), download: `barrage-${id.slice(0, 8)}-${href}` });
              save.click();
              setTimeout(() => URL.revokeObjectURL(save.href), 10000);
            }).catch((err) => notes.appendChild(el('p', { class: 'error' }, err.message)));
          });
          links.appendChild(link);
          links.appendChild(document.createTextNode(' '));
        }
        notes.appendChild(links);
      } catch (err) {
        notes.appendChild(el('p', { class: 'error' }, `no summary: ${err.message}`));
      }
      body.setAttribute('data-ended', status);
    };

    if (run.status !== 'running') {
      const ts = await json(`/api/v1/runs/${encodeURIComponent(id)}/timeseries`);
      model.intervalMs = ts.intervalMs;
      model.intervals = ts.intervals || [];
      model.monitors = Object.assign(Object.create(null), ts.monitors || {});
      draw();
      showTotals();
      await finish(run.status);
      return;
    }
    draw();
    // Followed until its end: a dropped stream (a proxy, or the controller shedding a slow
    // reader) is opened again; the replay brings everything back, so the model starts afresh.
    let ended = false;
    for (let attempt = 0; !ended; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(attempt, 5))));
      model.intervals = [];
      model.monitors = Object.create(null);
      try {
        await follow(`/api/v1/runs/${encodeURIComponent(id)}/events`, (name, data) => {
          if (name === 'start') model.intervalMs = data.intervalMs;
          else if (name === 'interval') {
            // Each interval once, in order (an interval re-sent after late reports replaces the first).
            const at = model.intervals.findIndex((p) => p.interval >= data.interval);
            if (at < 0) model.intervals.push(data);
            else if (model.intervals[at].interval === data.interval) model.intervals[at] = data;
            else model.intervals.splice(at, 0, data);
            draw();
            showTotals();
          } else if (name === 'monitor') {
            (model.monitors[data.name] = model.monitors[data.name] || []).push({ t: data.t, value: data.value });
            draw();
          } else if (name === 'thresholds') showThresholds(data.results || []);
          else if (name === 'end') { ended = true; void finish(data.status); }
        });
      } catch (err) {
        body.setAttribute('data-stream-error', err.message);
      }
    }
  }

  const page = body.getAttribute('data-page');
  const done = page === 'run' ? runPage(body.getAttribute('data-run')) : runsPage();
  done.catch((err) => { app.appendChild(el('p', { class: 'error' }, err.message)); body.setAttribute('data-error', err.message); });
})();
