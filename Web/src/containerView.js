// Container detail: facts, live 1 s charts (WatchContainer) and 1-minute history (REST, last 6 hours).
import { h, setText, setAttr } from './dom.js';
import { createChart } from './charts.js';
import { bytes, rate, percent, axisBytes, dateTime, shortId, ago } from './format.js';
import { hostName, store } from './store.js';
import { authFetch } from './auth.js';

const LIVE_SECONDS = 600;
const HISTORY_HOURS = 6;
const COLORS = { a: '#4c9aff', b: '#f5a623', c: '#b78cf2', d: '#3fb950', e: '#8b949e' };

const pct = (v) => percent(v, 1);
const axisPct = (v) => `${+v.toFixed(1)}%`;
const axisRate = (v) => axisBytes(v, '/s');

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
  // The requested window [from, to] in seconds: the history x axis always spans it, however few minutes there are.
  let historyRange = null;
  const historyXRange = () => historyRange ?? [Date.now() / 1000 - HISTORY_HOURS * 3600, Date.now() / 1000];
  let destroyed = false;

  // live series: ts, cpu, user, kernel, mem, rx, tx, rd, wr, pids
  const L = { ts: [], cpu: [], user: [], kernel: [], mem: [], rx: [], tx: [], rd: [], wr: [] };

  // ---- layout ----
  const title = h('h1', { class: 'c-title', text: shortId(id) });
  const stateBadge = h('span', { class: 'badge' });
  const flags = h('span', { class: 'flags' });
  const subtitle = h('div', { class: 'muted c-sub' });
  const factsEl = h('dl', { class: 'facts' });
  const labelsEl = h('div', { class: 'labels' });
  const kpis = {
    cpu: kpi('CPU'), mem: kpi('Memory'), net: kpi('Net rx / tx'), blk: kpi('Block r / w'), pids: kpi('PIDs'),
  };
  const liveCards = {
    cpu: chartCard('CPU', '% (100% = 1 core)', 'live-chart-cpu'),
    mem: chartCard('Memory used', 'bytes', 'live-chart-mem'),
    net: chartCard('Network', 'bytes/s', 'live-chart-net'),
    blk: chartCard('Block I/O', 'bytes/s', 'live-chart-blk'),
  };
  const histCards = {
    cpu: chartCard('CPU per minute', '% avg · p95 · max', 'history-chart-cpu'),
    mem: chartCard('Memory per minute', 'bytes avg · max', 'history-chart-mem'),
    net: chartCard('Network per minute', 'avg bytes/s', 'history-chart-net'),
    blk: chartCard('Block I/O per minute', 'avg bytes/s', 'history-chart-blk'),
  };
  const liveStatus = h('span', { class: 'muted' });
  const histStatus = h('span', { class: 'muted' });

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
      h('div', { class: 'panel-head' }, h('h2', { text: `History · 1 min · last ${HISTORY_HOURS} h` }), histStatus),
      h('div', { class: 'charts' }, ...Object.values(histCards).map((c) => c.card))),
    h('section', { class: 'panel' },
      h('div', { class: 'panel-head' }, h('h2', { text: 'Container' })),
      factsEl, labelsEl));

  // ---- charts (created after the root is attached so they know their width) ----
  let charts = null;
  function makeCharts() {
    const c = (card, o) => createChart(card.plotEl, o);
    charts = {
      lcpu: c(liveCards.cpu, { series: [
        { label: 'total', color: COLORS.a, fill: true }, { label: 'user', color: COLORS.d, width: 1 },
        { label: 'kernel', color: COLORS.b, width: 1 }], value: pct, axis: axisPct, yMaxAtLeast: 5 }),
      lmem: c(liveCards.mem, { series: [{ label: 'used', color: COLORS.c, fill: true }], value: bytes, axis: axisBytes, binary: true, yMaxAtLeast: 1024 * 1024 }),
      lnet: c(liveCards.net, { series: [{ label: 'rx', color: COLORS.a, fill: true }, { label: 'tx', color: COLORS.b }], value: rate, axis: axisRate, binary: true, yMaxAtLeast: 1024 }),
      lblk: c(liveCards.blk, { series: [{ label: 'read', color: COLORS.d, fill: true }, { label: 'write', color: COLORS.b }], value: rate, axis: axisRate, binary: true, yMaxAtLeast: 1024 }),
      hcpu: c(histCards.cpu, { series: [
        { label: 'avg', color: COLORS.a, fill: true }, { label: 'p95', color: COLORS.b, width: 1 },
        { label: 'max', color: COLORS.e, width: 1, dash: [4, 3] }], value: pct, axis: axisPct, yMaxAtLeast: 5, xRange: historyXRange }),
      hmem: c(histCards.mem, { series: [{ label: 'avg', color: COLORS.c, fill: true }, { label: 'max', color: COLORS.e, width: 1, dash: [4, 3] }], value: bytes, axis: axisBytes, binary: true, yMaxAtLeast: 1024 * 1024, xRange: historyXRange }),
      hnet: c(histCards.net, { series: [{ label: 'rx', color: COLORS.a, fill: true }, { label: 'tx', color: COLORS.b }], value: rate, axis: axisRate, binary: true, yMaxAtLeast: 1024, xRange: historyXRange }),
      hblk: c(histCards.blk, { series: [{ label: 'read', color: COLORS.d, fill: true }, { label: 'write', color: COLORS.b }], value: rate, axis: axisRate, binary: true, yMaxAtLeast: 1024, xRange: historyXRange }),
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

  const stopStream = live.watch('WatchContainer', [id], {
    onOpen() { setText(liveStatus, 'subscribing…'); },
    onItem(frame) {
      container = frame.container ?? container;
      sample = frame.sample ?? null;
      if (frame.window) {
        resetLive();
        for (const p of frame.window) pushPoint(p);
      }
      const p = frame.point ?? (frame.window ? null : pointFromSample(frame.sample));
      if (p) pushPoint(p);
      lastPointAt = Date.now();
      invalidate(render);
    },
    onError(err) {
      setText(liveStatus, `stream error: ${err?.message ?? err} — retrying`);
    },
  });

  // ---- history ----
  const H = { ts: [], cpuAvg: [], cpuP95: [], cpuMax: [], memAvg: [], memMax: [], rx: [], tx: [], rd: [], wr: [] };
  let historyAbort = null;
  async function loadHistory() {
    historyAbort?.abort();
    historyAbort = new AbortController();
    const to = new Date();
    const from = new Date(to.getTime() - HISTORY_HOURS * 3600_000);
    const url = `/api/containers/${encodeURIComponent(id)}/history?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}&step=1m`;
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
        if (prev != null && t - prev > 90) { // a gap: break the lines
          H.ts.push(prev + 60);
          for (const k in H) if (k !== 'ts') H[k].push(null);
        }
        prev = t;
        H.ts.push(t);
        H.cpuAvg.push(m.cpuPercentAvg); H.cpuP95.push(m.cpuPercentP95); H.cpuMax.push(m.cpuPercentMax);
        H.memAvg.push(m.memoryUsedBytesAvg); H.memMax.push(m.memoryUsedBytesMax);
        H.rx.push(m.netRxBytes == null ? null : m.netRxBytes / 60); H.tx.push(m.netTxBytes == null ? null : m.netTxBytes / 60);
        H.rd.push(m.blockReadBytes / 60); H.wr.push(m.blockWriteBytes / 60);
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
  loadHistory();
  const historyTimer = setInterval(loadHistory, 60_000);

  // ---- rendering ----
  function render() {
    if (!charts) return;
    charts.lcpu.setData([L.ts, L.cpu, L.user, L.kernel]);
    charts.lmem.setData([L.ts, L.mem]);
    charts.lnet.setData([L.ts, L.rx, L.tx]);
    charts.lblk.setData([L.ts, L.rd, L.wr]);
    setText(liveStatus, L.ts.length ? `${L.ts.length} s of data · updated ${ago(lastPointAt)}` : 'no samples yet');
    renderFacts();
  }

  function renderHistory() {
    if (!charts) return;
    charts.hcpu.setData([H.ts, H.cpuAvg, H.cpuP95, H.cpuMax]);
    charts.hmem.setData([H.ts, H.memAvg, H.memMax]);
    charts.hnet.setData([H.ts, H.rx, H.tx]);
    charts.hblk.setData([H.ts, H.rd, H.wr]);
    setText(histStatus, historyError ? `could not load: ${historyError}` :
      `${H.ts.length} minutes · refreshed ${new Date(historyAt).toLocaleTimeString()}`);
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
    setText(kpis.mem.v, s ? `${bytes(s.memoryUsedBytes)} / ${s.memoryLimited ? bytes(s.memoryLimitBytes) : 'no limit'}` : '–');
    setText(kpis.net.v, s ? `${rate(s.netRxBytesPerSecond)} / ${rate(s.netTxBytesPerSecond)}` : '–');
    setText(kpis.blk.v, s ? `${rate(s.blockReadBytesPerSecond)} / ${rate(s.blockWriteBytesPerSecond)}` : '–');
    setText(kpis.pids.v, s ? `${s.pids}${s.pidsLimit ? ' / ' + s.pidsLimit : ''}` : '–');

    const key = JSON.stringify([c.state, c.health, c.exitCode, c.oomKilled, c.startedAt, c.finishedAt, c.labels, c.removed]);
    if (key === factsKey) return;
    factsKey = key;
    const facts = [
      ['Image', c.image], ['Container id', c.id], ['Host', hostName(c.hostId)],
      ['Compose project', c.composeProject ?? '–'], ['Compose service', c.composeService ?? '–'],
      ['State', c.state + (c.removed ? ' (removed)' : '')], ['Health', c.health ?? '–'],
      ['Created', dateTime(c.created)], ['Started', dateTime(c.startedAt)], ['Finished', dateTime(c.finishedAt)],
      ['Exit code', c.exitCode ?? '–'], ['OOM killed', c.oomKilled ? 'yes' : 'no'],
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
    },
    destroy() {
      destroyed = true;
      stopStream();
      clearInterval(historyTimer);
      historyAbort?.abort();
      if (charts) for (const c of Object.values(charts)) c.destroy();
    },
  };
}

function kpi(label) {
  const v = h('div', { class: 'kpi-v', text: '–' });
  return { v, el: h('div', { class: 'kpi' }, h('div', { class: 'kpi-l', text: label }), v) };
}
