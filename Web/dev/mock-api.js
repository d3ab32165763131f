// Development-only stand-in for the Api: generated data over the same REST routes and the SignalR JSON
// hub protocol (WebSockets, no negotiation) as docs/live-api.md. Never part of the production bundle.
//
//   node dev/mock-api.js            # listens on http://localhost:5000
//   MOCK_PORT=5055 node dev/mock-api.js
//   MOCK_CONTAINERS=1000 node dev/mock-api.js   # 1000 containers over 5 hosts, all up (the scale bench)
// It also serves the built app (../Api/wwwroot/app) at / when that folder exists.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';

const PORT = Number(process.env.MOCK_PORT ?? 5000);
const RS = '\u001e';
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const now = () => Date.now();
const iso = (t) => new Date(t).toISOString();

let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);

const SCALE = Number(process.env.MOCK_CONTAINERS ?? 0);
const hosts = SCALE > 0
  ? ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].map((name, i) => ({ hostId: `h-${name}`, name, cpus: 16, mem: 64 * GiB, status: 'up', n: Math.floor(SCALE / 5) + (i < SCALE % 5 ? 1 : 0) }))
  : [
    { hostId: 'h-alpha', name: 'alpha', cpus: 16, mem: 64 * GiB, status: 'up', n: 18 },
    { hostId: 'h-beta', name: 'beta', cpus: 8, mem: 32 * GiB, status: 'up', n: 12 },
    { hostId: 'h-gamma', name: 'gamma', cpus: 4, mem: 16 * GiB, status: 'down', n: 4, lastSeen: now() - 7 * 60_000 - 12_000 },
    { hostId: 'h-delta', name: 'delta', status: 'unreachable', n: 0, neverReached: true, error: 'connect ECONNREFUSED 10.0.0.14:2375' },
  ];
const services = ['web', 'api', 'worker', 'postgres', 'redis', 'nginx', 'grafana', 'prometheus', 'loki', 'rabbitmq', 'scheduler', 'mailer'];
const images = { web: 'node:22-alpine', api: 'mcr.microsoft.com/dotnet/aspnet:10.0', worker: 'python:3.13-slim', postgres: 'postgres:17', redis: 'redis:7.4', nginx: 'nginx:1.27', grafana: 'grafana/grafana:11.3.0', prometheus: 'prom/prometheus:v3.0.0', loki: 'grafana/loki:3.2.1', rabbitmq: 'rabbitmq:4-management', scheduler: 'alpine:3.20', mailer: 'axllent/mailpit:v1.21' };

