// Alerts: the firing set, live from the hub's WatchAlerts() stream, shown as a banner at the top of every page, and
// alert and scaling markers for the charts (drawn by annotations.js' markersPlugin).
//
// WatchAlerts() first sends every alert firing now, then each change (a new firing, a value update, a resolve).
import { h, setText, setAttr } from './dom.js';
import { ago } from './format.js';

/** Alerts by id: the firing ones and those resolved since the page opened (their end is a marker too). */
const known = new Map();
const listeners = new Set();

function changed() {
  for (const f of listeners) f();
}

/** Calls `f` after every change to the alerts; returns a function that stops it. */
export function onAlertsChanged(f) {
  listeners.add(f);
  return () => listeners.delete(f);
}

/** Subscribes to WatchAlerts() on the live connection (again after every reconnect). */
export function watchAlerts(live) {
  return live.watch('WatchAlerts', [], {
    onOpen() {
      // The stream starts again with the firing set: an alert that resolved while disconnected must not linger.
      for (const [id, a] of known) if (a.state === 'firing') known.delete(id);
      changed();
    },
    onItem(alert) {
      known.set(alert.id, alert);
      changed();
    },
  });
}

/** The alerts firing now, most severe first, then oldest first. */
export function firingAlerts() {
  const rank = (a) => (a.severity === 'critical' ? 0 : 1);
  return [...known.values()].filter((a) => a.state === 'firing')
    .sort((a, b) => rank(a) - rank(b) || Date.parse(a.startsAt) - Date.parse(b.startsAt));
}

/** Every alert the stream has shown (firing and resolved). */
export function streamedAlerts() {
  return [...known.values()];
}

const list = (v) => (v ? v.split(',').filter(Boolean) : []);

/** Whether an alert names a container: its selector is the container (name or id prefix), or it covered it. */
export function alertNamesContainer(alert, container) {
  if (!container) return false;
  const sel = alert.labels?.selector ?? '';
  if (sel.startsWith('container=')) {
    const v = sel.slice('container='.length);
    if (v === container.name || (v.length >= 12 && container.id.startsWith(v))) return true;
  }
  return list(alert.labels?.containers).includes(container.name);
}

/** Whether an alert's rule selects a service: `swarmService=name` or `composeService=project/service`. */
export function alertSelectsService(alert, kind, name) {
  return alert.labels?.selector === `${kind === 'swarm' ? 'swarmService' : 'composeService'}=${name}`;
}

/** A value in its metric's unit: `93.4%`, `12.5 MB`, `41`. */
export function formatAlertValue(alert) {
  const v = alert.value;
  if (v == null || !Number.isFinite(v)) return 'no value';
  const metric = alert.labels?.metric ?? '';
  if (metric.endsWith('Percent')) return `${+v.toFixed(1)}%`;
  if (metric === 'throttledPeriodsRatio') return `${+(v * 100).toFixed(1)}% throttled`;
  if (metric.endsWith('BytesPerSecond')) return `${+(v / 1000).toPrecision(3)} kB/s`;
  if (metric.endsWith('Bytes')) return `${+(v / 1048576).toPrecision(4)} MiB`;
  return String(+v.toPrecision(4));
}

/**
 * Markers for alerts: one at each start (`alert`) and one at each end (`alert_resolved`), with their tooltip text.
 * @param {object[]} alerts alerts as GET /api/alerts and WatchAlerts() give them
 */
export function alertMarks(alerts) {
  const out = [];
  for (const a of alerts) {
    const what = `${a.rule} (${a.severity})`;
    out.push({ t: Date.parse(a.startsAt) / 1000, action: 'alert', severity: a.severity, rule: a.rule,
      text: `alert ${what} firing · ${formatAlertValue(a)}${a.summary ? ' · ' + a.summary : ''}` });
    if (a.endsAt) out.push({ t: Date.parse(a.endsAt) / 1000, action: 'alert_resolved', rule: a.rule, text: `alert ${what} resolved` });
  }
  return out;
}

/** Merges alerts by id, the later list winning (the stream is newer than a fetched list). */
export function mergeAlerts(...lists) {
  const m = new Map();
  for (const l of lists) for (const a of l) m.set(a.id, a);
  return [...m.values()];
}

/** Markers for a Swarm service's scaling decisions (the history response's `scaling`). */
export function scalingMarks(decisions) {
  return (decisions ?? []).map((d) => {
    const scaled = d.outcome === 'scaled';
    const why = d.outcome.startsWith('blocked-') ? `blocked by ${d.outcome.slice('blocked-'.length)}` : d.outcome;
    return {
      t: Date.parse(d.time) / 1000,
      action: scaled ? 'scaled' : 'scale_blocked',
      outcome: d.outcome,
      rule: d.rule,
      text: scaled ? `scaled ${d.from}→${d.to} by rule ${d.rule}` : `not scaled (${d.from} replicas): ${why}, rule ${d.rule}${d.detail ? ' · ' + d.detail : ''}`,
    };
  });
}

/** The banner of firing alerts; `render()` brings it up to date. Hidden when nothing fires. */
export function createAlertBanner() {
  const items = h('ul', { class: 'alert-items' });
  const root = h('section', { class: 'alert-banner', 'data-testid': 'alert-banner', role: 'status', 'aria-live': 'polite', hidden: true }, items);
  const rows = new Map();
  function row(a) {
    let r = rows.get(a.id);
    if (r) return r;
    const cells = {
      sev: h('span', { class: 'alert-sev' }), rule: h('span', { class: 'alert-rule', 'data-testid': 'alert-rule' }),
      summary: h('span', { class: 'alert-summary' }), value: h('span', { class: 'alert-value mono', 'data-testid': 'alert-value' }),
      where: h('span', { class: 'alert-where muted' }), since: h('span', { class: 'alert-since muted' }),
    };
    const li = h('li', { class: 'alert-item', 'data-testid': 'alert-item', 'data-alert-id': a.id }, ...Object.values(cells));
    r = { li, cells };
    rows.set(a.id, r);
    return r;
  }
  function render() {
    const firing = firingAlerts();
    root.hidden = firing.length === 0;
    setAttr(root, 'data-count', String(firing.length));
    const keep = new Set();
    firing.forEach((a, i) => {
      const r = row(a);
      keep.add(a.id);
      setAttr(r.li, 'data-rule', a.rule);
      setAttr(r.li, 'data-severity', a.severity);
      setAttr(r.li, 'class', `alert-item sev-${a.severity}`);
      setText(r.cells.sev, a.severity);
      setText(r.cells.rule, a.rule);
      setText(r.cells.summary, a.summary ?? '');
      setText(r.cells.value, formatAlertValue(a));
      const containers = list(a.labels?.containers);
      const hosts = list(a.labels?.hosts);
      setText(r.cells.where, [a.labels?.selector, containers.length ? `containers ${containers.join(', ')}` : null,
        hosts.length ? `${hosts.length} host${hosts.length === 1 ? '' : 's'}` : null].filter(Boolean).join(' · '));
      r.cells.where.title = hosts.join('\n');
      const since = Date.parse(a.startsAt);
      setText(r.cells.since, `since ${new Date(since).toLocaleTimeString()} (${ago(since)})`);
      if (items.children[i] !== r.li) items.insertBefore(r.li, items.children[i] ?? null);
    });
    for (const [id, r] of rows) if (!keep.has(id)) { r.li.remove(); rows.delete(id); }
  }
  return { root, render };
}
