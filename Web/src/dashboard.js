// Hosts list plus the live containers table across all hosts (or one selected host).
import { h, setText, setAttr } from './dom.js';
import { store, hostName } from './store.js';
import { bytes, rate, percent, ago } from './format.js';

const STATUS_LABEL = { up: 'up', down: 'down', unreachable: 'unreachable' };

export function createDashboard({ navigate }) {
  const view = {
    filter: '',
    hostFilter: null,
    sort: { key: 'name', dir: 1 },
  };

  // ---- hosts ----
  const hostsBody = h('tbody');
  const hostRows = new Map();
  const hostsSection = h('section', { class: 'panel' },
    h('div', { class: 'panel-head' }, h('h2', { text: 'Hosts' }), h('span', { class: 'muted', id: 'hosts-summary' })),
    h('div', { class: 'table-wrap hosts-wrap' },
      h('table', { class: 'grid hosts' },
        h('thead', {}, h('tr', {},
          th('Status'), th('Host'), th('CPUs', 'num'), th('Memory', 'num'), th('Docker'), th('cgroup'),
          th('Stats source'), th('Containers', 'num'), th('CPU Σ', 'num'), th('Mem Σ', 'num'), th('Last seen / error'))),
        hostsBody)));
  const hostsSummary = hostsSection.querySelector('#hosts-summary');

  function hostRow(id) {
    let r = hostRows.get(id);
    if (r) return r;
    const cells = {
      status: h('td', { class: 'status' }, h('span', { class: 'pill' })),
      name: h('td', { class: 'name' }),
      cpus: h('td', { class: 'num' }),
      mem: h('td', { class: 'num' }),
      docker: h('td'),
      cgroup: h('td'),
      source: h('td'),
      count: h('td', { class: 'num' }),
      cpu: h('td', { class: 'num' }),
      used: h('td', { class: 'num' }),
      seen: h('td', { class: 'seen' }),
    };
    const tr = h('tr', {
      'data-testid': 'host-row', 'data-host-id': id, title: 'Show only this host\'s containers',
      onclick: () => navigate(view.hostFilter === id ? '#/' : `#/hosts/${encodeURIComponent(id)}`),
    }, ...Object.values(cells));
    r = { tr, cells };
    hostRows.set(id, r);
    return r;
  }

  function renderHosts() {
    const now = Date.now();
    const hosts = [...store.hosts.values()].sort((a, b) =>
      (a.host?.name ?? a.hostId).localeCompare(b.host?.name ?? b.hostId));
    let up = 0;
    const seen = new Set();
    hosts.forEach((x, i) => {
      seen.add(x.hostId);
      const { tr, cells } = hostRow(x.hostId);
      const info = x.host;
      if (x.status === 'up') up++;
      setAttr(tr, 'data-status', x.status);
      setAttr(tr, 'class', `status-${x.status}${view.hostFilter === x.hostId ? ' selected' : ''}`);
      setText(cells.status.firstChild, STATUS_LABEL[x.status] ?? x.status);
      setText(cells.name, info?.name ?? x.hostId);
      setAttr(cells.name, 'title', info ? `${info.operatingSystem} · kernel ${info.kernelVersion}` : x.hostId);
      setText(cells.cpus, info ? String(info.cpus) : '–');
      setText(cells.mem, info ? bytes(info.memoryTotalBytes) : '–');
      setText(cells.docker, info ? `${info.dockerVersion} (API ${info.apiVersion})` : '–');
      setText(cells.cgroup, info ? `v${String(info.cgroupVersion).replace(/^v/, '')} · ${info.cgroupDriver}` : '–');
      setText(cells.source, info?.statsSource ?? '–');
      setText(cells.count, `${x.containersRunning} / ${x.containersTotal}`);
      setText(cells.cpu, x.status === 'up' ? percent(x.cpuPercent, 1) : '–');
      setAttr(cells.cpu, 'title', info ? `sum of container CPU % (100% = one core, the host has ${info.cpus * 100}%)` : '');
      setText(cells.used, x.status === 'up' ? bytes(x.memoryUsedBytes) : '–');
      const seenText = x.status === 'up' ? 'live' : `last seen ${ago(x.lastSeen, now)}${x.error ? ' · ' + x.error : ''}`;
      setText(cells.seen, seenText);
      setAttr(cells.seen, 'title', x.error ?? '');
      if (hostsBody.children[i] !== tr) hostsBody.insertBefore(tr, hostsBody.children[i] ?? null);
    });
    for (const [id, r] of hostRows) if (!seen.has(id)) { r.tr.remove(); hostRows.delete(id); }
    setText(hostsSummary, `${up} of ${hosts.length} up`);
  }

  // ---- containers ----
  const filterInput = h('input', {
    type: 'search', placeholder: 'Filter by name…', 'data-testid': 'name-filter', autocomplete: 'off', spellcheck: 'false',
    oninput: (e) => { view.filter = e.target.value.trim().toLowerCase(); schedule(); },
  });
  const hostChip = h('button', { class: 'chip', hidden: true, onclick: () => navigate('#/'), title: 'Show all hosts' });
  const countLabel = h('span', { class: 'muted' });
  const sortHeads = {};
  const sortable = (key, label, cls, testid) => {
    const el = th(label, `sortable ${cls ?? ''}`);
    if (testid) el.setAttribute('data-testid', testid);
    el.addEventListener('click', () => {
      const numeric = key === 'cpu' || key === 'mem' || key === 'memPct';
      view.sort = view.sort.key === key ? { key, dir: -view.sort.dir } : { key, dir: numeric ? -1 : 1 };
      schedule();
    });
    sortHeads[key] = el;
    return el;
  };
  const body = h('tbody');
  const empty = h('div', { class: 'empty', text: 'Waiting for data…' });
  const containersSection = h('section', { class: 'panel grow' },
    h('div', { class: 'panel-head' },
      h('h2', { text: 'Containers' }), hostChip, countLabel, h('div', { class: 'spacer' }), filterInput),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'grid containers' },
        h('thead', {}, h('tr', {},
          sortable('name', 'Name'), sortable('host', 'Host'), sortable('state', 'State'),
          sortable('cpu', 'CPU %', 'num', 'sort-cpu'), sortable('mem', 'Mem usage / limit', 'num', 'sort-mem'),
          sortable('memPct', 'Mem %', 'num'), th('Net rx / tx', 'num'), th('Block read / write', 'num'), th('PIDs', 'num'))),
        body),
      empty));

  const rows = new Map(); // containerId -> { tr, cells }
  let lastOrder = [];

  function containerRow(id) {
    let r = rows.get(id);
    if (r) return r;
    const cells = {
      name: h('td', { class: 'name' }, h('span', { class: 'cname' }), h('span', { class: 'sub' })),
      host: h('td', { class: 'host' }),
      state: h('td', { class: 'state' }, h('span', { class: 'badge' }), h('span', { class: 'flag' })),
      cpu: h('td', { class: 'num bar', 'data-testid': 'cpu' }),
      mem: h('td', { class: 'num', 'data-testid': 'mem' }),
      memPct: h('td', { class: 'num bar' }),
      net: h('td', { class: 'num' }),
      blk: h('td', { class: 'num' }),
      pids: h('td', { class: 'num' }),
    };
    const tr = h('tr', { 'data-testid': 'container-row', 'data-container-id': id }, ...Object.values(cells));
    r = { tr, cells, bars: { cpu: -1, mem: -1 } };
    rows.set(id, r);
    return r;
  }

  body.addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-container-id]');
    if (tr) navigate(`#/containers/${encodeURIComponent(tr.dataset.containerId)}`);
  });

  const sortValue = {
    name: (x) => x.container.name,
    host: (x) => hostName(x.hostId) + '\u0000' + x.container.name,
    state: (x) => x.container.state + '\u0000' + x.container.name,
    cpu: (x) => x.sample?.cpuPercent ?? -1,
    mem: (x) => x.sample?.memoryUsedBytes ?? -1,
    memPct: (x) => (x.sample?.memoryLimited ? x.sample.memoryPercent : -1),
  };

  function visibleContainers() {
    const out = [];
    const f = view.filter;
    for (const x of store.containers.values()) {
      if (view.hostFilter && x.hostId !== view.hostFilter) continue;
      if (f && !x.container.name.toLowerCase().includes(f)) continue;
      out.push(x);
    }
    const { key, dir } = view.sort;
    const get = sortValue[key];
    out.sort((a, b) => {
      const va = get(a);
      const vb = get(b);
      const c = typeof va === 'number' ? va - vb : va.localeCompare(vb);
      return c !== 0 ? c * dir : a.container.name.localeCompare(b.container.name);
    });
    return out;
  }

  function setBar(td, r, key, pct) {
    const v = Math.round(Math.max(0, Math.min(100, pct)));
    if (r.bars[key] !== v) {
      r.bars[key] = v;
      td.style.setProperty('--p', v + '%');
    }
  }

  function renderContainers() {
    const list = visibleContainers();
    const order = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      const c = x.container;
      const s = x.sample;
      const r = containerRow(c.id);
      order[i] = c.id;
      const hostStatus = store.hosts.get(x.hostId)?.status ?? 'up';
      const { cells, tr } = r;
      setAttr(tr, 'data-state', c.state);
      setAttr(tr, 'class', `state-${c.state}${hostStatus !== 'up' ? ' host-out' : ''}`);
      setText(cells.name.firstChild, c.name);
      setText(cells.name.lastChild, c.composeProject ? `${c.composeProject}/${c.composeService ?? ''}` : c.image);
      setAttr(cells.name, 'title', `${c.name}\n${c.image}\n${c.id}`);
      setText(cells.host, hostName(x.hostId));
      let stateText = c.state;
      if (c.state === 'exited' || c.state === 'dead') stateText += c.exitCode != null ? ` (${c.exitCode})` : '';
      setText(cells.state.firstChild, stateText);
      const flag = c.oomKilled ? 'OOM' : c.health && c.health !== 'none' ? c.health : '';
      setText(cells.state.lastChild, flag);
      setAttr(cells.state.lastChild, 'class', `flag ${c.oomKilled ? 'oom' : 'health-' + (c.health ?? '')}`);
      if (s) {
        setText(cells.cpu, percent(s.cpuPercent));
        setBar(cells.cpu, r, 'cpu', s.cpuPercent); // a full bar is one busy core
        setText(cells.mem, `${bytes(s.memoryUsedBytes)} / ${s.memoryLimited ? bytes(s.memoryLimitBytes) : 'no limit'}`);
        setText(cells.memPct, s.memoryLimited ? percent(s.memoryPercent) : '–');
        setBar(cells.memPct, r, 'mem', s.memoryLimited ? s.memoryPercent : 0);
        setText(cells.net, `${rate(s.netRxBytesPerSecond)} / ${rate(s.netTxBytesPerSecond)}`);
        setText(cells.blk, `${rate(s.blockReadBytesPerSecond)} / ${rate(s.blockWriteBytesPerSecond)}`);
        setText(cells.pids, String(s.pids));
      } else {
        for (const k of ['cpu', 'mem', 'memPct', 'net', 'blk', 'pids']) setText(cells[k], '–');
        setBar(cells.cpu, r, 'cpu', 0);
        setBar(cells.memPct, r, 'mem', 0);
      }
    }
    // Remove rows that left, then fix the order only when it changed (moving nodes, never re-creating).
    const keep = new Set(order);
    for (const [id, r] of rows) if (!keep.has(id)) { r.tr.remove(); rows.delete(id); }
    let same = order.length === lastOrder.length;
    for (let i = 0; same && i < order.length; i++) same = order[i] === lastOrder[i];
    if (!same) {
      for (let i = 0; i < order.length; i++) {
        const tr = rows.get(order[i]).tr;
        if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] ?? null);
      }
      lastOrder = order;
    }
    const total = view.hostFilter ? (store.byHost.get(view.hostFilter)?.size ?? 0) : store.containers.size;
    setText(countLabel, list.length === total ? `${total}` : `${list.length} of ${total}`);
    empty.hidden = list.length > 0;
    setText(empty, store.awaitingSnapshot ? 'Waiting for data…' : 'No containers match.');
    for (const [key, el] of Object.entries(sortHeads)) {
      setAttr(el, 'aria-sort', view.sort.key === key ? (view.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
    }
    hostChip.hidden = !view.hostFilter;
    if (view.hostFilter) setText(hostChip, `host: ${hostName(view.hostFilter)} ×`);
  }

  const root = h('div', { class: 'dashboard' }, hostsSection, containersSection);
  let onSchedule = () => {};
  function schedule() { onSchedule(); }

  return {
    root,
    setHostFilter(id) { view.hostFilter = id; },
    render() { renderHosts(); renderContainers(); },
    onInvalidate(fn) { onSchedule = fn; },
  };
}

function th(label, cls) {
  return h('th', { class: cls ?? null, scope: 'col' }, label);
}