const containers = [];
for (const host of hosts) {
  for (let i = 0; i < host.n; i++) {
    const svc = services[(i + host.name.length) % services.length];
    const project = ['shop', 'billing', 'observability'][i % 3];
    const id = Array.from({ length: 64 }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');
    let state = 'running';
    if (i % 50 === 5) state = 'exited';
    if (i % 50 === 9) state = 'restarting';
    if (i % 50 === 11) state = 'paused';
    const c = {
      id, hostId: host.hostId, name: `${project}-${svc}-${1 + Math.floor(i / services.length)}`, image: images[svc],
      labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': svc, 'org.opencontainers.image.source': `https://example.org/${project}/${svc}` },
      composeProject: project, composeService: svc, state, health: svc === 'api' || svc === 'postgres' ? (i === 2 ? 'unhealthy' : 'healthy') : null,
      created: iso(now() - 86400_000 * (1 + i)), startedAt: state === 'created' ? null : iso(now() - 3600_000 * (1 + i)),
      finishedAt: state === 'exited' ? iso(now() - 600_000) : null, exitCode: state === 'exited' ? (i % 2 ? 137 : 1) : null,
      oomKilled: state === 'exited' && host.name === 'alpha', removed: false,
      restartCount: state === 'restarting' ? 3 + (i % 5) : 0, lastExitCode: state === 'restarting' ? 1 : null,
    };
    const limited = i % 4 !== 3;
    containers.push({ c, host, cpu: rnd() * 40, mem: (50 + rnd() * 900) * MiB, limit: limited ? [256, 512, 1024, 2048][i % 4] * MiB : host.mem, limited, rx: 0, tx: 0, rd: 0, wr: 0, pids: 2 + Math.floor(rnd() * 40), window: [] });
  }
}
for (const x of containers) {
  if (x.mem > x.limit) x.mem = x.limit * 0.8;
}

function step(x, t) {
  if (x.c.state !== 'running') return null;
  x.cpu = Math.max(0, Math.min(x.host.cpus * 100, x.cpu + (rnd() - 0.5) * 8 + (rnd() < 0.02 ? 60 : 0) - (x.cpu > 80 ? 10 : 0)));
  x.mem = Math.max(8 * MiB, Math.min(x.limit * 0.98, x.mem + (rnd() - 0.48) * 6 * MiB));
  const rxRate = Math.max(0, 20_000 + Math.sin(t / 30_000 + x.pids) * 15_000 + rnd() * 40_000);
  const txRate = rxRate * (0.3 + rnd() * 0.4);
  const rdRate = rnd() < 0.2 ? rnd() * 4 * MiB : rnd() * 20_000;
  const wrRate = rnd() * 200_000;
  x.rx += rxRate; x.tx += txRate; x.rd += rdRate; x.wr += wrRate;
  const user = x.cpu * 0.75;
  const s = {
    timestamp: iso(t), cpuPercent: x.cpu, cpuUserPercent: user, cpuKernelPercent: x.cpu - user,
    memoryUsedBytes: Math.round(x.mem), memoryLimitBytes: x.limit, memoryPercent: (x.mem / x.limit) * 100, memoryLimited: x.limited,
    netRxBytes: Math.round(x.rx), netTxBytes: Math.round(x.tx), netRxBytesPerSecond: rxRate, netTxBytesPerSecond: txRate,
    blockReadBytes: Math.round(x.rd), blockWriteBytes: Math.round(x.wr), blockReadBytesPerSecond: rdRate, blockWriteBytesPerSecond: wrRate,
    pids: x.pids, pidsLimit: null, throttledPeriodsRatio: x.limited && x.cpu > 30 ? Math.min(1, (x.cpu - 30) / 40) : 0, throttledTimeNanoseconds: 0,
  };
  const p = { timestamp: s.timestamp, cpuPercent: s.cpuPercent, cpuUserPercent: s.cpuUserPercent, cpuKernelPercent: s.cpuKernelPercent, memoryUsedBytes: s.memoryUsedBytes, netRxBytesPerSecond: rxRate, netTxBytesPerSecond: txRate, blockReadBytesPerSecond: rdRate, blockWriteBytesPerSecond: wrRate, pids: x.pids };
  x.sample = s;
  x.point = p;
  x.window.push(p);
  if (x.window.length > 600) x.window.shift();
  return s;
}

// Pre-fill 10 minutes of window (a minute at scale: enough for the table).
{
  const n = SCALE > 0 ? 60 : 600;
  const t0 = now() - n * 1000;
  for (let k = 0; k < n; k++) for (const x of containers) step(x, t0 + k * 1000);
}

let sequence = 0;
function hostFrame(host) {
  const reached = !host.neverReached;
  const items = containers.filter((x) => x.host === host).map((x) => ({ container: x.c, sample: host.status === 'up' ? (x.c.state === 'running' ? x.sample : null) : x.sample ?? null }));
  const samples = items.map((i) => i.sample).filter(Boolean);
  const sum = (f) => samples.reduce((a, s) => a + (f(s) ?? 0), 0);
  return {
    sequence: ++sequence, timestamp: iso(now()), hostId: host.hostId, status: host.status,
    host: reached ? { hostId: host.hostId, name: host.name, cpus: host.cpus, memoryTotalBytes: host.mem, operatingSystem: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-28-amd64', dockerVersion: '28.2.2', apiVersion: '1.50', cgroupVersion: host.name === 'gamma' ? '1' : '2', cgroupDriver: host.name === 'gamma' ? 'cgroupfs' : 'systemd', statsSource: host.name === 'beta' ? 'cgroupfs' : 'docker-api' } : null,
    lastSeen: host.status === 'up' ? iso(now()) : host.lastSeen ? iso(host.lastSeen) : null,
    error: host.error ?? (host.status === 'down' ? 'silo declared dead by Orleans membership' : null),
    containers: items,
    totals: { cpuPercent: sum((s) => s.cpuPercent), memoryUsedBytes: sum((s) => s.memoryUsedBytes), netRxBytesPerSecond: sum((s) => s.netRxBytesPerSecond), netTxBytesPerSecond: sum((s) => s.netTxBytesPerSecond), blockReadBytesPerSecond: sum((s) => s.blockReadBytesPerSecond), blockWriteBytesPerSecond: sum((s) => s.blockWriteBytesPerSecond), pids: sum((s) => s.pids) },
  };
}

setInterval(() => {
  const t = now();
  for (const x of containers) if (x.host.status === 'up') step(x, t);
  for (const client of clients) client.tick();
}, 1000);

// ---- REST ----
function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': type });
  res.end(JSON.stringify(body));
}
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const m = url.pathname.match(/^\/api\/containers\/([^/]+)(\/history)?$/);
  if (url.pathname === '/api/hosts') return send(res, 200, hosts.map((h) => ({ ...hostFrame(h), containers: undefined })));
  if (m) {
    const x = containers.find((y) => y.c.id.startsWith(m[1]));
    if (!x) return send(res, 404, { type: 'about:blank', title: 'Not Found', status: 404, detail: `unknown container ${m[1]}` }, 'application/problem+json');
    if (!m[2]) return send(res, 200, { container: x.c, sample: x.sample ?? null });
    const to = Date.parse(url.searchParams.get('to') ?? iso(now()));
    const from = Date.parse(url.searchParams.get('from') ?? iso(to - 3600_000));
    const points = [];
    const base = x.cpu;
    for (let t = Math.ceil(from / 60_000) * 60_000; t < to; t += 60_000) {
      if (Math.abs(t - (to - 3 * 3600_000)) < 8 * 60_000) continue; // a gap in the data
      const k = t / 60_000;
      const avg = Math.max(0, base * (0.6 + 0.4 * Math.sin(k / 25)) + rnd() * 5);
      const mem = x.mem * (0.85 + 0.1 * Math.sin(k / 40));
      points.push({ containerId: x.c.id, hostId: x.c.hostId, minute: iso(t), sampleCount: 60, cpuPercentAvg: avg, cpuPercentMin: avg * 0.5, cpuPercentMax: avg * 1.6 + 3, cpuPercentP95: avg * 1.3 + 1, memoryUsedBytesAvg: Math.round(mem), memoryUsedBytesMin: Math.round(mem * 0.95), memoryUsedBytesMax: Math.round(mem * 1.05), memoryUsedBytesP95: Math.round(mem * 1.03), memoryLimitBytes: x.limit, netRxBytes: Math.round(60 * (30_000 + 20_000 * Math.sin(k / 15))), netTxBytes: Math.round(60 * (12_000 + 8_000 * Math.cos(k / 15))), blockReadBytes: Math.round(60 * rnd() * 200_000), blockWriteBytes: Math.round(60 * rnd() * 100_000), pidsMax: x.pids, throttledTimeNanoseconds: 0, throttlePeriods: x.limited ? 600 : 0, throttledPeriods: x.limited && avg > 30 ? Math.round(600 * Math.min(1, (avg - 30) / 40)) : 0 });
    }
    return send(res, 200, { containerId: x.c.id, from: iso(from), to: iso(to), step: '1m', points });
  }
  if (!url.pathname.startsWith('/api/') && serveStatic(url.pathname, res)) return;
  send(res, 404, { title: 'Not Found', status: 404 }, 'application/problem+json');
});

