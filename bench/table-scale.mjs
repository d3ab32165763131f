// Browser cost of the containers table at scale: the built web app against Web/dev/mock-api.js with 1000 containers
// over 5 hosts (one frame per host per second), in headless Debian Chromium. A Chromium performance trace
// (CDP Tracing, devtools.timeline) of TRACE_SECONDS is cut into updates (one per mock tick); per update the script
// sums the main thread's scripting (top-level FunctionCall, FireAnimationFrame, TimerFire, EventDispatch,
// RunMicrotasks, without nesting) and, for comparison, style and layout.
//
//   bash bench/table-scale.sh       (builds the web app if needed, prints the figure, appends to bench/RESULTS.md)
import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const here = path.dirname(new URL(import.meta.url).pathname);
const web = path.resolve(here, '../Web');
const require = createRequire(path.join(web, 'package.json'));
const WebSocket = require('ws');

const CONTAINERS = Number(process.env.CONTAINERS ?? 1000);
const TRACE_SECONDS = Number(process.env.TRACE_SECONDS ?? 20);
const GROUP = process.env.GROUP ?? 'none';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, ms = 60_000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try { if ((last = await fn())) return last; } catch (e) { last = e; }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}: ${last}`);
}

const mockPort = await freePort();
const cdpPort = await freePort();
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'table-bench-'));
const children = [];
const cleanup = () => { for (const c of children) try { c.kill('SIGTERM'); } catch { /* gone */ } try { fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5 }); } catch { /* Chromium may still be writing */ } };
process.on('exit', cleanup);

const mock = spawn(process.execPath, ['dev/mock-api.js'], { cwd: web, env: { ...process.env, MOCK_PORT: String(mockPort), MOCK_CONTAINERS: String(CONTAINERS) }, stdio: ['ignore', 'pipe', 'inherit'] });
children.push(mock);
await waitFor('the mock Api', async () => (await fetch(`http://127.0.0.1:${mockPort}/api/hosts`)).ok);

const chrome = spawn(CHROMIUM, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-extensions', `--user-data-dir=${profile}`, `--remote-debugging-port=${cdpPort}`,
  '--window-size=1400,1000', 'about:blank',
], { stdio: 'ignore' });
children.push(chrome);
const target = await waitFor('Chromium', async () => {
  const list = await (await fetch(`http://127.0.0.1:${cdpPort}/json/list`)).json();
  return list.find((t) => t.type === 'page');
});

const ws = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false, maxPayload: 1 << 30 });
await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
let nextId = 1;
const pending = new Map();
const listeners = new Set();
ws.on('message', (data) => {
  const msg = JSON.parse(data);
  if (msg.id && pending.has(msg.id)) {
    const { resolve, reject } = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) reject(new Error(JSON.stringify(msg.error))); else resolve(msg.result);
  } else for (const l of listeners) l(msg);
});
const send = (method, params = {}) => new Promise((resolve, reject) => {
  const id = nextId++;
  pending.set(id, { resolve, reject });
  ws.send(JSON.stringify({ id, method, params }));
});
const evaluate = async (expression) => (await send('Runtime.evaluate', { expression, returnByValue: true })).result.value;

await send('Page.enable');
await send('Runtime.enable');
const hash = GROUP === 'none' ? '#/' : `#/?group=${GROUP}`;
await send('Page.navigate', { url: `http://127.0.0.1:${mockPort}/${hash}` });
const rowsShown = await waitFor(`${CONTAINERS} rows`, () => evaluate(
  `(() => { const n = document.querySelectorAll('[data-testid=container-row],[data-testid=group-row]').length; return n >= ${GROUP === 'none' ? CONTAINERS : 1} ? n : 0; })()`));
await sleep(3000); // a few updates past the first render

