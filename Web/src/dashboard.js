// Hosts list plus the live containers table across all hosts (or one selected host): filtered, sorted and optionally
// grouped by host, Compose service or Swarm service, with the view state in the URL.
//
// Scale: rows are keyed (container id, group key) and created once; each render writes only the cells whose text
// changed (compared with the last text written, without reading the DOM) and moves rows only when the order changed.
import { h, setText, setAttr } from './dom.js';
import { store, hostName, freshness, serverNow, composeService, swarmService } from './store.js';
import { bytes, percent, ago, siBytes, siRate, shortAge } from './format.js';
import { STATE_CHIPS, GROUPINGS, defaultDir, viewQuery, compileFilter, matchesStates, groupOf, worseHealth } from './filters.js';

const STATUS_LABEL = { up: 'up', down: 'down', unreachable: 'unreachable' };
const GROUP_LABEL = { none: 'no grouping', host: 'host', compose: 'Compose service', swarm: 'Swarm service' };

/** Container columns: key, header, class, data-testid of the header (sortable when it has a sort key). */
const COLUMNS = [
  ['name', 'Name', 'name'],
  ['host', 'Host', 'host'],
  ['state', 'State', 'state'],
  ['cpu', 'CPU %', 'num bar', 'sort-cpu'],
  ['throttled', 'Throttled', 'num', 'sort-throttled'],
  ['mem', 'Mem usage / limit', 'num', 'sort-mem'],
  ['memPct', 'Mem %', 'num bar bar-mem'],
  ['net', 'Net rx / tx', 'num io'],
  ['blk', 'Block read / write', 'num io'],
  ['pids', 'PIDs', 'num'],
  ['restarts', 'Restarts', 'num', 'sort-restarts'],
  ['exit', 'Last exit', 'num'],
  ['age', 'Sample age', 'num age'],
];
const TITLES = {
  throttled: 'Share of CPU periods in the last interval in which the container was throttled by its CPU quota (a group shows its most throttled container)',
  net: 'Rate in decimal units as docker stats prints them; below, the totals since the container started',
  blk: 'Rate in decimal units as docker stats prints them; below, the totals since the container started',
  restarts: 'How many times Docker restarted the container (its restart policy)',
  exit: 'Exit code of the most recent exit, kept while a restarted container runs again',
  age: 'Age of the newest sample; stale when older than three sampling intervals',
};

// One collator for every string comparison: String.prototype.localeCompare builds its comparison state per call.
const collator = new Intl.Collator();

