// The containers table's view state (filter text, state chips, sort, grouping) and its place in the URL:
// #/?q=web&state=running,unhealthy&sort=cpu&dir=desc&group=compose (also after #/hosts/{hostId}).
import { composeService, swarmService } from './store.js';

export const STATE_CHIPS = ['running', 'exited', 'paused', 'restarting', 'unhealthy'];
export const GROUPINGS = ['none', 'host', 'compose', 'swarm'];
export const SORT_KEYS = ['name', 'host', 'state', 'cpu', 'throttled', 'mem', 'memPct', 'net', 'blk', 'pids', 'restarts', 'exit', 'age'];
const NUMERIC = new Set(['cpu', 'throttled', 'mem', 'memPct', 'net', 'blk', 'pids', 'restarts', 'exit', 'age']);

/** Numeric columns sort biggest first on the first click. */
export function defaultDir(key) {
  return NUMERIC.has(key) ? -1 : 1;
}

/** Reads the view state from the query part of a hash ("#/hosts/x?q=web&sort=cpu"). */
export function parseViewState(hash) {
  const i = hash.indexOf('?');
  const p = new URLSearchParams(i >= 0 ? hash.slice(i + 1) : '');
  const sortKey = SORT_KEYS.includes(p.get('sort')) ? p.get('sort') : 'name';
  const dir = p.get('dir') === 'desc' ? -1 : p.get('dir') === 'asc' ? 1 : defaultDir(sortKey);
  return {
    filter: p.get('q') ?? '',
    states: new Set((p.get('state') ?? '').split(',').filter((s) => STATE_CHIPS.includes(s))),
    sort: { key: sortKey, dir },
    group: GROUPINGS.includes(p.get('group')) ? p.get('group') : 'none',
  };
}

/** The query string for a view state; defaults are left out so a plain "#/" stays plain. */
export function viewQuery(view) {
  const p = new URLSearchParams();
  if (view.filter) p.set('q', view.filter);
  if (view.states.size) p.set('state', STATE_CHIPS.filter((s) => view.states.has(s)).join(','));
  if (view.sort.key !== 'name' || view.sort.dir !== 1) {
    p.set('sort', view.sort.key);
    p.set('dir', view.sort.dir > 0 ? 'asc' : 'desc');
  }
  if (view.group !== 'none') p.set('group', view.group);
  const q = p.toString();
  return q ? '?' + q : '';
}

/**
 * Compiles the filter text into a predicate over a store entry. Words separated by spaces must all match; a word
 * matches when it is a substring of the name, image, Compose project, service or project/service, or Swarm service,
 * a prefix of the id, a label key, or, written key=value, a label with that key whose value contains the value.
 */
export function compileFilter(text) {
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return null;
  const tests = words.map((w) => {
    const eq = w.indexOf('=');
    if (eq > 0) {
      const key = w.slice(0, eq);
      const value = w.slice(eq + 1);
      return (x) => {
        const labels = searchOf(x).labels;
        for (const [k, v] of labels) if (k === key && v.includes(value)) return true;
        return false;
      };
    }
    return (x) => {
      const s = searchOf(x);
      if (s.text.includes(w) || s.id.startsWith(w)) return true;
      for (const [k] of s.labels) if (k === w) return true;
      return false;
    };
  });
  return (x) => tests.every((t) => t(x));
}

/** Lower-cased search fields, built once per container and kept until its metadata changes (see store.js). */
function searchOf(x) {
  if (x.search) return x.search;
  const c = x.container;
  const parts = [c.name, c.image, c.composeProject, c.composeService, composeService(c), swarmService(c)].filter(Boolean);
  x.search = {
    text: parts.join('\u0000').toLowerCase(),
    id: c.id.toLowerCase(),
    labels: Object.entries(c.labels ?? {}).map(([k, v]) => [k.toLowerCase(), String(v).toLowerCase()]),
  };
  return x.search;
}

/** True when the container passes the selected state chips (any of them; none selected passes all). */
export function matchesStates(states, c) {
  if (states.size === 0) return true;
  if (states.has(c.state)) return true;
  return states.has('unhealthy') && c.health === 'unhealthy';
}

/** The group key and label of a container for a grouping; null key for "not in any". */
export function groupOf(group, x, hostName) {
  const c = x.container;
  switch (group) {
    case 'host': return { key: 'host:' + x.hostId, label: hostName(x.hostId), kind: 'host', name: x.hostId };
    case 'compose': {
      const n = composeService(c);
      return n ? { key: 'compose:' + n, label: n, kind: 'compose', name: n } : { key: 'compose:', label: 'not in a Compose service', kind: null, name: null };
    }
    case 'swarm': {
      const n = swarmService(c);
      return n ? { key: 'swarm:' + n, label: n, kind: 'swarm', name: n } : { key: 'swarm:', label: 'not in a Swarm service', kind: null, name: null };
    }
    default: return null;
  }
}

const HEALTH_RANK = { unhealthy: 3, starting: 2, healthy: 1 };

/** The worse of two health values: unhealthy before starting before healthy; null without checks. */
export function worseHealth(a, b) {
  return (HEALTH_RANK[b] ?? 0) > (HEALTH_RANK[a] ?? 0) ? b : a;
}