const events = [];
listeners.add((msg) => { if (msg.method === 'Tracing.dataCollected') events.push(...msg.params.value); });
const done = new Promise((r) => listeners.add((msg) => { if (msg.method === 'Tracing.tracingComplete') r(); }));
await send('Tracing.start', { traceConfig: { includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute'], recordMode: 'recordAsMuchAsPossible' }, transferMode: 'ReportEvents' });
await sleep(TRACE_SECONDS * 1000);
await send('Tracing.end');
await done;
ws.close();

// The renderer's main thread.
const threadNames = events.filter((e) => e.ph === 'M' && e.name === 'thread_name');
const main = threadNames.find((e) => e.args?.name === 'CrRendererMain' && events.some((x) => x.pid === e.pid && x.tid === e.tid && x.name === 'FireAnimationFrame'));
if (!main) throw new Error('no renderer main thread with animation frames in the trace');
const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur != null);

const SCRIPT = new Set(['FunctionCall', 'FireAnimationFrame', 'TimerFire', 'EventDispatch', 'RunMicrotasks', 'EvaluateScript', 'v8.callFunction', 'V8.Execute']);
const RENDER = new Set(['UpdateLayoutTree', 'Layout', 'RecalculateStyles', 'PrePaint', 'Paint', 'Layerize', 'UpdateLayer', 'Commit']);
/** Sum of the union of [ts, ts+dur) intervals (µs): nested events count once. */
function union(list) {
  const iv = list.map((e) => [e.ts, e.ts + e.dur]).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [s, t] of iv) {
    if (t <= end) continue;
    total += t - Math.max(s, end);
    end = t;
  }
  return total;
}
const scripting = onMain.filter((e) => SCRIPT.has(e.name));
const rendering = onMain.filter((e) => RENDER.has(e.name));
const frames = onMain.filter((e) => e.name === 'FireAnimationFrame');
const t0 = Math.min(...onMain.map((e) => e.ts));
const t1 = Math.max(...onMain.map((e) => e.ts + e.dur));
// One update per mock tick (a second): the 5 host frames of a tick and the render they cause.
const seconds = (t1 - t0) / 1e6;
const perSecond = [];
for (let s = t0; s < t1 - 1e6 / 2; s += 1e6) {
  const inWin = (e) => e.ts >= s && e.ts < s + 1e6;
  perSecond.push({ script: union(scripting.filter(inWin)) / 1000, render: union(rendering.filter(inWin)) / 1000 });
}
perSecond.sort((a, b) => a.script - b.script);
const median = (xs) => xs[Math.floor(xs.length / 2)];
const scriptMs = perSecond.map((x) => x.script).sort((a, b) => a - b);
const renderMs = perSecond.map((x) => x.render).sort((a, b) => a - b);
const rafMs = frames.map((e) => e.dur / 1000).sort((a, b) => a - b);
const result = {
  containers: CONTAINERS,
  grouping: GROUP,
  rows: rowsShown,
  seconds: Number(seconds.toFixed(1)),
  updates: perSecond.length,
  scriptingMsPerUpdateMedian: Number(median(scriptMs).toFixed(2)),
  scriptingMsPerUpdateMax: Number(scriptMs[scriptMs.length - 1].toFixed(2)),
  renderMsMedian: Number(median(rafMs).toFixed(2)),
  renderMsMax: Number(rafMs[rafMs.length - 1].toFixed(2)),
  styleLayoutPaintMsPerUpdateMedian: Number(median(renderMs).toFixed(2)),
  animationFrames: frames.length,
};
console.log(JSON.stringify(result));
if (process.env.BREAKDOWN) {
  const by = {};
  for (const e of onMain) by[e.name] = (by[e.name] ?? 0) + e.dur / 1000;
  console.log(Object.entries(by).sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${k} ${(v / seconds).toFixed(1)}ms/s`).join('\n'));
}
const load = os.loadavg()[0].toFixed(1);
const line = `| ${new Date().toISOString().slice(0, 16)}Z | ${CONTAINERS} / 5 | ${GROUP} | ${result.updates} | **${result.scriptingMsPerUpdateMedian}** | ${result.scriptingMsPerUpdateMax} | ${result.renderMsMedian} | ${result.renderMsMax} | ${result.styleLayoutPaintMsPerUpdateMedian} | ${load} |\n`;
const results = path.resolve(here, 'RESULTS.md');
let text = fs.existsSync(results) ? fs.readFileSync(results, 'utf8') : '# Benchmark results\n';
const heading = '## Web table at scale (`bash bench/table-scale.sh`)';
if (!text.includes(heading)) {
  text += `\n${heading}\n\n` +
    'Built web app + `Web/dev/mock-api.js` (MOCK_CONTAINERS, 5 hosts, one frame per host per second) in headless Debian Chromium at 1400×1000; ' +
    'a CDP performance trace (devtools.timeline) cut into one-second updates. Scripting = main-thread FunctionCall, FireAnimationFrame, TimerFire, ' +
    'EventDispatch and RunMicrotasks, nested events counted once (frame parsing, store update and the keyed table render). Target: under 16 ms per update.\n\n' +
    '| Date | Containers / hosts | Grouping | Updates | Scripting ms per update (median) | max | Render call ms (median) | max | Style+layout+paint ms per update (median) | Load (1 min) |\n' +
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n';
}
text += line;
fs.writeFileSync(results, text);
console.log(`scripting per update: ${result.scriptingMsPerUpdateMedian} ms median, ${result.scriptingMsPerUpdateMax} ms max (${result.updates} updates, ${CONTAINERS} containers over 5 hosts); appended to bench/RESULTS.md`);
process.exit(0);
