// Formatting helpers. Byte sizes follow docker's CLI: binary units with 4 significant figures.
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 4 significant figures, trailing zeros dropped, like Go's %.4g for these magnitudes. */
function sig4(x) {
  return String(Number(x.toPrecision(4)));
}

export function bytes(n) {
  if (n == null || !Number.isFinite(n)) return '–';
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return (n < 0 ? '-' : '') + sig4(v) + UNITS[i];
}

export function rate(n) {
  return n == null || !Number.isFinite(n) ? '–' : bytes(n) + '/s';
}

export function percent(n, digits = 2) {
  return n == null || !Number.isFinite(n) ? '–' : n.toFixed(digits) + '%';
}

/** Short unit-bearing labels for chart axes: "1.5 GiB", "512 KiB/s". */
export function axisBytes(n, suffix = '') {
  if (n == null) return '';
  if (n === 0) return '0';
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return (n < 0 ? '-' : '') + Number(v.toPrecision(3)) + ' ' + UNITS[i] + suffix;
}

/** Decimal units with 3 significant figures, as `docker stats` prints NET I/O and BLOCK I/O: "0B", "12.3kB", "1.73MB". */
const SI_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
export function siBytes(n) {
  if (n == null || !Number.isFinite(n)) return '–';
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1000 && i < SI_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return (n < 0 ? '-' : '') + String(Number(v.toPrecision(3))) + SI_UNITS[i];
}

/** A per-second rate in decimal units: "1.73MB/s". */
export function siRate(n) {
  return n == null || !Number.isFinite(n) ? '–' : siBytes(n) + '/s';
}

/** A short age: "0.4s", "12s", "3m 5s", "2h 1m", "3d"; "–" when unknown. */
export function shortAge(ms) {
  if (ms == null || !Number.isFinite(ms)) return '–';
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return s.toFixed(1) + 's';
  if (s < 60) return Math.round(s) + 's';
  const m = Math.floor(s / 60);
  if (m < 60) return m + 'm ' + Math.floor(s % 60) + 's';
  const h = Math.floor(m / 60);
  if (h < 48) return h + 'h ' + (m % 60) + 'm';
  return Math.floor(h / 24) + 'd';
}

export function ago(iso, now = Date.now()) {
  if (!iso) return 'never';
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return 'never';
  let s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return s + 's ago';
  const m = Math.floor(s / 60);
  if (m < 60) return m + 'm ' + (s % 60) + 's ago';
  const h = Math.floor(m / 60);
  if (h < 48) return h + 'h ' + (m % 60) + 'm ago';
  return Math.floor(h / 24) + 'd ago';
}

export function dateTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1971) return '–';
  return d.toLocaleString(undefined, {
    year: 'numeric', month: 'short', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
}

export function shortId(id) {
  return id ? id.slice(0, 12) : '';
}

// ---- decimal units, as `docker stats` prints NET I/O and BLOCK I/O ----
// docker/go-units HumanSizeWithPrecision(size, 3): powers of 1000, "%.3g" then the unit with no space (0B, 999kB, 1.73MB).
const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** Decimal bytes with 3 significant figures, like docker's NET I/O and BLOCK I/O columns: "1.73MB", "512kB", "0B". */
export function decimalBytes(n) {
  if (n == null || !Number.isFinite(n)) return '–';
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1000 && i < DECIMAL_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return (n < 0 ? '-' : '') + String(Number(v.toPrecision(3))) + DECIMAL_UNITS[i];
}

/** A decimal byte rate: "1.73MB/s", "12kB/s", "0B/s". */
export function decimalRate(n) {
  return n == null || !Number.isFinite(n) ? '–' : decimalBytes(n) + '/s';
}

/** Short decimal labels for chart axes: "1.5 MB/s", "200 kB/s". */
export function axisDecimal(n, suffix = '') {
  if (n == null) return '';
  if (n === 0) return '0';
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1000 && i < DECIMAL_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return (n < 0 ? '-' : '') + Number(v.toPrecision(3)) + ' ' + DECIMAL_UNITS[i] + suffix;
}
