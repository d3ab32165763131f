// API key of this browser session. An Api that requires keys (cluster mode, or listening beyond localhost) answers
// 401 without one: the page asks once, keeps the key in sessionStorage (gone when the browser session ends) and
// sends it as `Authorization: Bearer` on REST and as the hub's access token.
const STORAGE_KEY = 'orleans-monitor.api-key';

/** The key of this session, or '' (a standalone Api on localhost needs none). */
export function apiKey() {
  return sessionStorage.getItem(STORAGE_KEY) ?? '';
}

/** For the SignalR client's accessTokenFactory. */
export const accessTokenFactory = () => apiKey();

function withKey(init = {}) {
  const key = apiKey();
  if (!key) return init;
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${key}`);
  return { ...init, headers };
}

function askForKey(rejected) {
  const key = window.prompt(rejected
    ? 'This API key was not accepted. API key for Orleans.Monitor:'
    : 'This Orleans.Monitor Api needs an API key:');
  if (key === null || key.trim() === '') return false;
  sessionStorage.setItem(STORAGE_KEY, key.trim());
  return true;
}

/** fetch with the session's key; on 401 asks for a key and tries again. */
export async function authFetch(url, init) {
  let res = await fetch(url, withKey(init));
  while (res.status === 401 && askForKey(apiKey() !== '')) {
    res = await fetch(url, withKey(init));
  }
  return res;
}

/** Before the hub connects: one authorised read, asking for a key while the Api answers 401. */
export async function ensureApiKey() {
  try {
    await authFetch('/api/cluster', { headers: { accept: 'application/json' } });
  } catch {
    // Unreachable Api: the hub connection shows it and retries.
  }
}
