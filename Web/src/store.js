// Latest known state from the WatchAll stream. Every HostFrame is a full snapshot of its host.
export const store = {
  /** hostId -> HostFrame without its containers, plus derived totals */
  hosts: new Map(),
  /** containerId -> { container, sample, hostId, sampleAt, search } (sampleAt: ms of the newest sample ever seen) */
  containers: new Map(),
  /** hostId -> Set of containerIds in the last frame */
  byHost: new Map(),
  /** ms timestamp of the last frame received */
  lastFrameAt: 0,
  /** true until the first snapshot after (re)subscribing has arrived */
  awaitingSnapshot: true,
  /**
   * Browser clock minus server clock, in ms, estimated as the smallest (receive time − frame time) seen: ages are
   * measured on the server's clock, so a skewed browser clock does not make fresh data look old.
   */
  clockOffset: null,
  version: 0,
};

/** Sampling interval assumed until two frames of a host have arrived. */
const DEFAULT_INTERVAL_MS = 1000;

export function applyHostFrame(frame) {
  const hostId = frame.hostId;
  const receivedAt = Date.now();
  const frameAt = Date.parse(frame.timestamp);
  if (Number.isFinite(frameAt)) {
    const offset = receivedAt - frameAt;
    if (store.clockOffset == null || offset < store.clockOffset) store.clockOffset = offset;
  }
  const ids = new Set();
  let running = 0;
  let newestSample = 0;
  for (const item of frame.containers ?? []) {
    const c = item.container;
    ids.add(c.id);
    const s = item.sample;
    const t = s ? Date.parse(s.timestamp) : 0;
    let x = store.containers.get(c.id);
    if (x) {
      if (x.container !== c) {
        if (searchChanged(x.container, c)) x.search = null;
        x.container = c;
      }
      x.sample = s;
      x.hostId = hostId;
      x.netns = item.networkNamespace ?? null;
    } else {
      x = { container: c, sample: s, hostId, sampleAt: 0, search: null, netns: item.networkNamespace ?? null };
      store.containers.set(c.id, x);
    }
    // A host that stops sampling keeps the age of the last sample it had: that age is what turns stale.
    if (t > x.sampleAt) x.sampleAt = t;
    if (x.sampleAt > newestSample) newestSample = x.sampleAt;
    if (c.state === 'running') running++;
  }
  const old = store.byHost.get(hostId);
  if (old) for (const id of old) if (!ids.has(id)) store.containers.delete(id);
  store.byHost.set(hostId, ids);
  const prevHost = store.hosts.get(hostId);
  // The interval is the spacing of the host's frames (one per sampling pass), smoothed; pushes by the Api itself
  // (a status change) come between passes and are left out.
  let intervalMs = prevHost?.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (prevHost && frame.status === 'up' && prevHost.status === 'up' && Number.isFinite(frameAt) && prevHost.frameAt > 0) {
    const gap = frameAt - prevHost.frameAt;
    if (gap >= 200 && gap <= 60_000) intervalMs = prevHost.samples < 3 ? gap : intervalMs * 0.8 + gap * 0.2;
  }
  store.hosts.set(hostId, {
    hostId,
    host: frame.host ?? prevHost?.host ?? null,
    status: frame.status,
    lastSeen: frame.lastSeen,
    error: frame.error,
    sequence: frame.sequence,
    timestamp: frame.timestamp,
    frameAt: Number.isFinite(frameAt) ? frameAt : 0,
    intervalMs,
    samples: (prevHost?.samples ?? 0) + 1,
    /** ms (server clock) of the newest container sample of the host, 0 when none */
    sampleAt: Math.max(newestSample, prevHost?.sampleAt ?? 0),
    /** ms (server clock) of the newest frame that said the host is up: a host's data is as fresh as that */
    upAt: frame.status === 'up' && Number.isFinite(frameAt) ? frameAt : (prevHost?.upAt ?? 0),
    containersTotal: ids.size,
    containersRunning: running,
    // The host grain's totals: every container that holds the resource (paused ones too), shared network namespaces once.
    cpuPercent: frame.totals?.cpuPercent ?? 0,
    memoryUsedBytes: frame.totals?.memoryUsedBytes ?? 0,
    netRxBytesPerSecond: frame.totals?.netRxBytesPerSecond ?? null,
    netTxBytesPerSecond: frame.totals?.netTxBytesPerSecond ?? null,
  });
  store.lastFrameAt = receivedAt;
  store.awaitingSnapshot = false;
  store.version++;
}

function searchChanged(a, b) {
  return a.name !== b.name || a.image !== b.image || a.labels !== b.labels || a.composeProject !== b.composeProject || a.composeService !== b.composeService;
}

export function hostName(hostId) {
  const name = store.hosts.get(hostId)?.host?.name;
  if (!name) return hostId;
  // Engines on one machine (or cloned VMs) share a host name: the daemon ID's start tells them apart.
  for (const [id, x] of store.hosts) {
    if (id !== hostId && x.host?.name === name) return `${name} · ${hostId.slice(0, 8)}`;
  }
  return name;
}

/** Now on the server's clock (ms). */
export function serverNow() {
  return Date.now() - (store.clockOffset ?? 0);
}

/** Data older than this many sampling intervals is stale. */
export const STALE_INTERVALS = 3;

/**
 * Freshness of a timestamp (ms, server clock) for a host: { age (ms, null when never), stale }.
 * Stale when older than three sampling intervals of that host, or never sampled.
 */
export function freshness(hostId, at, now = serverNow()) {
  const interval = store.hosts.get(hostId)?.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (!at) return { age: null, stale: true };
  const age = Math.max(0, now - at);
  return { age, stale: age > STALE_INTERVALS * interval };
}

/** Hosts that are not up: [{ hostId, name, status, error }]. */
export function hostsOut() {
  const out = [];
  for (const x of store.hosts.values()) if (x.status !== 'up') out.push({ hostId: x.hostId, name: x.host?.name ?? x.hostId, status: x.status, error: x.error });
  return out;
}

/** The container's Swarm service name, or null. */
export function swarmService(c) {
  return c.labels?.['com.docker.swarm.service.name'] || null;
}

/** The container's Compose service as project/service, or null. */
export function composeService(c) {
  return c.composeProject && c.composeService ? `${c.composeProject}/${c.composeService}` : null;
}
