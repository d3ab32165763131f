// The soak's dashboard: headless Chromium opened on the Api's page, authenticated the way a person would be after
// answering the page's key prompt. Headless Chromium cannot answer window.prompt, so this script drives it over the
// DevTools protocol: before the page's own scripts run on every document, it stores the key in sessionStorage
// ('orleans-monitor.api-key', where Web/src/auth.js keeps the key of the browser session). Runs until SIGTERM.
//
//   SOAK_URL=http://127.0.0.1:5000/ SOAK_KEY=... CHROME_PROFILE=/tmp/dir node bench/soak-dashboard.mjs
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';

const here = path.dirname(new URL(import.meta.url).pathname);
const require = createRequire(path.join(here, '../Web/package.json'));
const WebSocket = require('ws');

const url = process.env.SOAK_URL;
const key = process.env.SOAK_KEY ?? '';
const profile = process.env.CHROME_PROFILE;
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!url || !profile) { console.error('SOAK_URL and CHROME_PROFILE are required'); process.exit(2); }

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

const cdpPort = await freePort();
const chrome = spawn(chromium, [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-extensions', `--user-data-dir=${profile}`,
  `--remote-debugging-port=${cdpPort}`, 'about:blank',
], { stdio: ['ignore', 'inherit', 'inherit'] });
const stop = () => { try { chrome.kill('SIGTERM'); } catch { /* gone */ } };
process.on('SIGTERM', () => { stop(); process.exit(0); });
process.on('SIGINT', () => { stop(); process.exit(130); });
chrome.on('exit', (code) => { console.error(`chromium exited (${code})`); process.exit(1); });

const target = await waitFor('Chromium', async () => {
  const list = await (await fetch(`http://127.0.0.1:${cdpPort}/json/list`)).json();
  return list.find((t) => t.type === 'page');
});
const ws = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false });
await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
let nextId = 1;
const pending = new Map();
ws.on('message', (data) => {
  const msg = JSON.parse(data);
  if (msg.id && pending.has(msg.id)) {
    const { resolve, reject } = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) reject(new Error(JSON.stringify(msg.error))); else resolve(msg.result);
  } else if (msg.method === 'Page.javascriptDialogOpening') {
    // A prompt means the key was refused: say so and leave the dialog open (the live stream count shows it).
    console.error(`the page asked: ${msg.params.message}`);
  } else if (msg.method === 'Runtime.exceptionThrown') {
    console.error(`page exception: ${msg.params.exceptionDetails?.exception?.description ?? msg.params.exceptionDetails?.text}`);
  }
});
ws.on('close', () => { console.error('DevTools connection closed'); stop(); process.exit(1); });
const send = (method, params = {}) => new Promise((resolve, reject) => {
  const id = nextId++;
  pending.set(id, { resolve, reject });
  ws.send(JSON.stringify({ id, method, params }));
});

await send('Page.enable');
await send('Runtime.enable');
await send('Page.addScriptToEvaluateOnNewDocument', {
  source: `try { sessionStorage.setItem('orleans-monitor.api-key', ${JSON.stringify(key)}); } catch { /* opaque origin */ }`,
});
await send('Page.navigate', { url });
console.error(`dashboard open on ${url}`);
// Stay up with Chromium; the soak ends both with SIGTERM.
setInterval(() => {}, 1 << 30);