export function createDashboard({ navigate }) {
  const view = {
    filter: '',
    states: new Set(),
    hostFilter: null,
    sort: { key: 'name', dir: 1 },
    group: 'none',
  };
  const expanded = new Set(); // group keys shown open

  /** Writes the view state into the URL without a navigation (no hashchange, no history entry). */
  function syncUrl() {
    const base = view.hostFilter ? `#/hosts/${encodeURIComponent(view.hostFilter)}` : '#/';
    const hash = base + viewQuery(view);
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }
  function changed() {
    syncUrl();
    schedule();
  }

  // ---- hosts ----
  const hostsBody = h('tbody');
  const hostRows = new Map();
  const hostsSection = h('section', { class: 'panel' },
    h('div', { class: 'panel-head' }, h('h2', { text: 'Hosts' }), h('span', { class: 'muted', id: 'hosts-summary' })),
    h('div', { class: 'table-wrap hosts-wrap' },
      h('table', { class: 'grid hosts' },
        h('thead', {}, h('tr', {},
          th('Status'), th('Host'), th('CPUs', 'num opt'), th('Memory', 'num opt'), th('Docker', 'opt'), th('cgroup', 'opt'),
          th('Stats source', 'opt'), th('Containers', 'num'), th('CPU Σ', 'num'), th('Mem Σ', 'num'), th('Freshness / cause'))),
        hostsBody)));
  const hostsSummary = hostsSection.querySelector('#hosts-summary');

  function hostRow(id) {
    let r = hostRows.get(id);
    if (r) return r;
    const cells = {
      status: h('td', { class: 'status' }, h('span', { class: 'pill' })),
      name: h('td', { class: 'name' }, h('a', { href: `#/hosts/${encodeURIComponent(id)}`, tabindex: '-1' })),
      cpus: h('td', { class: 'num opt' }),
      mem: h('td', { class: 'num opt' }),
      docker: h('td', { class: 'opt' }),
      cgroup: h('td', { class: 'opt' }),
      source: h('td', { class: 'opt' }),
      count: h('td', { class: 'num' }),
      cpu: h('td', { class: 'num' }),
      used: h('td', { class: 'num' }),
      seen: h('td', { class: 'seen', 'data-testid': 'host-freshness' }),
    };
    const tr = h('tr', {
      'data-testid': 'host-row', 'data-host-id': id, title: 'Show only this host\'s containers',
      onclick: (e) => {
        if (e.target.closest('a')) return;
        navigate(view.hostFilter === id ? '#/' : `#/hosts/${encodeURIComponent(id)}`);
      },
    }, ...Object.values(cells));
    r = { tr, cells };
    hostRows.set(id, r);
    return r;
  }

  /** What a host row says about its freshness: the age of its newest sample, or why it has none. */
  function hostFreshnessText(x, now) {
    const f = freshness(x.hostId, x.upAt, now);
    if (x.status !== 'up') {
      const since = x.lastSeen ? `last seen ${ago(x.lastSeen, now + (store.clockOffset ?? 0))}` : 'never reached';
      return { text: `${x.status} · ${since}${x.error ? ' · ' + x.error : ''}`, stale: true };
    }
    if (f.stale) return { text: `stale · newest frame ${shortAge(f.age)} old`, stale: true };
    return { text: `live · ${shortAge(f.age)} ago`, stale: false };
  }

  function renderHosts(now) {
    const hosts = [...store.hosts.values()].sort((a, b) => collator.compare(hostName(a.hostId), hostName(b.hostId)));
    let up = 0;
    const seen = new Set();
    hosts.forEach((x, i) => {
      seen.add(x.hostId);
      const { tr, cells } = hostRow(x.hostId);
      const info = x.host;
      if (x.status === 'up') up++;
      const fresh = hostFreshnessText(x, now);
      setAttr(tr, 'data-status', x.status);
      setAttr(tr, 'data-stale', fresh.stale ? 'true' : 'false');
      setAttr(tr, 'class', `status-${x.status}${fresh.stale ? ' stale' : ''}${view.hostFilter === x.hostId ? ' selected' : ''}`);
      setText(cells.status.firstChild, STATUS_LABEL[x.status] ?? x.status);
      setText(cells.name.firstChild, hostName(x.hostId));
      setAttr(cells.name, 'title', info ? `${info.operatingSystem} · kernel ${info.kernelVersion}\n${x.hostId}` : x.hostId);
      setText(cells.cpus, info ? String(info.cpus) : '–');
      setText(cells.mem, info ? bytes(info.memoryTotalBytes) : '–');
      setText(cells.docker, info ? `${info.dockerVersion} (API ${info.apiVersion})` : '–');
      setText(cells.cgroup, info ? `v${String(info.cgroupVersion).replace(/^v/, '')} · ${info.cgroupDriver}` : '–');
      setText(cells.source, info?.statsSource ?? '–');
      setText(cells.count, `${x.containersRunning} / ${x.containersTotal}`);
      setText(cells.cpu, x.status === 'up' ? percent(x.cpuPercent, 1) : '–');
      setAttr(cells.cpu, 'title', info ? `sum of container CPU % (100% = one core, the host has ${info.cpus * 100}%)` : '');
      setText(cells.used, x.status === 'up' ? bytes(x.memoryUsedBytes) : '–');
      setText(cells.seen, fresh.text);
      setAttr(cells.seen, 'title', fresh.text);
      if (hostsBody.children[i] !== tr) hostsBody.insertBefore(tr, hostsBody.children[i] ?? null);
    });
    for (const [id, r] of hostRows) if (!seen.has(id)) { r.tr.remove(); hostRows.delete(id); }
    setText(hostsSummary, `${up} of ${hosts.length} up`);
  }

  // ---- containers: controls ----
  const filterInput = h('input', {
    type: 'search', placeholder: 'Filter: name, image, service, label=value, id…  ( / )', 'data-testid': 'name-filter',
    autocomplete: 'off', spellcheck: 'false', 'aria-label': 'Filter containers',
    oninput: (e) => { view.filter = e.target.value; changed(); },
    onkeydown: (e) => {
      if (e.key === 'ArrowDown') { e.preventDefault(); focusRow(0); }
      else if (e.key === 'Escape') filterInput.blur();
    },
  });
  const groupSelect = h('select', {
    'data-testid': 'group-select', 'aria-label': 'Group containers by',
    onchange: (e) => { view.group = e.target.value; changed(); },
  }, ...GROUPINGS.map((g) => h('option', { value: g, text: g === 'none' ? 'no grouping' : `by ${GROUP_LABEL[g]}` })));
  const chips = new Map(STATE_CHIPS.map((s) => [s, h('button', {
    class: `chip state-chip chip-${s}`, type: 'button', 'data-testid': `state-chip-${s}`, 'aria-pressed': 'false', text: s,
    onclick: () => { if (view.states.has(s)) view.states.delete(s); else view.states.add(s); changed(); },
  })]));
  const hostChip = h('button', { class: 'chip', hidden: true, onclick: () => navigate('#/' + viewQuery(view)), title: 'Show all hosts' });
  const countLabel = h('span', { class: 'muted', 'data-testid': 'container-count' });
  const outNotice = h('div', { class: 'host-out-notice', 'data-testid': 'host-out-notice', hidden: true });
  const sortHeads = {};
  const head = h('tr', {}, ...COLUMNS.map(([key, label, cls, testid]) => {
    const el = th(label, `sortable ${cls}`);
    if (testid) el.setAttribute('data-testid', testid);
    if (TITLES[key]) el.title = TITLES[key];
    el.addEventListener('click', () => {
      view.sort = view.sort.key === key ? { key, dir: -view.sort.dir } : { key, dir: defaultDir(key) };
      changed();
    });
    sortHeads[key] = el;
    return el;
  }));
  const body = h('tbody');
  const empty = h('div', { class: 'empty', 'data-testid': 'containers-empty', text: 'Waiting for data…' });
  const containersSection = h('section', { class: 'panel grow' },
    h('div', { class: 'panel-head wrap' },
      h('h2', { text: 'Containers' }), hostChip, countLabel, h('div', { class: 'spacer' }),
      h('div', { class: 'chips' }, ...chips.values()), groupSelect, filterInput),
    outNotice,
    h('div', { class: 'table-wrap' },
      h('table', { class: 'grid containers' }, h('thead', {}, head), body),
      empty));

  // ---- containers: rows ----
  const rows = new Map(); // key ('c:' + id | 'g:' + group key) -> row
  // Rows far outside the viewport keep their cells until they come near it: with a thousand rows, writing only what
  // can be seen keeps an update's scripting and layout small. Order, filter and sort still use every container.
  const nearViewport = new IntersectionObserver((entries) => {
    let revealed = false;
    for (const e of entries) {
      const r = rows.get(e.target.dataset.key);
      if (!r) continue;
      if (e.isIntersecting && !r.visible) revealed = true;
      r.visible = e.isIntersecting;
    }
    if (revealed) schedule();
  }, { rootMargin: '400px 0px' });
  function track(r) {
    r.visible = true;
    r.drawn = false;
    nearViewport.observe(r.tr);
    return r;
  }
  let lastOrder = [];
  let focusedKey = null;

  function put(r, key, text) {
    if (r.v[key] !== text) {
      r.v[key] = text;
      r.cells[key].textContent = text;
    }
  }
  function put2(r, key, line1, line2) {
    const [a, b] = r.p[key];
    if (r.v[key] !== line1) { r.v[key] = line1; a.textContent = line1; }
    const k2 = key + '2';
    if (r.v[k2] !== line2) { r.v[k2] = line2; b.textContent = line2; }
  }
  function attr(r, name, value) {
    if (r.a[name] !== value) {
      r.a[name] = value;
      r.tr.setAttribute(name, value);
    }
  }
  function bar(r, key, pct) {
    const v = Math.round(Math.max(0, Math.min(100, pct)));
    if (r.bars[key] !== v) {
      r.bars[key] = v;
      r.cells[key].style.setProperty('--p', v + '%');
    }
  }

  function makeCells(link) {
    const cells = {};
    for (const [key, label, cls] of COLUMNS) {
      const td = h('td', { class: cls, 'data-label': label });
      if (key === 'cpu' || key === 'mem') td.setAttribute('data-testid', key);
      cells[key] = td;
    }
    const p = {
      name: [link, h('span', { class: 'sub' })],
      state: [h('span', { class: 'badge' }), h('span', { class: 'flag' })],
      net: [h('span', { class: 'rate' }), h('span', { class: 'total' })],
      blk: [h('span', { class: 'rate' }), h('span', { class: 'total' })],
    };
    for (const [k, parts] of Object.entries(p)) cells[k].append(...parts);
    cells.throttled.setAttribute('data-testid', 'throttled');
    cells.restarts.setAttribute('data-testid', 'restarts');
    cells.exit.setAttribute('data-testid', 'exit');
    cells.age.setAttribute('data-testid', 'age');
    return { cells, p };
  }

  function containerRow(id) {
    const key = 'c:' + id;
    let r = rows.get(key);
    if (r) return r;
    const href = `#/containers/${encodeURIComponent(id)}`;
    const { cells, p } = makeCells(h('a', { class: 'cname', href, tabindex: '-1' }));
    const tr = h('tr', { 'data-testid': 'container-row', 'data-container-id': id, 'data-key': key, 'data-href': href, tabindex: '-1' }, ...Object.values(cells));
    r = track({ key, tr, cells, p, v: {}, a: {}, bars: { cpu: -1, memPct: -1 } });
    rows.set(key, r);
    return r;
  }

  function groupRow(g) {
    const key = 'g:' + g.key;
    let r = rows.get(key);
    if (r) return r;
    const href = g.kind === 'host' ? `#/hosts/${encodeURIComponent(g.name)}`
      : g.kind ? `#/services/${g.kind}/${encodeURIComponent(g.name)}` : null;
    const toggle = h('button', { class: 'toggle', type: 'button', tabindex: '-1', 'aria-label': 'Show containers', 'data-testid': 'group-toggle' });
    const link = href ? h('a', { class: 'cname', href, tabindex: '-1' }) : h('span', { class: 'cname' });
    const { cells, p } = makeCells(link);
    cells.name.prepend(toggle);
    const tr = h('tr', {
      class: 'group', 'data-testid': 'group-row', 'data-group': g.key, 'data-key': key, tabindex: '-1', 'aria-expanded': 'false',
      'data-href': href ?? '',
    }, ...Object.values(cells));
    cells.toggle = toggle;
    r = track({ key, tr, cells, p, v: {}, a: {}, bars: { cpu: -1, memPct: -1 }, groupKey: g.key });
    rows.set(key, r);
    return r;
  }

  function toggleGroup(groupKey, open = !expanded.has(groupKey)) {
    if (open) expanded.add(groupKey); else expanded.delete(groupKey);
    schedule();
  }

  body.addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-key]');
    if (!tr) return;
    const r = rows.get(tr.dataset.key);
    if (!r) return;
    if (r.groupKey != null) {
      // The group's name is a link to its page; anywhere else on the row opens or closes it.
      if (!e.target.closest('a')) toggleGroup(r.groupKey);
      return;
    }
    if (!e.target.closest('a')) navigate(tr.dataset.href);
  });
  body.addEventListener('focusin', (e) => {
    const tr = e.target.closest('tr[data-key]');
    if (tr) setFocusKey(tr.dataset.key);
  });
  body.addEventListener('keydown', (e) => {
    const tr = e.target.closest('tr[data-key]');
    if (!tr) return;
    const r = rows.get(tr.dataset.key);
    const i = lastOrder.indexOf(tr.dataset.key);
    if (e.key === 'ArrowDown' || e.key === 'j') { e.preventDefault(); focusRow(Math.min(lastOrder.length - 1, i + 1)); }
    else if (e.key === 'ArrowUp' || e.key === 'k') { e.preventDefault(); if (i <= 0) filterInput.focus(); else focusRow(i - 1); }
    else if (e.key === 'Home') { e.preventDefault(); focusRow(0); }
    else if (e.key === 'End') { e.preventDefault(); focusRow(lastOrder.length - 1); }
    else if (e.key === 'Enter') { e.preventDefault(); if (tr.dataset.href) navigate(tr.dataset.href); }
    else if (r?.groupKey != null && (e.key === 'ArrowRight' || e.key === ' ')) { e.preventDefault(); toggleGroup(r.groupKey, e.key === ' ' ? undefined : true); }
    else if (r?.groupKey != null && e.key === 'ArrowLeft') { e.preventDefault(); toggleGroup(r.groupKey, false); }
  });

  /** Roving focus: one row is in the tab order at a time. */
  function setFocusKey(key) {
    if (focusedKey === key) return;
    const old = focusedKey && rows.get(focusedKey);
    if (old) old.tr.tabIndex = -1;
    focusedKey = key;
    const r = rows.get(key);
    if (r) r.tr.tabIndex = 0;
  }
  function focusRow(i) {
    const key = lastOrder[i];
    if (key == null) return;
    setFocusKey(key);
    const tr = rows.get(key).tr;
    tr.focus({ preventScroll: true });
    tr.scrollIntoView({ block: 'nearest' });
  }

  // "/" focuses the filter from anywhere on the dashboard.
  document.addEventListener('keydown', (e) => {
    if (e.key !== '/' || !root.isConnected || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t?.isContentEditable) return;
    e.preventDefault();
    filterInput.focus();
    filterInput.select();
  });

  const sortValue = {
    name: (x) => x.container.name,
    host: (x) => hostName(x.hostId) + '\u0000' + x.container.name,
    state: (x) => x.container.state + '\u0000' + x.container.name,
    cpu: (x) => x.sample?.cpuPercent ?? -1,
    throttled: (x) => x.sample?.throttledPeriodsRatio ?? -1,
    mem: (x) => x.sample?.memoryUsedBytes ?? -1,
    memPct: (x) => (x.sample?.memoryLimited ? x.sample.memoryPercent : -1),
    net: (x) => (x.sample?.netRxBytesPerSecond ?? -1) + (x.sample?.netTxBytesPerSecond ?? 0),
    blk: (x) => (x.sample ? x.sample.blockReadBytesPerSecond + x.sample.blockWriteBytesPerSecond : -1),
    pids: (x) => x.sample?.pids ?? -1,
    restarts: (x) => x.container.restartCount ?? 0,
    exit: (x) => lastExit(x.container) ?? -1,
    age: (x) => (x.sampleAt ? -x.sampleAt : -Infinity),
  };

  let filterText = null;
  let filterFn = null;
  function visibleContainers() {
    if (filterText !== view.filter) {
      filterText = view.filter;
      filterFn = compileFilter(view.filter);
    }
    // Each key is read once per container, not twice per comparison (a thousand rows are ten thousand comparisons).
    const get = sortValue[view.sort.key];
    const dir = view.sort.dir;
    const keyed = [];
    for (const x of store.containers.values()) {
      if (view.hostFilter && x.hostId !== view.hostFilter) continue;
      if (!matchesStates(view.states, x.container)) continue;
      if (filterFn && !filterFn(x)) continue;
      keyed.push({ x, k: get(x), n: x.container.name });
    }
    keyed.sort((a, b) => {
      const c = typeof a.k === 'number' ? a.k - b.k : collator.compare(a.k, b.k);
      return c !== 0 ? c * dir : collator.compare(a.n, b.n);
    });
    return keyed.map((e) => e.x);
  }

  function renderContainerRow(r, x, now) {
    if (r.drawn && !r.visible) return;
    r.drawn = true;
    const c = x.container;
    const s = x.sample;
    const host = store.hosts.get(x.hostId);
    const hostOut = host && host.status !== 'up';
    const live = c.state === 'running' || c.state === 'paused';
    const f = freshness(x.hostId, x.sampleAt, now);
    const stale = hostOut || (live && f.stale);
    attr(r, 'data-state', c.state);
    attr(r, 'data-stale', stale ? 'true' : 'false');
    attr(r, 'class', `state-${c.state}${hostOut ? ' host-out' : ''}${stale ? ' stale' : ''}`);
    if (r.v.title !== c.id) {
      r.v.title = c.id;
      r.cells.name.title = `${c.name}\n${c.image}\n${c.id}`;
    }
    const svc = composeService(c) ?? swarmService(c);
    put2(r, 'name', c.name, svc ? `${svc} · ${c.image}` : c.image);
    put(r, 'host', hostName(x.hostId));
    let stateText = c.state;
    if ((c.state === 'exited' || c.state === 'dead') && c.exitCode != null) stateText += ` (${c.exitCode})`;
    put2(r, 'state', stateText, c.oomKilled ? 'OOM' : c.health && c.health !== 'none' ? c.health : '');
    const flagClass = `flag ${c.oomKilled ? 'oom' : 'health-' + (c.health ?? '')}`;
    if (r.v.flagClass !== flagClass) { r.v.flagClass = flagClass; r.p.state[1].className = flagClass; }
    if (s) {
      put(r, 'cpu', percent(s.cpuPercent));
      bar(r, 'cpu', s.cpuPercent); // a full bar is one busy core
      put(r, 'throttled', percent(s.throttledPeriodsRatio * 100, 0));
      put(r, 'mem', `${bytes(s.memoryUsedBytes)} / ${s.memoryLimited ? bytes(s.memoryLimitBytes) : 'no limit'}`);
      put(r, 'memPct', s.memoryLimited ? percent(s.memoryPercent) : '–');
      bar(r, 'memPct', s.memoryLimited ? s.memoryPercent : 0);
      put2(r, 'net', `${siRate(s.netRxBytesPerSecond)} / ${siRate(s.netTxBytesPerSecond)}`,
        s.netRxBytes == null ? 'not measured' : `Σ ${siBytes(s.netRxBytes)} / ${siBytes(s.netTxBytes)}`);
      put2(r, 'blk', `${siRate(s.blockReadBytesPerSecond)} / ${siRate(s.blockWriteBytesPerSecond)}`,
        `Σ ${siBytes(s.blockReadBytes)} / ${siBytes(s.blockWriteBytes)}`);
      put(r, 'pids', s.pidsLimit ? `${s.pids} / ${s.pidsLimit}` : String(s.pids));
    } else {
      for (const k of ['cpu', 'throttled', 'mem', 'memPct', 'pids']) put(r, k, '–');
      put2(r, 'net', '–', '');
      put2(r, 'blk', '–', '');
      bar(r, 'cpu', 0);
      bar(r, 'memPct', 0);
    }
    put(r, 'restarts', String(c.restartCount ?? 0));
    const exit = lastExit(c);
    put(r, 'exit', exit == null ? '–' : String(exit));
    put(r, 'age', x.sampleAt ? (stale ? `stale · ${shortAge(f.age)}` : shortAge(f.age)) : live ? 'no sample' : '–');
  }

  function renderGroupRow(r, g, members, now) {
    const open = expanded.has(g.key);
    attr(r, 'aria-expanded', open ? 'true' : 'false');
    let running = 0;
    let cpu = 0;
    let mem = 0;
    let rx = null;
    let tx = null;
    let rd = 0;
    let wr = 0;
    let pids = 0;
    let restarts = 0;
    let health = null;
    let oldest = 0;
    let stale = false;
    let throttled = 0;
    const hosts = new Set();
    const namespaces = new Set();
    for (const x of members) {
      const c = x.container;
      const s = x.sample;
      hosts.add(x.hostId);
      if (c.state === 'running') running++;
      restarts += c.restartCount ?? 0;
      health = worseHealth(health, c.health);
      const host = store.hosts.get(x.hostId);
      const live = c.state === 'running' || c.state === 'paused';
      if (host && host.status !== 'up') stale = true;
      if (live) {
        const f = freshness(x.hostId, x.sampleAt, now);
        if (f.stale) stale = true;
        if (f.age != null && f.age > oldest) oldest = f.age;
      }
      if (!s) continue;
      cpu += s.cpuPercent;
      mem += s.memoryUsedBytes;
      rd += s.blockReadBytesPerSecond;
      wr += s.blockWriteBytesPerSecond;
      pids += s.pids;
      if (s.throttledPeriodsRatio > throttled) throttled = s.throttledPeriodsRatio;
      // Containers sharing a network namespace count the same traffic: once.
      if (s.netRxBytesPerSecond != null && !(x.netns && namespaces.has(x.netns))) {
        if (x.netns) namespaces.add(x.netns);
        rx = (rx ?? 0) + s.netRxBytesPerSecond;
        tx = (tx ?? 0) + (s.netTxBytesPerSecond ?? 0);
      }
    }
    attr(r, 'data-stale', stale ? 'true' : 'false');
    attr(r, 'class', `group${stale ? ' stale' : ''}${open ? ' open' : ''}`);
    put(r, 'toggle', open ? '▾' : '▸');
    put2(r, 'name', g.label, `${members.length} container${members.length === 1 ? '' : 's'}`);
    put(r, 'host', g.kind === 'host' ? (STATUS_LABEL[store.hosts.get(g.name)?.status] ?? '') : `${hosts.size} host${hosts.size === 1 ? '' : 's'}`);
    put2(r, 'state', `${running}/${members.length} running`, health ?? '');
    const flagClass = `flag health-${health ?? ''}`;
    if (r.v.flagClass !== flagClass) { r.v.flagClass = flagClass; r.p.state[1].className = flagClass; }
    put(r, 'cpu', percent(cpu));
    bar(r, 'cpu', 0);
    put(r, 'throttled', throttled > 0 ? percent(throttled * 100, 0) : '–'); // the most throttled member
    put(r, 'mem', `Σ ${bytes(mem)}`);
    put(r, 'memPct', '–');
    put2(r, 'net', rx == null ? '–' : `${siRate(rx)} / ${siRate(tx)}`, '');
    put2(r, 'blk', `${siRate(rd)} / ${siRate(wr)}`, '');
    put(r, 'pids', String(pids));
    put(r, 'restarts', String(restarts));
    put(r, 'exit', '–');
    put(r, 'age', stale ? `stale · ${shortAge(oldest)}` : oldest ? shortAge(oldest) : '–');
  }

  function renderContainers(now) {
    const list = visibleContainers();
    const order = [];
    if (view.group === 'none') {
      for (const x of list) {
        const r = containerRow(x.container.id);
        renderContainerRow(r, x, now);
        order.push(r.key);
      }
    } else {
      const groups = new Map(); // key -> { g, members }
      for (const x of list) {
        const g = groupOf(view.group, x, hostName);
        let e = groups.get(g.key);
        if (!e) groups.set(g.key, (e = { g, members: [] }));
        e.members.push(x);
      }
      const entries = [...groups.values()];
      const { key, dir } = view.sort;
      const agg = key === 'cpu' ? (e) => e.members.reduce((a, x) => a + (x.sample?.cpuPercent ?? 0), 0)
        : key === 'mem' ? (e) => e.members.reduce((a, x) => a + (x.sample?.memoryUsedBytes ?? 0), 0)
        : key === 'restarts' ? (e) => e.members.reduce((a, x) => a + (x.container.restartCount ?? 0), 0)
        : null;
      entries.sort((a, b) => {
        // Containers outside any service come last whatever the sort.
        if (!a.g.kind !== !b.g.kind) return a.g.kind ? -1 : 1;
        const c = agg ? (agg(a) - agg(b)) * dir : collator.compare(a.g.label, b.g.label) * (key === 'name' ? dir : 1);
        return c !== 0 ? c : collator.compare(a.g.label, b.g.label);
      });
      for (const e of entries) {
        const gr = groupRow(e.g);
        renderGroupRow(gr, e.g, e.members, now);
        order.push(gr.key);
        if (!expanded.has(e.g.key)) continue;
        for (const x of e.members) {
          const r = containerRow(x.container.id);
          renderContainerRow(r, x, now);
          attr(r, 'data-group', e.g.key);
          order.push(r.key);
        }
      }
    }

    // Remove rows that left, then fix the order only when it changed (moving nodes, never re-creating).
    const keep = new Set(order);
    for (const [key, r] of rows) {
      if (keep.has(key)) continue;
      nearViewport.unobserve(r.tr);
      r.tr.remove();
      rows.delete(key);
    }
    let same = order.length === lastOrder.length;
    for (let i = 0; same && i < order.length; i++) same = order[i] === lastOrder[i];
    if (!same) {
      for (let i = 0; i < order.length; i++) {
        const tr = rows.get(order[i]).tr;
        if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] ?? null);
      }
      lastOrder = order;
    }
    if (!focusedKey || !rows.has(focusedKey)) {
      focusedKey = null;
      if (order.length) setFocusKey(order[0]);
    }

    const total = view.hostFilter ? (store.byHost.get(view.hostFilter)?.size ?? 0) : store.containers.size;
    setText(countLabel, list.length === total ? `${total}` : `${list.length} of ${total}`);
    empty.hidden = list.length > 0;
    setText(empty, emptyText(total));
    for (const [key, el] of Object.entries(sortHeads)) {
      setAttr(el, 'aria-sort', view.sort.key === key ? (view.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
    }
    for (const [s, el] of chips) setAttr(el, 'aria-pressed', view.states.has(s) ? 'true' : 'false');
    if (groupSelect.value !== view.group) groupSelect.value = view.group;
    if (document.activeElement !== filterInput && filterInput.value !== view.filter) filterInput.value = view.filter;
    hostChip.hidden = !view.hostFilter;
    if (view.hostFilter) setText(hostChip, `host: ${hostName(view.hostFilter)} ×`);
    renderOutNotice();
  }

  /** What is true when no row shows. */
  function emptyText(total) {
    if (store.awaitingSnapshot) return 'Waiting for data…';
    if (view.hostFilter) {
      const host = store.hosts.get(view.hostFilter);
      if (!host) return `no host ${view.hostFilter} in the cluster`;
      if (total === 0) return host.status === 'up' ? 'no containers on this host' : `no containers known on this host: it is ${host.status}${host.error ? ' (' + host.error + ')' : ''}`;
    } else if (store.hosts.size === 0) {
      return 'no Docker host has reported yet';
    } else if (total === 0) {
      return 'no containers on any host';
    }
    const states = [...view.states];
    const what = view.filter.trim() ? `no container matches '${view.filter.trim()}'` : 'no container';
    return states.length ? `${what} in state ${states.join(' or ')}` : what;
  }

  /** Hosts that are not up, each with the cause, above the table: their containers are greyed below. */
  function renderOutNotice() {
    const lines = [];
    for (const x of store.hosts.values()) {
      if (x.status === 'up' || (view.hostFilter && x.hostId !== view.hostFilter)) continue;
      lines.push(`${x.host?.name ?? x.hostId} is ${x.status}: ${x.error ?? 'no cause reported'} — its containers show their last known state.`);
    }
    const text = lines.join('\n');
    outNotice.hidden = lines.length === 0;
    setText(outNotice, text);
  }

  const root = h('div', { class: 'dashboard' }, hostsSection, containersSection);
  let onSchedule = () => {};
  function schedule() { onSchedule(); }

  return {
    root,
    /** Applies a route: the host filter from the path and the table state from the query. */
    setRoute(hostId, state) {
      view.hostFilter = hostId;
      view.filter = state.filter;
      view.states = state.states;
      view.sort = state.sort;
      view.group = state.group;
    },
    setHostFilter(id) { view.hostFilter = id; },
    render() {
      const now = serverNow();
      renderHosts(now);
      renderContainers(now);
    },
    onInvalidate(fn) { onSchedule = fn; },
  };
}

/** The exit code of the most recent exit: the current one while exited, else the one kept across restarts. */
function lastExit(c) {
  return c.exitCode ?? c.lastExitCode ?? null;
}

function th(label, cls) {
  return h('th', { class: cls ?? null, scope: 'col' }, label);
}
