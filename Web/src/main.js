import './style.css';
import { LiveConnection } from './live.js';
import { ensureApiKey } from './auth.js';
import { store, applyHostFrame, hostName, hostsOut } from './store.js';
import { invalidate, invalidatePaced, paced } from './schedule.js';
import { createDashboard } from './dashboard.js';
import { createContainerView } from './containerView.js';
import { createServiceView } from './serviceView.js';
import { parseViewState } from './filters.js';
import { h, setText, setAttr } from './dom.js';
import { watchAlerts, onAlertsChanged, createAlertBanner } from './alerts.js';

const STALE_AFTER_MS = 5_000;
const app = document.getElementById('app');
const connEl = document.getElementById('conn');
const connLabel = connEl.querySelector('.label');
const crumbs = document.getElementById('crumbs');

// ---- connection state in the header ----
const conn = { state: 'connecting', info: null };
function renderConn() {
  let state = conn.state;
  let label = state;
  if (state === 'connected' && (store.awaitingSnapshot || Date.now() - store.lastFrameAt > STALE_AFTER_MS)) {
    state = 'stale';
    label = store.awaitingSnapshot ? 'stale · waiting for snapshot' : `stale · no data for ${Math.round((Date.now() - store.lastFrameAt) / 1000)}s`;
  } else if (state === 'reconnecting' && conn.info?.delay) {
    label = `reconnecting · attempt ${conn.info.attempt} in ${(conn.info.delay / 1000).toFixed(1)}s`;
  }
  // Connected to the Api is not the same as seeing every host: any host down or unreachable degrades the view.
  const out = state === 'connected' ? hostsOut() : [];
  if (out.length) {
    state = 'degraded';
    label = `degraded · ${out.length} of ${store.hosts.size} host${store.hosts.size === 1 ? '' : 's'} ${out.length === 1 ? out[0].status : 'not up'}`;
    connEl.title = out.map((x) => `${x.name}: ${x.status}${x.error ? ' · ' + x.error : ''}`).join('\n');
  } else {
    connEl.title = '';
  }
  setAttr(connEl, 'data-state', state);
  setText(connLabel, label);
  document.body.classList.toggle('is-stale', state !== 'connected' && state !== 'degraded');
}

const live = new LiveConnection({
  onStateChange(state, info) {
    conn.state = state;
    conn.info = info ?? null;
    invalidate(renderConn);
  },
});

// ---- firing alerts: a banner above every page ----
const banner = createAlertBanner();
document.getElementById('alerts').replaceChildren(banner.root);
onAlertsChanged(() => invalidate(banner.render));

// ---- routing ----
const navigate = (hash) => {
  if (location.hash !== hash) location.hash = hash;
  else route();
};
const dashboard = createDashboard({ navigate });
const renderDashboard = paced(dashboard.render);
// At most two data-driven renders a second: with a thousand rows each render costs a sort and a table layout.
const DASHBOARD_GAP_MS = 450;
dashboard.onInvalidate(() => invalidate(renderDashboard));
let current = null; // container view, if open

function route() {
  const m = location.hash.match(/^#\/containers\/([^/?]+)/);
  const hm = location.hash.match(/^#\/hosts\/([^/?]+)/);
  const sm = location.hash.match(/^#\/services\/(compose|swarm)\/([^?]+)/);
  current?.destroy();
  current = null;
  if (sm) {
    const kind = sm[1];
    const name = decodeURIComponent(sm[2]);
    current = createServiceView(kind, name, { invalidate, navigate });
    app.replaceChildren(current.root);
    current.mounted();
    crumbs.replaceChildren(h('span', { class: 'sep', text: '/' }), h('span', { text: `${kind} service` }), h('span', { class: 'sep', text: '/' }), h('span', { text: name }));
    window.scrollTo(0, 0);
  } else if (m) {
    const id = decodeURIComponent(m[1]);
    current = createContainerView(id, { live, invalidate, navigate });
    app.replaceChildren(current.root);
    current.mounted();
    crumbs.replaceChildren(h('span', { class: 'sep', text: '/' }), h('span', { text: 'container' }), h('span', { class: 'sep', text: '/' }), h('span', { class: 'mono', text: id.slice(0, 12) }));
    window.scrollTo(0, 0);
  } else {
    dashboard.setRoute(hm ? decodeURIComponent(hm[1]) : null, parseViewState(location.hash));
    app.replaceChildren(dashboard.root);
    crumbs.replaceChildren(...(hm ? [h('span', { class: 'sep', text: '/' }), h('span', { text: `host ${hostName(decodeURIComponent(hm[1]))}` })] : []));
    invalidate(renderDashboard);
  }
}
window.addEventListener('hashchange', route);

// ---- data ----
live.watch('WatchAll', [], {
  onOpen() {
    store.awaitingSnapshot = true;
    invalidate(renderConn);
  },
  onItem(frame) {
    applyHostFrame(frame);
    if (!current) invalidatePaced(renderDashboard, DASHBOARD_GAP_MS);
    else current.onFrame?.();
    invalidate(renderConn);
  },
});

watchAlerts(live);

// Ages ("last seen 2m ago") and staleness move on even when no frame arrives.
setInterval(() => {
  invalidate(renderConn);
  invalidate(banner.render);
  if (!current) invalidatePaced(renderDashboard, DASHBOARD_GAP_MS);
}, 1000);

route();
ensureApiKey().then(() => live.start());