const STATIC_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../Api/wwwroot/app');
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
function serveStatic(pathname, res) {
  const file = path.join(STATIC_ROOT, pathname === '/' ? 'index.html' : path.normalize(pathname).replace(/^[/\\]+/, ''));
  if (!file.startsWith(STATIC_ROOT) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return false;
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
  res.end(fs.readFileSync(file));
  return true;
}

// ---- SignalR JSON hub protocol over WebSockets ----
const clients = new Set();
const wss = new WebSocket.Server({ server, path: '/hubs/live' });
wss.on('connection', (ws) => {
  let handshaken = false;
  const streams = new Map(); // invocationId -> { target, args, first }
  const out = (msg) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(msg) + RS);
  const client = {
    tick() {
      for (const [invocationId, s] of streams) {
        if (s.target === 'WatchAll' || s.target === 'WatchHost') {
          for (const h of hosts) if (s.target === 'WatchAll' || h.hostId === s.args[0]) out({ type: 2, invocationId, item: hostFrame(h) });
        } else if (s.target === 'WatchContainer') {
          const x = containers.find((y) => y.c.id.startsWith(s.args[0]));
          if (!x) continue;
          const running = x.c.state === 'running' && x.host.status === 'up';
          out({ type: 2, invocationId, item: { container: x.c, sample: running ? x.sample : null, point: s.first || !running ? null : x.point, window: s.first ? x.window : null } });
          s.first = false;
        }
      }
    },
  };
  clients.add(client);
  const ping = setInterval(() => out({ type: 6 }), 10_000);
  ws.on('close', () => { clients.delete(client); clearInterval(ping); });
  ws.on('message', (data) => {
    for (const raw of data.toString().split(RS)) {
      if (!raw) continue;
      const msg = JSON.parse(raw);
      if (!handshaken) { handshaken = true; ws.send('{}' + RS); continue; }
      if (msg.type === 4) {
        const known = ['WatchAll', 'WatchHost', 'WatchContainer'];
        if (!known.includes(msg.target)) { out({ type: 3, invocationId: msg.invocationId, error: `Unknown hub method '${msg.target}'` }); continue; }
        if (msg.target === 'WatchContainer' && !containers.some((y) => y.c.id.startsWith(msg.arguments[0]))) {
          out({ type: 3, invocationId: msg.invocationId, error: 'An unexpected error occurred invoking \'WatchContainer\' on the server. KeyNotFoundException: unknown container' });
          continue;
        }
        streams.set(msg.invocationId, { target: msg.target, args: msg.arguments ?? [], first: true });
        client.tick(); // the snapshot right away
      } else if (msg.type === 5) {
        streams.delete(msg.invocationId);
      } else if (msg.type === 7) {
        ws.close();
      }
    }
  });
});

server.listen(PORT, '127.0.0.1', () => console.log(`mock api on http://127.0.0.1:${PORT}`));
