// The outbox: every visit is written here first (IndexedDB, under its client_id), then sent.
// Keyed per user, so the next volunteer on a shared phone never sees (or sends) another's visits.
// The page and the service worker (a module worker) both import this file: one send loop for both,
// so nothing here may touch `document` except through globalThis.document (absent in the worker).
import { openDB } from '../vendor/idb/index.js';
import { request } from './net.js';

const DB_NAME = 'campaign-outbox';
const CHUNK = 200;
let dbPromise;

export function currentUser() {
  const meta = globalThis.document?.querySelector('meta[name="user-id"]');
  return meta ? meta.content : null;
}

function db() {
  dbPromise ||= openDB(DB_NAME, 1, {
    upgrade(database) {
      const visits = database.createObjectStore('visits', { keyPath: 'key' });
      visits.createIndex('user', 'user');
      database.createObjectStore('meta');
    },
  });
  return dbPromise;
}

export async function all(user = currentUser()) {
  if (!user) return [];
  const rows = await (await db()).getAllFromIndex('visits', 'user', user);
  return rows.sort((a, b) => a.saved_at.localeCompare(b.saved_at));
}

export async function get(clientId, user = currentUser()) {
  return (await db()).get('visits', `${user}:${clientId}`);
}

export async function put(item, user = currentUser()) {
  const row = {
    key: `${user}:${item.client_id}`,
    user,
    client_id: item.client_id,
    item,
    state: 'pending',
    errors: {},
    saved_at: new Date().toISOString(),
  };
  await (await db()).put('visits', row);
  notify();
  return row;
}

export async function remove(clientId, user = currentUser()) {
  await (await db()).delete('visits', `${user}:${clientId}`);
  notify();
}

export async function getMeta(name) {
  return (await db()).get('meta', name);
}

export async function setMeta(name, value) {
  return (await db()).put('meta', value, name);
}

function notify() {
  globalThis.document?.dispatchEvent(new CustomEvent('outbox-changed'));
}

export class LoginNeeded extends Error {}

async function csrfToken(signal) {
  const response = await request('/api/v1/csrf', { credentials: 'same-origin', cache: 'no-store', signal });
  if (response.status === 401) throw new LoginNeeded();
  if (!response.ok) throw new Error(`csrf ${response.status}`);
  return (await response.json()).csrf_token;
}

async function post(batch, signal, retried = false) {
  // A fresh token before each send: the one in a cached page goes stale.
  const token = await csrfToken(signal);
  const response = await request('/api/v1/visits', {
    method: 'POST',
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token, Accept: 'application/json' },
    body: JSON.stringify({ visits: batch.map((row) => row.item) }),
    signal,
  });
  if (response.status === 401) throw new LoginNeeded();
  const body = await response.json().catch(() => null);
  if (response.status === 400 && body?.error?.code === 'csrf' && !retried) return post(batch, signal, true);
  if (!response.ok || !body?.results) throw new Error(`send ${response.status}`);
  return body.results;
}

const waiting = (row) => row.state === 'pending' || row.state === 'sending';

// Sends what is waiting, including visits saved while it runs; returns {sent, left}.
// Throws LoginNeeded, a TimeoutError (static/js/net.js), a network error, or an AbortError when
// `signal` aborts (then nothing more is sent; what the server acknowledged is already removed).
export async function send(user = currentUser(), { signal } = {}) {
  const run = async () => {
    const posted = new Set(); // each visit at most once per run, whatever the server answers
    let sent = 0;
    for (;;) {
      const batch = (await all(user)).filter((row) => waiting(row) && !posted.has(row.key)).slice(0, CHUNK);
      if (!batch.length) break;
      const results = await post(batch, signal);
      batch.forEach((row) => posted.add(row.key));
      const database = await db();
      const tx = database.transaction('visits', 'readwrite');
      results.forEach((result, index) => {
        const row = batch[index];
        if (result.status === 'created' || result.status === 'duplicate') {
          tx.store.delete(row.key);
          sent += 1;
        } else {
          tx.store.put({ ...row, state: result.status, errors: result.errors || {} });
        }
      });
      await tx.done;
      notify();
    }
    return { sent, left: (await all(user)).length };
  };
  // One sender at a time across tabs and the service worker, where the browser can say so.
  if (navigator.locks) return navigator.locks.request('outbox-send', { signal }, run);
  return run();
}

export async function exportFile(user = currentUser()) {
  const rows = await all(user);
  const body = { format: 'campaign-outbox', version: 1, user, exported_at: new Date().toISOString(),
    visits: rows.map((row) => row.item) };
  const blob = new Blob([JSON.stringify(body, null, 1)], { type: 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `luot-tham-chua-gui-${new Date().toISOString().slice(0, 10)}.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  return rows.length;
}

// Returns how many visits were added; throws on a file that is not an export of this user.
export async function importFile(file, user = currentUser()) {
  const body = JSON.parse(await file.text());
  if (body?.format !== 'campaign-outbox' || !Array.isArray(body.visits) || String(body.user) !== String(user)) {
    throw new Error('bad file');
  }
  let added = 0;
  for (const item of body.visits) {
    if (item && typeof item.client_id === 'string' && !(await get(item.client_id, user))) {
      await put(item, user);
      added += 1;
    }
  }
  return added;
}
