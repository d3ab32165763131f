// Lifecycle markers and limit lines on uPlot charts.
//
// Events come from GET /api/containers/{id}/events (newest first). A marker is a dashed vertical line with a small
// glyph at its top; hovering near it shows what happened, when, and the exit code or signal. A limit is a
// horizontal dashed line with its value written above it. Both plugins mirror what they drew into data attributes
// of the chart card (data-markers, data-limit) so the page can be checked without reading pixels.

/** Actions drawn as markers, with their glyph and colour. Others (create, kill, rename, destroy) are only listed. */
const MARKS = {
  start: { glyph: '▶', color: '#3fb950', label: 'started' },
  restart: { glyph: '↻', color: '#d29922', label: 'restarted' },
  die: { glyph: '■', color: '#f85149', label: 'died' },
  oom: { glyph: '!', color: '#ff7b72', label: 'OOM kill' },
  pause: { glyph: '‖', color: '#8b949e', label: 'paused' },
  unpause: { glyph: '▷', color: '#8b949e', label: 'unpaused' },
  health_status: { glyph: '♥', color: '#d29922', label: 'health' },
  // Alerts (alerts.js) and a Swarm service's scaling decisions: their items carry their own tooltip text.
  alert: { glyph: '⚠', color: '#f0883e', label: 'alert firing' },
  alert_resolved: { glyph: '✓', color: '#3fb950', label: 'alert resolved' },
  scaled: { glyph: '⇅', color: '#4c9aff', label: 'scaled' },
  scale_blocked: { glyph: '⊘', color: '#8b949e', label: 'scaling blocked' },
};
const CRITICAL = '#f85149';

/**
 * Normalises an events response to { t (Unix seconds), action, exitCode, signal, health }, newest first. A die
 * right after a kill carries the kill's signal, so "died (exit 137)" can also say "signal 9".
 */
export function normaliseEvents(events) {
  const out = (events ?? []).map((e) => ({
    t: e.time ? Date.parse(e.time) / 1000 : e.timeNano / 1e9,
    action: e.action,
    exitCode: e.exitCode ?? null,
    signal: e.signal ?? null,
    health: e.health ?? null,
  }));
  out.sort((a, b) => b.t - a.t);
  for (let i = 0; i < out.length; i++) {
    const e = out[i];
    if (e.action !== 'die' || e.signal != null) continue;
    // newest first: the kill that caused this die is older, at a higher index, within a few seconds
    for (let j = i + 1; j < out.length && e.t - out[j].t <= 15; j++) {
      if (out[j].action === 'kill') { e.signal = out[j].signal; break; }
      if (out[j].action === 'die' || out[j].action === 'start') break;
    }
  }
  return out;
}

/** One line describing an event: "died · exit 137 · signal 9", "health · unhealthy". */
export function describeEvent(e) {
  if (e.text) return e.text;
  const parts = [MARKS[e.action]?.label ?? e.action];
  if (e.exitCode != null) parts.push(`exit ${e.exitCode}`);
  if (e.signal != null) parts.push(`signal ${e.signal}`);
  if (e.health) parts.push(e.health);
  return parts.join(' · ');
}

export function isMarked(action) {
  return action in MARKS;
}

/**
 * uPlot plugin: event markers with a hover tooltip.
 * @param {() => {t:number, action:string, exitCode:number|null, signal:string|null, health:string|null}[]} source
 * @param {HTMLElement} card element that receives data-markers (JSON of the drawn markers)
 */
export function markersPlugin(source, card) {
  let drawn = [];
  const tip = document.createElement('div');
  tip.className = 'marker-tip';
  tip.hidden = true;
  return {
    hooks: {
      init(u) {
        u.over.appendChild(tip);
      },
      draw(u) {
        const { min, max } = u.scales.x;
        const ctx = u.ctx;
        const dpr = devicePixelRatio || 1;
        const top = u.bbox.top;
        const bottom = top + u.bbox.height;
        const next = [];
        ctx.save();
        ctx.font = `${Math.round(10 * dpr)}px sans-serif`;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        for (const e of source()) {
          const mark = MARKS[e.action];
          if (!mark || min == null || e.t < min || e.t > max) continue;
          const x = Math.round(u.valToPos(e.t, 'x', true)) + 0.5;
          const color = e.severity === 'critical' ? CRITICAL : mark.color;
          ctx.strokeStyle = color;
          ctx.lineWidth = dpr;
          ctx.setLineDash([3 * dpr, 3 * dpr]);
          ctx.beginPath();
          ctx.moveTo(x, top + 7 * dpr);
          ctx.lineTo(x, bottom);
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = color;
          ctx.beginPath();
          ctx.arc(x, top + 7 * dpr, 6 * dpr, 0, Math.PI * 2);
          ctx.fill();
          ctx.fillStyle = '#0d1117';
          ctx.fillText(mark.glyph, x, top + 7.5 * dpr);
          next.push({ ...e, x: u.valToPos(e.t, 'x') });
        }
        ctx.restore();
        drawn = next;
        const summary = JSON.stringify(next.map((e) => ({ action: e.action, t: e.t, exitCode: e.exitCode, signal: e.signal, rule: e.rule, outcome: e.outcome, x: Math.round(e.x) })));
        if (card.dataset.markers !== summary) card.dataset.markers = summary;
      },
      setCursor(u) {
        const left = u.cursor.left;
        const near = left == null || left < 0 ? [] : drawn.filter((e) => Math.abs(e.x - left) <= 6);
        if (!near.length) {
          tip.hidden = true;
          return;
        }
        tip.replaceChildren(...near.slice(0, 4).map((e) => {
          const row = document.createElement('div');
          row.textContent = `${new Date(e.t * 1000).toLocaleTimeString()} · ${describeEvent(e)}`;
          return row;
        }));
        tip.hidden = false;
        const w = u.over.clientWidth;
        tip.style.left = `${Math.min(Math.max(0, near[0].x + 8), Math.max(0, w - tip.offsetWidth))}px`;
        tip.style.top = '14px';
      },
    },
  };
}

/**
 * uPlot plugin: one horizontal limit line.
 * @param {() => number|null} value the limit in the chart's y units, null for none
 * @param {(v:number) => string} label text drawn above the line
 * @param {HTMLElement} card element that receives data-limit (the drawn value)
 */
export function limitPlugin(value, label, card) {
  return {
    hooks: {
      draw(u) {
        const v = value();
        if (v == null || !Number.isFinite(v)) {
          if ('limit' in card.dataset) delete card.dataset.limit;
          return;
        }
        const dpr = devicePixelRatio || 1;
        const y = Math.round(u.valToPos(v, 'y', true)) + 0.5;
        const { left, width } = u.bbox;
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = '#f85149';
        ctx.lineWidth = 1.5 * dpr;
        ctx.setLineDash([6 * dpr, 4 * dpr]);
        ctx.beginPath();
        ctx.moveTo(left, y);
        ctx.lineTo(left + width, y);
        ctx.stroke();
        ctx.fillStyle = '#f85149';
        ctx.font = `${Math.round(10.5 * dpr)}px sans-serif`;
        // On the left: the newest markers crowd the right edge.
        ctx.textAlign = 'left';
        ctx.textBaseline = 'bottom';
        ctx.fillText(label(v), left + 4 * dpr, y - 2 * dpr);
        ctx.restore();
        const text = String(v);
        if (card.dataset.limit !== text) card.dataset.limit = text;
      },
    },
  };
}
