// Latest known state from the WatchAll stream. Every HostFrame is a full snapshot of its host.
export const store = {
  /** hostId -> HostFrame without its containers, plus derived totals */
  hosts: new Map(),
  /** containerId -> { container, sample, hostId } */
  containers: new Map(),
  /** hostId -> Set of containerIds in the last frame */
  byHost: new Map(),
  /** ms timestamp of the last frame received */
  lastFrameAt: 0,
  /** true until the first snapshot after (re)subscribing has arrived */
  awaitingSnapshot: true,
  version: 0,
};

export function applyHostFrame(frame) {
  const hostId = frame.hostId;
  const ids = new Set();
  let running = 0;
  for (const item of frame.containers ?? []) {
    const c = item.container;
    ids.add(c.id);
    const prev = store.containers.get(c.id);
    if (prev) {
      prev.container = c;
      prev.sample = item.sample;
      prev.hostId = hostId;
    } else {
      store.containers.set(c.id, { container: c, sample: item.sample, hostId });
    }
    if (c.state === 'running') running++;
  }
  const old = store.byHost.get(hostId);
  if (old) for (const id of old) if (!ids.has(id)) store.containers.delete(id);
  store.byHost.set(hostId, ids);
  const prevHost = store.hosts.get(hostId);
  store.hosts.set(hostId, {
    hostId,
    host: frame.host ?? prevHost?.host ?? null,
    status: frame.status,
    lastSeen: frame.lastSeen,
    error: frame.error,
    sequence: frame.sequence,
    timestamp: frame.timestamp,
    containersTotal: ids.size,
    containersRunning: running,
    // The host grain's totals: every container that holds the resource (paused ones too), shared network namespaces once.
    cpuPercent: frame.totals?.cpuPercent ?? 0,
    memoryUsedBytes: frame.totals?.memoryUsedBytes ?? 0,
    netRxBytesPerSecond: frame.totals?.netRxBytesPerSecond ?? null,
    netTxBytesPerSecond: frame.totals?.netTxBytesPerSecond ?? null,
  });
  store.lastFrameAt = Date.now();
  store.awaitingSnapshot = false;
  store.version++;
}

export function hostName(hostId) {
  return store.hosts.get(hostId)?.host?.name ?? hostId;
}
