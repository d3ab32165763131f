import './style.css';
import { LiveConnection } from './live.js';
import { ensureApiKey } from './auth.js';
import { store, applyHostFrame, hostName } from './store.js';
import { invalidate } from './schedule.js';
import { createDashboard } from './dashboard.js';
import { createContainerView } from './containerView.js';
import { h, setText, setAttr } from './dom.js';

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
  setAttr(connEl, 'data-state', state);
  setText(connLabel, label);
  document.body.classList.toggle('is-stale', state !== 'connected');
}

const live = new LiveConnection({
  onStateChange(state, info) {
    conn.state = state;
    conn.info = info ?? null;
    invalidate(renderConn);
  },
});

// ---- routing ----
const navigate = (hash) => {
  if (location.hash !== hash) location.hash = hash;
  else route();
};
const dashboard = createDashboard({ navigate });
dashboard.onInvalidate(() => invalidate(dashboard.render));
let current = null; // container view, if open

function route() {
  const m = location.hash.match(/^#\/containers\/([^/?]+)/);
  const hm = location.hash.match(/^#\/hosts\/([^/?]+)/);
  current?.destroy();
  current = null;
  if (m) {
    const id = decodeURIComponent(m[1]);
    current = createContainerView(id, { live, invalidate, navigate });
    app.replaceChildren(current.root);
    current.mounted();
    crumbs.replaceChildren(h('span', { class: 'sep', text: '/' }), h('span', { text: 'container' }), h('span', { class: 'sep', text: '/' }), h('span', { class: 'mono', text: id.slice(0, 12) }));
    window.scrollTo(0, 0);
  } else {
    dashboard.setHostFilter(hm ? decodeURIComponent(hm[1]) : null);
    app.replaceChildren(dashboard.root);
    crumbs.replaceChildren(...(hm ? [h('span', { class: 'sep', text: '/' }), h('span', { text: `host ${hostName(decodeURIComponent(hm[1]))}` })] : []));
    invalidate(dashboard.render);
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
    if (!current) invalidate(dashboard.render);
    invalidate(renderConn);
  },
});

// Ages ("last seen 2m ago") and staleness move on even when no frame arrives.
setInterval(() => {
  invalidate(renderConn);
  if (!current) invalidate(dashboard.render);
}, 1000);

route();
ensureApiKey().then(() => live.start());
