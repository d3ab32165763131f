// Container detail: facts, limits, live 1 s charts (WatchContainer), history over a chosen range (REST) and the
// container's lifecycle events, drawn as markers on every chart and listed.
import { h, setText, setAttr } from './dom.js';
import { createChart } from './charts.js';
import { bytes, percent, axisBytes, dateTime, shortId, ago, decimalBytes, decimalRate, axisDecimal } from './format.js';
import { hostName, store } from './store.js';
import { RANGES, defaultRangeFor, readHashState, writeHashState, resolveWindow, stepSeconds, isoSeconds } from './timeRange.js';
import { markersPlugin, limitPlugin, normaliseEvents, describeEvent } from './annotations.js';
import { onAlertsChanged, streamedAlerts, alertNamesContainer, alertMarks, mergeAlerts } from './alerts.js';
import { authFetch } from './auth.js';

const LIVE_SECONDS = 600;
const EVENTS_REFRESH_MS = 15_000;
const EVENT_LIST_MAX = 200;
const COLORS = { a: '#4c9aff', b: '#f5a623', c: '#b78cf2', d: '#3fb950', e: '#8b949e' };

const pct = (v) => percent(v, 1);
const axisPct = (v) => `${+v.toFixed(1)}%`;
const axisRate = (v) => axisDecimal(v, '/s');
const cores = (v) => `${+v.toFixed(2)} cores`;

function chartCard(title, unit, testid) {
  const plotEl = h('div', { class: 'plot' });
  const card = h('div', { class: 'chart-card', 'data-testid': testid ?? null },
    h('div', { class: 'chart-title' }, h('span', { text: title }), h('span', { class: 'unit', text: unit })), plotEl);
  return { card, plotEl };
}

