// One Compose or Swarm service across hosts (#/services/{kind}/{name}): its containers on every host side by side,
// live from the WatchAll frames, with the service's summed history from GET /api/services/{kind}/{name}/history.
// GET /api/services/{kind}/{name} adds what the frames cannot know: members on hosts this Api has no frame of, and
// whether the aggregate is incomplete (missingHosts).
import { authFetch } from './auth.js';
import { h, setText, setAttr } from './dom.js';
import { createChart } from './charts.js';
import { store, hostName, freshness, serverNow, composeService, swarmService } from './store.js';
import { bytes, percent, axisBytes, siRate, shortAge } from './format.js';
import { worseHealth } from './filters.js';
import { markersPlugin } from './annotations.js';
import { onAlertsChanged, streamedAlerts, alertSelectsService, alertMarks, mergeAlerts, scalingMarks } from './alerts.js';

const HISTORY_MINUTES = 60;
const REST_REFRESH_MS = 10_000;

export function createServiceView(kind, name, { invalidate }) {
  const nameOf = kind === 'compose' ? composeService : swarmService;
  const api = `/api/services/${kind}/${encodeURIComponent(name)}`;
  let detail = null; // the REST answer
  let detailError = '';

  const kpi = (label, testid) => {
    const v = h('div', { class: 'kpi-v', 'data-testid': testid });
    return { el: h('div', { class: 'kpi' }, h('div', { class: 'kpi-l', text: label }), v), v };
  };
  const k = {
    count: kpi('Running / total', 'service-count'),
    cpu: kpi('CPU Σ', 'service-cpu'),
    mem: kpi('Memory Σ', 'service-mem'),
    net: kpi('Net rx / tx Σ', 'service-net'),
    health: kpi('Worst health', 'service-health'),
  };
  const incomplete = h('div', { class: 'host-out-notice', 'data-testid': 'service-incomplete', hidden: true });
  const status = h('span', { class: 'muted' });
  const hostsGrid = h('div', { class: 'svc-hosts', 'data-testid': 'service-hosts' });
  const histStatus = h('span', { class: 'muted' });
  const cpuCard = h('div', { class: 'chart-card', 'data-testid': 'service-chart-cpu' }, h('div', { class: 'chart-title' }, h('span', { text: 'CPU per minute, summed' }), h('span', { class: 'unit', text: '% avg · max' })), h('div', { class: 'plot', 'data-testid': 'service-history-cpu' }));
  const memCard = h('div', { class: 'chart-card', 'data-testid': 'service-chart-mem' }, h('div', { class: 'chart-title' }, h('span', { text: 'Memory per minute, summed' }), h('span', { class: 'unit', text: 'bytes avg · max' })), h('div', { class: 'plot', 'data-testid': 'service-history-mem' }));
  const root = h('div', { class: 'service-view', 'data-testid': 'service-view', 'data-kind': kind, 'data-name': name },
    h('div', { class: 'c-head' },
      h('a', { class: 'back', href: `#/?group=${kind}`, text: `← all ${kind === 'compose' ? 'Compose' : 'Swarm'} services` }),
      h('div', { class: 'c-titlerow' }, h('h1', { class: 'c-title', text: name }), h('span', { class: 'badge', text: `${kind} service` }), status)),
    h('div', { class: 'kpis' }, ...Object.values(k).map((x) => x.el)),
    incomplete,
    h('section', { class: 'panel' }, h('div', { class: 'panel-head' }, h('h2', { text: 'Containers by host' })), hostsGrid),
    h('section', { class: 'panel' },
      h('div', { class: 'panel-head' }, h('h2', { text: `History · last ${HISTORY_MINUTES} minutes` }), h('div', { class: 'spacer' }), histStatus),
      h('div', { class: 'charts' }, cpuCard, memCard)));

  // ---- live members: the frames' containers of this service, plus stored members of hosts without a frame ----
  function members() {
    const out = [];
    const seen = new Set();
    for (const x of store.containers.values()) {
      if (nameOf(x.container) !== name) continue;
      out.push(x);
      seen.add(x.container.id);
    }
    for (const m of detail?.members ?? []) {
      if (seen.has(m.container.id) || store.hosts.get(m.hostId)?.status === 'up') continue;
      out.push({ container: m.container, sample: null, hostId: m.hostId, sampleAt: 0, hostStatus: m.hostStatus, hostNameHint: m.hostName });
    }
    return out;
  }

  const cards = new Map(); // hostId -> { el, head, fresh, body, rows: Map }
  function card(hostId) {
    let c = cards.get(hostId);
    if (c) return c;
    const head = h('a', { class: 'svc-host-name', href: `#/hosts/${encodeURIComponent(hostId)}` });
    const fresh = h('div', { class: 'svc-host-fresh', 'data-testid': 'service-host-freshness' });
    const body = h('tbody');
    const el = h('div', { class: 'svc-host', 'data-testid': 'service-host', 'data-host-id': hostId },
      h('div', { class: 'svc-host-head' }, h('span', { class: 'pill' }), head),
      fresh,
      h('table', { class: 'grid svc-members' },
        h('thead', {}, h('tr', {}, th('Container'), th('State'), th('CPU %', 'num'), th('Memory', 'num'), th('Sample age', 'num'))),
        body));
    c = { el, head, fresh, body, rows: new Map() };
    cards.set(hostId, c);
    return c;
  }
  function memberRow(c, id) {
    let r = c.rows.get(id);
    if (r) return r;
    const link = h('a', { href: `#/containers/${encodeURIComponent(id)}` });
    const cells = { name: h('td', { class: 'name' }, link), state: h('td', { class: 'state' }, h('span', { class: 'badge' })), cpu: h('td', { class: 'num' }), mem: h('td', { class: 'num' }), age: h('td', { class: 'num' }) };
    const tr = h('tr', { 'data-testid': 'service-member', 'data-container-id': id }, ...Object.values(cells));
    r = { tr, cells, link };
    c.rows.set(id, r);
    return r;
  }

  function render() {
    const now = serverNow();
    const list = members();
    const byHost = new Map();
    let running = 0;
    let cpu = 0;
    let mem = 0;
    let rx = null;
    let tx = null;
    let health = null;
    const namespaces = new Set();
    for (const x of list) {
      if (!byHost.has(x.hostId)) byHost.set(x.hostId, []);
      byHost.get(x.hostId).push(x);
      if (x.container.state === 'running') running++;
      health = worseHealth(health, x.container.health);
      const s = x.sample;
      if (!s) continue;
      cpu += s.cpuPercent;
      mem += s.memoryUsedBytes;
      if (s.netRxBytesPerSecond != null && !(x.netns && namespaces.has(x.netns))) {
        if (x.netns) namespaces.add(x.netns);
        rx = (rx ?? 0) + s.netRxBytesPerSecond;
        tx = (tx ?? 0) + (s.netTxBytesPerSecond ?? 0);
      }
    }
    setText(k.count.v, `${running} / ${list.length}`);
    setText(k.cpu.v, percent(cpu));
    setText(k.mem.v, bytes(mem));
    setText(k.net.v, rx == null ? 'not measured' : `${siRate(rx)} / ${siRate(tx)}`);
    setText(k.health.v, health ?? 'no checks');

    // Missing hosts: any host of a member that is not up now, and what the Api said it cannot see.
    const missing = new Map();
    for (const [hostId, xs] of byHost) {
      const st = store.hosts.get(hostId);
      const stat = st?.status ?? xs[0].hostStatus ?? 'down';
      if (stat !== 'up') missing.set(hostId, `${st?.host?.name ?? xs[0].hostNameHint ?? hostId} is ${stat}${st?.error ? ': ' + st.error : ''}`);
    }
    for (const hostId of detail?.service?.missingHosts ?? []) {
      if (!missing.has(hostId) && store.hosts.get(hostId)?.status !== 'up') {
        const sh = detail.service.hosts.find((x) => x.hostId === hostId);
        missing.set(hostId, `${sh?.name ?? hostId} is ${sh?.status ?? 'down'}${sh?.error ? ': ' + sh.error : ''}`);
      }
    }
    incomplete.hidden = missing.size === 0;
    setText(incomplete, missing.size ? `Incomplete: the sums leave out what these hosts cannot report. ${[...missing.values()].join(' · ')}` : '');
    setAttr(root, 'data-incomplete', missing.size ? 'true' : 'false');
    setText(status, detailError ? `could not load: ${detailError}` : list.length === 0 && detail === null ? 'loading…' : list.length === 0 ? 'no containers belong to this service now' : `${list.length} containers on ${byHost.size} host${byHost.size === 1 ? '' : 's'}`);

    // Host cards, by host name, side by side.
    const hostIds = [...byHost.keys()].sort((a, b) => hostName(a).localeCompare(hostName(b)) || a.localeCompare(b));
    hostIds.forEach((hostId, i) => {
      const c = card(hostId);
      const st = store.hosts.get(hostId);
      const xs = byHost.get(hostId).sort((a, b) => a.container.name.localeCompare(b.container.name));
      const stat = st?.status ?? xs[0].hostStatus ?? 'down';
      setAttr(c.el, 'class', `svc-host status-${stat}`);
      setAttr(c.el, 'data-status', stat);
      setText(c.el.querySelector('.pill'), stat);
      setText(c.head, st?.host?.name ? hostName(hostId) : xs[0].hostNameHint ?? hostId);
      const f = freshness(hostId, st?.upAt, now);
      setText(c.fresh, stat !== 'up' ? `${st?.error ?? 'no frame from this host'}` : f.stale ? `stale · newest frame ${shortAge(f.age)} old` : `live · ${shortAge(f.age)} ago · ${xs.filter((x) => x.container.state === 'running').length} / ${xs.length} running`);
      setAttr(c.fresh, 'class', `svc-host-fresh${stat !== 'up' || f.stale ? ' error' : ''}`);
      const keep = new Set();
      xs.forEach((x, j) => {
        const r = memberRow(c, x.container.id);
        keep.add(x.container.id);
        const s = x.sample;
        setText(r.link, x.container.name);
        setText(r.cells.state.firstChild, x.container.state + (x.container.health ? ` · ${x.container.health}` : ''));
        setAttr(r.tr, 'class', `state-${x.container.state}${stat !== 'up' ? ' host-out' : ''}`);
        setText(r.cells.cpu, s ? percent(s.cpuPercent) : '–');
        setText(r.cells.mem, s ? bytes(s.memoryUsedBytes) : '–');
        const live = x.container.state === 'running' || x.container.state === 'paused';
        const fa = freshness(hostId, x.sampleAt, now);
        setText(r.cells.age, x.sampleAt ? (fa.stale || stat !== 'up' ? `stale · ${shortAge(fa.age)}` : shortAge(fa.age)) : live ? 'no sample' : '–');
        if (c.body.children[j] !== r.tr) c.body.insertBefore(r.tr, c.body.children[j] ?? null);
      });
      for (const [id, r] of c.rows) if (!keep.has(id)) { r.tr.remove(); c.rows.delete(id); }
      if (hostsGrid.children[i] !== c.el) hostsGrid.insertBefore(c.el, hostsGrid.children[i] ?? null);
    });
    for (const [hostId, c] of cards) if (!byHost.has(hostId)) { c.el.remove(); cards.delete(hostId); }
  }

  // ---- REST: the service's members and completeness ----
  let abort = new AbortController();
  async function loadDetail() {
    try {
      const res = await authFetch(api, { signal: abort.signal, headers: { accept: 'application/json' } });
      if (res.status === 404) {
        detail = { service: null, members: [] };
        detailError = `no ${kind} service named '${name}' on any host`;
      } else if (!res.ok) {
        throw new Error(await problemText(res));
      } else {
        detail = await res.json();
        detailError = '';
      }
    } catch (err) {
      if (err.name === 'AbortError') return;
      detailError = err.message ?? String(err);
    }
    invalidate(render);
  }

  // ---- markers: alerts of rules that select this service, and (Swarm) the autoscaler's decisions ----
  let fetchedAlerts = [];
  let scaling = [];
  let marks = [];
  function updateMarks() {
    const mine = mergeAlerts(fetchedAlerts, streamedAlerts()).filter((a) => alertSelectsService(a, kind, name));
    marks = [...alertMarks(mine), ...scalingMarks(scaling)];
    setAttr(root, 'data-alerts', String(mine.filter((a) => a.state === 'firing').length));
    charts?.cpu.refresh();
    charts?.mem.refresh();
  }
  const stopAlerts = onAlertsChanged(() => invalidate(updateMarks));

  // ---- history ----
  let charts = null;
  let range = null;
  async function loadHistory() {
    const to = new Date();
    const from = new Date(to.getTime() - HISTORY_MINUTES * 60_000);
    try {
      const res = await authFetch(`${api}/history?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}&step=1m`, { signal: abort.signal, headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(await problemText(res));
      const body = await res.json();
      const ts = body.points.map((p) => Date.parse(p.minute) / 1000);
      range = [from.getTime() / 1000, to.getTime() / 1000];
      charts?.cpu.setData([ts, body.points.map((p) => p.cpuPercentAvg), body.points.map((p) => p.cpuPercentMax)]);
      charts?.mem.setData([ts, body.points.map((p) => p.memoryUsedBytesAvg), body.points.map((p) => p.memoryUsedBytesMax)]);
      scaling = body.scaling ?? [];
      const ar = await authFetch(`/api/alerts?from=${encodeURIComponent(from.toISOString())}`, { signal: abort.signal, headers: { accept: 'application/json' } });
      if (ar.ok) fetchedAlerts = await ar.json();
      updateMarks();
      setText(histStatus, `${ts.length} minutes over ${body.containers.length} containers · refreshed ${to.toLocaleTimeString()}`);
      setAttr(histStatus, 'class', 'muted');
    } catch (err) {
      if (err.name === 'AbortError') return;
      setText(histStatus, `history could not load: ${err.message ?? err}`);
      setAttr(histStatus, 'class', 'error');
    }
  }

  let restTimer = 0;
  let historyTimer = 0;
  return {
    root,
    mounted() {
      // Ends now, so a decision or alert after the last fetch is in view.
      const xRange = () => (range ? [range[0], Math.max(range[1], Date.now() / 1000)] : [Date.now() / 1000 - HISTORY_MINUTES * 60, Date.now() / 1000]);
      charts = {
        cpu: createChart(cpuCard.querySelector('.plot'), { card: cpuCard, plugins: [markersPlugin(() => marks, cpuCard)], series: [{ label: 'avg', color: '#4c9aff', fill: true }, { label: 'max', color: '#f0883e', width: 1, dash: [4, 3] }], value: (v) => percent(v), axis: (v) => `${Number(v.toPrecision(3))}%`, yMaxAtLeast: 5, xRange }),
        mem: createChart(memCard.querySelector('.plot'), { card: memCard, plugins: [markersPlugin(() => marks, memCard)], series: [{ label: 'avg', color: '#b78cf2', fill: true }, { label: 'max', color: '#f0883e', width: 1, dash: [4, 3] }], value: bytes, axis: axisBytes, binary: true, yMaxAtLeast: 1024 * 1024, xRange }),
      };
      loadDetail();
      loadHistory();
      restTimer = setInterval(loadDetail, REST_REFRESH_MS);
      historyTimer = setInterval(loadHistory, 60_000);
      invalidate(render);
    },
    onFrame() { invalidate(render); },
    destroy() {
      abort.abort();
      abort = new AbortController();
      stopAlerts();
      clearInterval(restTimer);
      clearInterval(historyTimer);
      charts?.cpu.destroy();
      charts?.mem.destroy();
      charts = null;
    },
  };
}

async function problemText(res) {
  try {
    const p = await res.json();
    return `${res.status} ${p.title ?? ''}${p.detail ? ': ' + p.detail : ''}`;
  } catch {
    return `${res.status} ${res.statusText}`;
  }
}

function th(label, cls) {
  return h('th', { class: cls ?? null, scope: 'col' }, label);
}
