// History time ranges: the presets, the step each one is asked for, and the URL form that restores them.
//
// The container page keeps its range in the hash query: `#/containers/{id}?range=1h`, and a zoom as absolute
// bounds on top of it: `?range=1h&from=2026-11-30T10:00:00Z&to=2026-11-30T10:20:00Z`. replaceState writes it, so
// the page is not rebuilt on every change, and a reload or a shared link opens the same window.

/** The picker's presets, in seconds. */
export const RANGES = [
  { key: '15m', seconds: 15 * 60, label: '15 min' },
  { key: '1h', seconds: 3600, label: '1 h' },
  { key: '6h', seconds: 6 * 3600, label: '6 h' },
  { key: '24h', seconds: 24 * 3600, label: '24 h' },
  { key: '7d', seconds: 7 * 86400, label: '7 d' },
  { key: '30d', seconds: 30 * 86400, label: '30 d' },
];

const STEP_SECONDS = { '1m': 60, '15m': 900, '1h': 3600 };
/** The longest preset a page opens with when the URL names none: older containers get 6 h, as before. */
const DEFAULT_MAX = '6h';

/** The step a span is asked for: 1 minute up to 24 h (at most 1440 points), 15 minutes up to 7 d, then 1 hour. */
export function stepFor(seconds) {
  if (seconds <= 86400) return '1m';
  if (seconds <= 7 * 86400) return '15m';
  return '1h';
}

export function stepSeconds(step) {
  return STEP_SECONDS[step] ?? 60;
}

export function findRange(key) {
  return RANGES.find((r) => r.key === key) ?? null;
}

/**
 * The smallest preset that holds a container of this age, so a few minutes of data fill the chart instead of being
 * a dot at its right edge; at most 6 h.
 */
export function defaultRangeFor(ageSeconds) {
  const max = findRange(DEFAULT_MAX);
  if (!(ageSeconds >= 0)) return max.key;
  return (RANGES.find((r) => r.seconds >= ageSeconds && r.seconds <= max.seconds) ?? max).key;
}

/** Reads { range, from, to } (from/to in Unix seconds) from a location hash; missing or bad values are null. */
export function readHashState(hash) {
  const q = hash.indexOf('?');
  const params = new URLSearchParams(q >= 0 ? hash.slice(q + 1) : '');
  const range = findRange(params.get('range'))?.key ?? null;
  const from = Date.parse(params.get('from') ?? '');
  const to = Date.parse(params.get('to') ?? '');
  const zoom = Number.isFinite(from) && Number.isFinite(to) && to > from;
  return { range, from: zoom ? from / 1000 : null, to: zoom ? to / 1000 : null };
}

export function isoSeconds(t) {
  return new Date(Math.round(t) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Writes the state into the hash query without a hashchange (the view stays; history gets no extra entry). */
export function writeHashState({ range, from, to }) {
  const base = location.hash.split('?')[0];
  const params = new URLSearchParams();
  if (range) params.set('range', range);
  if (from != null && to != null) {
    params.set('from', isoSeconds(from));
    params.set('to', isoSeconds(to));
  }
  const text = params.toString();
  const hash = text ? `${base}?${text}` : base;
  if (location.hash !== hash) history.replaceState(history.state, '', hash);
}

/**
 * The window to ask for: a zoom as it is; a young container since its creation (`since`, no preset); a preset ending now with its start rounded up to the step, so the
 * oldest bucket is whole and a 30-day window never starts before the server's retention.
 * @returns {{ from: number, to: number, step: string, zoomed: boolean }} seconds
 */
export function resolveWindow({ range, from, to, since }, nowSeconds) {
  if (from != null && to != null) return { from, to, step: stepFor(to - from), zoomed: true };
  // A container younger than the smallest preset: from the minute before it was created, so its first minutes
  // fill the chart.
  if (!range && since != null && nowSeconds - since < RANGES[0].seconds) {
    return { from: Math.floor((since - 60) / 60) * 60, to: nowSeconds, step: '1m', zoomed: false };
  }
  const span = findRange(range)?.seconds ?? (since != null ? RANGES[0].seconds : findRange(DEFAULT_MAX).seconds);
  const step = stepFor(span);
  const s = stepSeconds(step);
  return { from: Math.ceil((nowSeconds - span) / s) * s, to: nowSeconds, step, zoomed: false };
}