export function createContainerView(id, { live, invalidate, navigate }) {
  let container = null;
  let sample = null;
  let lastPointAt = 0;
  let historyError = '';
  let historyAt = 0;
  // The range in the URL (a preset and maybe a zoom); without one, a preset chosen from the container's age.
  const urlState = readHashState(location.hash);
  let rangeState = { range: urlState.range, from: urlState.from, to: urlState.to };
  let rangeChosen = urlState.range != null || urlState.from != null;
  // The requested window [from, to] in seconds: the history x axis always spans it, however few minutes there are.
  let historyRange = null;
  let historyStep = '1m';
  // A sliding window ends now between its refreshes, so an event after the last fetch is already in view.
  const historyXRange = () => (!historyRange ? [Date.now() / 1000 - 6 * 3600, Date.now() / 1000]
    : rangeState.from != null ? historyRange : [historyRange[0], Math.max(historyRange[1], Date.now() / 1000)]);
  // The live x axis ends now, so a marker after the last sample (a kill) is still in view.
  const liveXRange = () => {
    const now = Date.now() / 1000;
    const last = L.ts.length ? L.ts[L.ts.length - 1] : now;
    const end = Math.max(now, last);
    // At least a minute, and back to the oldest event in the last 10 minutes: a start comes before the first sample.
    let start = Math.min(L.ts.length ? L.ts[0] : end, end - 60);
    for (const e of events) if (e.t >= end - LIVE_SECONDS && e.t - 2 < start) start = e.t - 2;
    return [Math.max(start, end - LIVE_SECONDS), end];
  };
  let destroyed = false;
  let events = [];
  let eventsError = '';

  // live series: ts, cpu, user, kernel, mem, rx, tx, rd, wr, throttled share of CFS periods
  const L = { ts: [], cpu: [], user: [], kernel: [], mem: [], rx: [], tx: [], rd: [], wr: [], thr: [] };

  // ---- layout ----
  const title = h('h1', { class: 'c-title', text: shortId(id) });
  const stateBadge = h('span', { class: 'badge' });
  const flags = h('span', { class: 'flags' });
  const subtitle = h('div', { class: 'muted c-sub' });
  const factsEl = h('dl', { class: 'facts' });
  const labelsEl = h('div', { class: 'labels' });
  const kpis = {
    cpu: kpi('CPU', 'kpi-cpu'), cpuLimit: kpi('CPU limit', 'kpi-cpu-limit'), mem: kpi('Memory used / limit', 'kpi-mem'),
    thr: kpi('Throttled periods', 'kpi-throttled'), net: kpi('Net rx / tx', 'kpi-net'), blk: kpi('Block r / w', 'kpi-blk'),
    pids: kpi('PIDs', 'kpi-pids'), restarts: kpi('Restarts', 'kpi-restarts'), lastExit: kpi('Last exit code', 'kpi-last-exit'),
  };
  const liveCards = {
    cpu: chartCard('CPU', '% (100% = 1 core)', 'live-chart-cpu'),
    mem: chartCard('Memory used', 'bytes', 'live-chart-mem'),
    net: chartCard('Network', 'bytes/s', 'live-chart-net'),
    blk: chartCard('Block I/O', 'bytes/s', 'live-chart-blk'),
    thr: chartCard('CPU throttled', '% of CFS periods', 'live-chart-throttled'),
  };
  const histCards = {
    cpu: chartCard('CPU', '% avg · p95 · max', 'history-chart-cpu'),
    mem: chartCard('Memory', 'bytes avg · max', 'history-chart-mem'),
    net: chartCard('Network', 'avg bytes/s', 'history-chart-net'),
    blk: chartCard('Block I/O', 'avg bytes/s', 'history-chart-blk'),
    thr: chartCard('CPU throttled', '% of CFS periods', 'history-chart-throttled'),
  };
  const liveStatus = h('span', { class: 'muted' });
  const histStatus = h('span', { class: 'muted', 'data-testid': 'history-status' });
  const histTitle = h('h2', { text: 'History' });
  const rangeButtons = RANGES.map((r) => h('button', {
    type: 'button', class: 'range-btn', text: r.label, 'data-range': r.key, 'data-testid': `range-${r.key}`,
    onclick: () => setRange(r.key),
  }));
  const zoomReset = h('button', { type: 'button', class: 'range-btn zoom-reset', text: 'Reset zoom', 'data-testid': 'zoom-reset', hidden: true, onclick: () => resetZoom() });
  const picker = h('div', { class: 'range-picker', role: 'group', 'aria-label': 'History range', 'data-testid': 'range-picker' }, ...rangeButtons, zoomReset);
  const eventsStatus = h('span', { class: 'muted' });
  const eventsBody = h('tbody');
  const eventsTable = h('table', { class: 'grid events-table', 'data-testid': 'event-list' },
    h('thead', {}, h('tr', {}, h('th', { text: 'Time' }), h('th', { text: 'Event' }), h('th', { text: 'Exit code' }), h('th', { text: 'Detail' }))),
    eventsBody);

  const root = h('div', { class: 'container-view', 'data-testid': 'container-view', 'data-container-id': id },
    h('div', { class: 'c-head' },
      h('a', { class: 'back', href: '#/', text: '← All containers', onclick: (e) => { e.preventDefault(); navigate('#/'); } }),
      h('div', { class: 'c-titlerow' }, title, stateBadge, flags),
      subtitle),
    h('div', { class: 'kpis' }, ...Object.values(kpis).map((k) => k.el)),
    h('section', { class: 'panel' },
      h('div', { class: 'panel-head' }, h('h2', { text: 'Live · 1 s' }), liveStatus),
      h('div', { class: 'charts' }, ...Object.values(liveCards).map((c) => c.card))),
    h('section', { class: 'panel' },
      h('div', { class: 'panel-head' }, histTitle, picker, histStatus),
      h('div', { class: 'charts' }, ...Object.values(histCards).map((c) => c.card)),
      h('div', { class: 'muted zoom-hint', text: 'Drag across a history chart to zoom in.' })),
    h('section', { class: 'panel' },
      h('div', { class: 'panel-head' }, h('h2', { text: 'Events' }), eventsStatus),
      h('div', { class: 'table-wrap' }, eventsTable)),
    h('section', { class: 'panel' },
      h('div', { class: 'panel-head' }, h('h2', { text: 'Container' })),
      factsEl, labelsEl));

  // ---- charts (created after the root is attached so they know their width) ----
  // Limits in chart units: CPU % (100% = 1 core) and bytes.
  const cpuLimitPct = () => (container?.cpuLimitCores ? container.cpuLimitCores * 100 : null);
  const memLimit = () => container?.memoryLimitBytes ?? null;
  const cpuFloor = () => Math.max(5, cpuLimitPct() ?? 0);
  const memFloor = () => Math.max(1024 * 1024, memLimit() ?? 0);
  const cpuLimitLabel = (v) => `limit ${cores(v / 100)}`;
  const memLimitLabel = (v) => `limit ${bytes(v)}`;
  // Lifecycle events and the alerts that name this container (fetched for the range, then as the stream tells).
  let marks = [];
  let fetchedAlerts = [];
  function updateMarks() {
    const mine = mergeAlerts(fetchedAlerts, streamedAlerts()).filter((a) => alertNamesContainer(a, container ?? { id, name: null }));
    marks = [...events, ...alertMarks(mine)];
    setAttr(root, 'data-alerts', String(mine.filter((a) => a.state === 'firing').length));
  }
  const liveEvents = () => marks;

  let charts = null;
  function makeCharts() {
    const c = (card, o) => createChart(card.plotEl, {
      ...o,
      card: card.card,
      plugins: [markersPlugin(liveEvents, card.card), ...(o.plugins ?? [])],
    });
    const hist = (card, o) => c(card, { ...o, xRange: historyXRange, onZoom: zoomTo });
    const live = (card, o) => c(card, { ...o, xRange: liveXRange });
    const cpuSeries = [
      { label: 'total', color: COLORS.a, fill: true }, { label: 'user', color: COLORS.d, width: 1 },
      { label: 'kernel', color: COLORS.b, width: 1 }];
    const cpuLimitLine = (card) => [limitPlugin(cpuLimitPct, cpuLimitLabel, card.card)];
    const memLimitLine = (card) => [limitPlugin(memLimit, memLimitLabel, card.card)];
    charts = {
      lcpu: live(liveCards.cpu, { series: cpuSeries, value: pct, axis: axisPct, yMaxAtLeast: cpuFloor, plugins: cpuLimitLine(liveCards.cpu) }),
      lmem: live(liveCards.mem, { series: [{ label: 'used', color: COLORS.c, fill: true }], value: bytes, axis: axisBytes, binary: true, yMaxAtLeast: memFloor, plugins: memLimitLine(liveCards.mem) }),
      lnet: live(liveCards.net, { series: [{ label: 'rx', color: COLORS.a, fill: true }, { label: 'tx', color: COLORS.b }], value: decimalRate, axis: axisRate, yMaxAtLeast: 1000 }),
      lblk: live(liveCards.blk, { series: [{ label: 'read', color: COLORS.d, fill: true }, { label: 'write', color: COLORS.b }], value: decimalRate, axis: axisRate, yMaxAtLeast: 1000 }),
      lthr: live(liveCards.thr, { series: [{ label: 'throttled', color: '#f85149', fill: true }], value: pct, axis: axisPct, yMaxAtLeast: 5 }),
      hcpu: hist(histCards.cpu, { series: [
        { label: 'avg', color: COLORS.a, fill: true }, { label: 'p95', color: COLORS.b, width: 1 },
        { label: 'max', color: COLORS.e, width: 1, dash: [4, 3] }], value: pct, axis: axisPct, yMaxAtLeast: cpuFloor, plugins: cpuLimitLine(histCards.cpu) }),
      hmem: hist(histCards.mem, { series: [{ label: 'avg', color: COLORS.c, fill: true }, { label: 'max', color: COLORS.e, width: 1, dash: [4, 3] }], value: bytes, axis: axisBytes, binary: true, yMaxAtLeast: memFloor, plugins: memLimitLine(histCards.mem) }),
      hnet: hist(histCards.net, { series: [{ label: 'rx', color: COLORS.a, fill: true }, { label: 'tx', color: COLORS.b }], value: decimalRate, axis: axisRate, yMaxAtLeast: 1000 }),
      hblk: hist(histCards.blk, { series: [{ label: 'read', color: COLORS.d, fill: true }, { label: 'write', color: COLORS.b }], value: decimalRate, axis: axisRate, yMaxAtLeast: 1000 }),
      hthr: hist(histCards.thr, { series: [{ label: 'throttled', color: '#f85149', fill: true }], value: pct, axis: axisPct, yMaxAtLeast: 5 }),
    };
  }

  // ---- live stream ----
  function pushPoint(p) {
    const t = Date.parse(p.timestamp) / 1000;
    const n = L.ts.length;
    if (n && t <= L.ts[n - 1]) return; // duplicate or out of order
    if (n && t - L.ts[n - 1] > 3) pushGap(L.ts[n - 1] + 1);
    L.ts.push(t); L.cpu.push(p.cpuPercent); L.user.push(p.cpuUserPercent); L.kernel.push(p.cpuKernelPercent);
    L.mem.push(p.memoryUsedBytes); L.rx.push(p.netRxBytesPerSecond); L.tx.push(p.netTxBytesPerSecond);
    L.rd.push(p.blockReadBytesPerSecond); L.wr.push(p.blockWriteBytesPerSecond);
    L.thr.push(p.throttledPercent ?? null);
    const cutoff = t - LIVE_SECONDS;
    let drop = 0;
    while (drop < L.ts.length && L.ts[drop] <= cutoff) drop++;
    if (drop) for (const k in L) L[k].splice(0, drop);
  }
  function pushGap(t) {
    L.ts.push(t);
    for (const k in L) if (k !== 'ts') L[k].push(null);
  }
  function resetLive() { for (const k in L) L[k].length = 0; }

  const pointFromSample = (s) => s && ({
    timestamp: s.timestamp, cpuPercent: s.cpuPercent, cpuUserPercent: s.cpuUserPercent, cpuKernelPercent: s.cpuKernelPercent,
    memoryUsedBytes: s.memoryUsedBytes, netRxBytesPerSecond: s.netRxBytesPerSecond, netTxBytesPerSecond: s.netTxBytesPerSecond,
    blockReadBytesPerSecond: s.blockReadBytesPerSecond, blockWriteBytesPerSecond: s.blockWriteBytesPerSecond, pids: s.pids,
  });
  // The window's points carry no throttling: the share of periods comes with each second's sample.
  const throttledOf = (s) => (s && s.throttledPeriodsRatio != null ? s.throttledPeriodsRatio * 100 : null);
  let lifecycleKey = '';

  const stopStream = live.watch('WatchContainer', [id], {
    onOpen() { setText(liveStatus, 'subscribing…'); },
    onItem(frame) {
      if (!container && frame.container) invalidate(renderEvents); // its name matches alerts
      container = frame.container ?? container;
      sample = frame.sample ?? null;
      if (frame.window) {
        resetLive();
        for (const p of frame.window) pushPoint(p);
      }
      const p = frame.point ?? (frame.window ? null : pointFromSample(frame.sample));
      if (p) pushPoint({ ...p, throttledPercent: throttledOf(frame.sample) });
      lastPointAt = Date.now();
      if (container) {
        if (!rangeChosen) chooseDefaultRange();
        // A lifecycle change seen on the stream (died, restarted, paused, health) has an event to fetch now.
        const key = [container.state, container.health, container.restartCount, container.startedAt, container.finishedAt, container.oomKilled].join('|');
        if (lifecycleKey && key !== lifecycleKey) loadEvents();
        lifecycleKey = key;
      }
      invalidate(render);
    },
    onError(err) {
      setText(liveStatus, `stream error: ${err?.message ?? err} — retrying`);
    },
  });

  // ---- history ----
  const H = { ts: [], cpuAvg: [], cpuP95: [], cpuMax: [], memAvg: [], memMax: [], rx: [], tx: [], rd: [], wr: [], thr: [] };
  let historyAbort = null;
  let historyTimer = 0;

  function chooseDefaultRange() {
    rangeChosen = true;
    const created = Date.parse(container.created);
    const age = Number.isFinite(created) && created > 0 ? (Date.now() - created) / 1000 : NaN;
    // Younger than the smallest preset: since it was created (not written to the URL; it grows into 15 min).
    rangeState = age < RANGES[0].seconds
      ? { range: null, from: null, to: null, since: created / 1000 }
      : { range: defaultRangeFor(age), from: null, to: null };
    loadHistory();
  }
  function setRange(key) {
    rangeChosen = true;
    rangeState = { range: key, from: null, to: null };
    writeHashState(rangeState);
    loadHistory();
    loadEvents();
  }
  function zoomTo(from, to) {
    rangeChosen = true;
    rangeState = { ...rangeState, from: Math.floor(from), to: Math.ceil(to) };
    writeHashState(rangeState);
    loadHistory();
    loadEvents();
  }
  function resetZoom() {
    rangeState = { ...rangeState, from: null, to: null };
    writeHashState(rangeState);
    loadHistory();
    loadEvents();
  }
  function renderPicker() {
    const zoomed = rangeState.from != null;
    for (const b of rangeButtons) {
      const on = !zoomed && b.dataset.range === rangeState.range;
      setAttr(b, 'aria-pressed', on ? 'true' : 'false');
      b.classList.toggle('on', on);
    }
    zoomReset.hidden = !zoomed;
    const w = historyRange;
    const label = zoomed && w
      ? `History · ${new Date(w[0] * 1000).toLocaleString()} – ${new Date(w[1] * 1000).toLocaleTimeString()}`
      : rangeState.range ? `History · last ${RANGES.find((r) => r.key === rangeState.range)?.label ?? ''}` : 'History · since created';
    setText(histTitle, `${label} · step ${historyStep}`);
  }

  async function loadHistory() {
    if (destroyed) return;
    clearTimeout(historyTimer);
    historyAbort?.abort();
    historyAbort = new AbortController();
    const win = resolveWindow(rangeState, Date.now() / 1000);
    // A preset window slides: refresh it every step (at most every minute); a zoom is fixed.
    if (!win.zoomed) historyTimer = setTimeout(loadHistory, Math.min(60, stepSeconds(win.step)) * 1000);
    const from = new Date(win.from * 1000);
    const to = new Date(win.to * 1000);
    const perSecond = stepSeconds(win.step);
    const url = `/api/containers/${encodeURIComponent(id)}/history?from=${encodeURIComponent(isoSeconds(win.from))}&to=${encodeURIComponent(isoSeconds(win.to))}&step=${win.step}`;
    historyStep = win.step;
    historyRange = [win.from, win.to];
    setAttr(root, 'data-history-url', url);
    renderPicker();
    try {
      const res = await authFetch(url, { signal: historyAbort.signal, headers: { accept: 'application/json' } });
      if (!res.ok) {
        let detail = '';
        try { detail = (await res.json()).title ?? ''; } catch { /* not problem+json */ }
        throw new Error(`HTTP ${res.status}${detail ? ' · ' + detail : ''}`);
      }
      const body = await res.json();
      for (const k in H) H[k].length = 0;
      let prev = null;
      for (const m of body.points ?? []) {
        const t = Date.parse(m.minute) / 1000;
        if (prev != null && t - prev > perSecond * 1.5) { // a gap: break the lines
          H.ts.push(prev + perSecond);
          for (const k in H) if (k !== 'ts') H[k].push(null);
        }
        prev = t;
        H.ts.push(t);
        H.cpuAvg.push(m.cpuPercentAvg); H.cpuP95.push(m.cpuPercentP95); H.cpuMax.push(m.cpuPercentMax);
        H.memAvg.push(m.memoryUsedBytesAvg); H.memMax.push(m.memoryUsedBytesMax);
        H.rx.push(m.netRxBytes == null ? null : m.netRxBytes / perSecond); H.tx.push(m.netTxBytes == null ? null : m.netTxBytes / perSecond);
        H.rd.push(m.blockReadBytes / perSecond); H.wr.push(m.blockWriteBytes / perSecond);
        // The share of all the bucket's CFS periods; no periods (no CPU quota, or a row stored before periods were
        // counted) is a gap, not 0.
        H.thr.push(m.throttlePeriods > 0 ? (m.throttledPeriods / m.throttlePeriods) * 100 : null);
      }
      historyRange = [from.getTime() / 1000, to.getTime() / 1000];
      historyError = '';
      historyAt = Date.now();
    } catch (err) {
      if (err.name === 'AbortError') return;
      historyError = err.message ?? String(err);
    }
    if (!destroyed) invalidate(renderHistory);
  }
  // Without a range in the URL the first frame's container age picks one; a container that never streams gets 6 h.
  if (rangeChosen) loadHistory();
  const fallbackTimer = setTimeout(() => { if (!rangeChosen) setRange('6h'); }, 5000);

  // ---- events ----
  let eventsAbort = null;
  let eventsFrom = Date.now() / 1000 - LIVE_SECONDS;
  async function loadEvents() {
    if (destroyed) return;
    eventsAbort?.abort();
    eventsAbort = new AbortController();
    const now = Date.now() / 1000;
    // Cover both the live window and the history window.
    const from = Math.min(now - LIVE_SECONDS, historyRange?.[0] ?? now - LIVE_SECONDS) - 60;
    eventsFrom = from;
    const url = `/api/containers/${encodeURIComponent(id)}/events?from=${encodeURIComponent(isoSeconds(from))}&limit=1000`;
    try {
      const res = await authFetch(url, { signal: eventsAbort.signal, headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = await res.json();
      events = normaliseEvents(body.events);
      eventsError = '';
      const ar = await authFetch(`/api/alerts?from=${encodeURIComponent(isoSeconds(from))}`, { signal: eventsAbort.signal, headers: { accept: 'application/json' } });
      if (ar.ok) fetchedAlerts = await ar.json();
    } catch (err) {
      if (err.name === 'AbortError') return;
      eventsError = err.message ?? String(err);
    }
    if (!destroyed) invalidate(renderEvents);
  }
  loadEvents();
  const eventsTimer = setInterval(loadEvents, EVENTS_REFRESH_MS);
  const stopAlerts = onAlertsChanged(() => { if (!destroyed) invalidate(renderEvents); });

  let eventsKey = '';
  function renderEvents() {
    updateMarks();
    setText(eventsStatus, eventsError ? `could not load: ${eventsError}` : `${events.length} since ${new Date(eventsFrom * 1000).toLocaleString()} · newest first`);
    setAttr(eventsStatus, 'class', eventsError ? 'error' : 'muted');
    const key = events.map((e) => `${e.t}${e.action}`).join(',');
    if (key !== eventsKey) {
      eventsKey = key;
      const shown = events.slice(0, EVENT_LIST_MAX);
      eventsBody.replaceChildren(...(shown.length ? shown.map((e) => h('tr', {
        'data-testid': 'event-row', 'data-action': e.action, 'data-exit-code': e.exitCode ?? null,
      },
      h('td', { class: 'mono', text: new Date(e.t * 1000).toLocaleString() }),
      h('td', { class: `ev ev-${e.action}`, text: e.action.replace('_', ' ') }),
      h('td', { class: 'mono', text: e.exitCode != null ? String(e.exitCode) : '' }),
      h('td', { class: 'muted', text: describeEvent(e) }))) : [h('tr', {}, h('td', { colspan: '4', class: 'muted', text: 'no events in this range' }))]));
    }
    if (charts) for (const c of Object.values(charts)) c.refresh();
  }

  // ---- rendering ----
  function render() {
    if (!charts) return;
    charts.lcpu.setData([L.ts, L.cpu, L.user, L.kernel]);
    charts.lmem.setData([L.ts, L.mem]);
    charts.lnet.setData([L.ts, L.rx, L.tx]);
    charts.lblk.setData([L.ts, L.rd, L.wr]);
    charts.lthr.setData([L.ts, L.thr]);
    setText(liveStatus, L.ts.length ? `${L.ts.length} s of data · updated ${ago(lastPointAt)}` : 'no samples yet');
    renderFacts();
  }

  function renderHistory() {
    if (!charts) return;
    charts.hcpu.setData([H.ts, H.cpuAvg, H.cpuP95, H.cpuMax]);
    charts.hmem.setData([H.ts, H.memAvg, H.memMax]);
    charts.hnet.setData([H.ts, H.rx, H.tx]);
    charts.hblk.setData([H.ts, H.rd, H.wr]);
    charts.hthr.setData([H.ts, H.thr]);
    // The plotted shares, readable without hovering every bucket (at most one value per minute of the range).
    setAttr(histCards.thr.card, 'data-values', JSON.stringify(H.thr.map((v) => (v == null ? null : +v.toFixed(3)))));
    renderPicker();
    const n = H.ts.length;
    const unit = historyStep === '1m' ? 'minutes' : `points of ${historyStep}`;
    setText(histStatus, historyError ? `could not load: ${historyError}` :
      `${n} ${unit} · refreshed ${new Date(historyAt).toLocaleTimeString()}`);
    setAttr(histStatus, 'class', historyError ? 'error' : 'muted');
  }

  let factsKey = '';
  function renderFacts() {
    const c = container;
    if (!c) return;
    setText(title, c.name);
    let st = c.state;
    if ((c.state === 'exited' || c.state === 'dead') && c.exitCode != null) st += ` (${c.exitCode})`;
    setText(stateBadge, st);
    setAttr(stateBadge, 'class', `badge state-${c.state}`);
    setText(flags, [c.oomKilled ? 'OOM killed' : '', c.health && c.health !== 'none' ? c.health : ''].filter(Boolean).join(' · '));
    setAttr(flags, 'class', `flags${c.oomKilled ? ' oom' : ''} health-${c.health ?? ''}`);
    const hs = store.hosts.get(c.hostId)?.status;
    setText(subtitle, `${c.image} · on ${hostName(c.hostId)}${hs && hs !== 'up' ? ` (host ${hs})` : ''} · ${shortId(c.id)}`);
    const s = sample;
    setText(kpis.cpu.v, s ? percent(s.cpuPercent) : '–');
    const limitCores = c.cpuLimitCores;
    setText(kpis.cpuLimit.v, limitCores ? `${cores(limitCores)}${c.cpuSet ? ` · cpuset ${c.cpuSet}` : ''}` : c.cpuSet ? `cpuset ${c.cpuSet}` : 'no limit');
    const memLimitBytes = c.memoryLimitBytes ?? (s?.memoryLimited ? s.memoryLimitBytes : null);
    setText(kpis.mem.v, s ? `${bytes(s.memoryUsedBytes)} / ${memLimitBytes ? bytes(memLimitBytes) : 'no limit'}` : '–');
    setText(kpis.thr.v, s ? percent(s.throttledPeriodsRatio * 100, 1) : '–');
    // Rates and totals in docker's decimal units; the totals are cumulative since the container started.
    setText(kpis.net.v, !s ? '–' : s.netRxBytesPerSecond == null ? 'not measured'
      : `${decimalRate(s.netRxBytesPerSecond)} / ${decimalRate(s.netTxBytesPerSecond)}`);
    setText(kpis.net.sub, s && s.netRxBytes != null ? `total ${decimalBytes(s.netRxBytes)} / ${decimalBytes(s.netTxBytes)}` : '');
    setText(kpis.blk.v, s ? `${decimalRate(s.blockReadBytesPerSecond)} / ${decimalRate(s.blockWriteBytesPerSecond)}` : '–');
    setText(kpis.blk.sub, s ? `total ${decimalBytes(s.blockReadBytes)} / ${decimalBytes(s.blockWriteBytes)}` : '');
    setText(kpis.pids.v, s ? `${s.pids}${s.pidsLimit ? ' / ' + s.pidsLimit : ''}` : '–');
    setText(kpis.restarts.v, String(c.restartCount ?? 0));
    setText(kpis.lastExit.v, c.lastExitCode != null ? String(c.lastExitCode) : '–');
    setAttr(kpis.lastExit.el, 'class', `kpi${c.lastExitCode ? ' kpi-bad' : ''}`);
    setAttr(kpis.restarts.el, 'class', `kpi${c.restartCount ? ' kpi-warn' : ''}`);

    const key = JSON.stringify([c.state, c.health, c.exitCode, c.oomKilled, c.startedAt, c.finishedAt, c.labels, c.removed,
      c.restartCount, c.lastExitCode, c.cpuLimitCores, c.cpuSet, c.memoryLimitBytes]);
    if (key === factsKey) return;
    factsKey = key;
    const facts = [
      ['Image', c.image], ['Container id', c.id], ['Host', hostName(c.hostId)],
      ['Compose project', c.composeProject ?? '–'], ['Compose service', c.composeService ?? '–'],
      ['State', c.state + (c.removed ? ' (removed)' : '')], ['Health', c.health ?? '–'],
      ['Created', dateTime(c.created)], ['Started', dateTime(c.startedAt)], ['Finished', dateTime(c.finishedAt)],
      ['Exit code', c.exitCode ?? '–'], ['OOM killed', c.oomKilled ? 'yes' : 'no'],
      ['Restarts', c.restartCount ?? 0], ['Last exit code', c.lastExitCode ?? '–'],
      ['CPU limit', c.cpuLimitCores ? cores(c.cpuLimitCores) : 'none'], ['CPU set', c.cpuSet ?? 'all'],
      ['Memory limit', c.memoryLimitBytes ? bytes(c.memoryLimitBytes) : 'none'],
    ];
    factsEl.replaceChildren(...facts.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: String(v) })]));
    const labels = Object.entries(c.labels ?? {}).sort(([a], [b]) => a.localeCompare(b));
    labelsEl.replaceChildren(
      h('h3', { text: `Labels (${labels.length})` }),
      labels.length
        ? h('table', { class: 'grid labels-table' }, h('tbody', {}, ...labels.map(([k, v]) => h('tr', {}, h('td', { class: 'mono', text: k }), h('td', { class: 'mono', text: v })))))
        : h('div', { class: 'muted', text: 'none' }));
  }

  return {
    root,
    mounted() {
      makeCharts();
      render();
      renderHistory();
      renderEvents();
    },
    destroy() {
      destroyed = true;
      stopStream();
      stopAlerts();
      clearTimeout(historyTimer);
      clearTimeout(fallbackTimer);
      clearInterval(eventsTimer);
      historyAbort?.abort();
      eventsAbort?.abort();
      if (charts) for (const c of Object.values(charts)) c.destroy();
    },
  };
}

function kpi(label, testid) {
  const v = h('div', { class: 'kpi-v', text: '–', 'data-testid': testid });
  const sub = h('div', { class: 'kpi-s muted' });
  return { v, sub, el: h('div', { class: 'kpi' }, h('div', { class: 'kpi-l', text: label }), v, sub) };
}
