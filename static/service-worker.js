// The service worker: keeps the app shell for offline use. Served at /service-worker.js (scope:
// the whole site); the server fills in VERSION from the shell files' content, so a change makes a new
// cache and the old ones are deleted on activation. A module worker (registered with
// {type: 'module'}): it sends the outbox with the page's own code, static/js/outbox.js.
import * as outbox from '/static/js/outbox.js';
import { configure, request } from '/static/js/net.js';

const VERSION = '__VERSION__';
const CACHE = `shell-${VERSION}`;
const FILES = __SHELL_FILES__;
const PAGES = ['/', '/visits/new', '/visits/mine', '/offline'];
const NETWORK_WAIT_MS = 4000;
configure(__NETWORK__);

// cache.addAll without a timeout would leave the worker installing for as long as the network hangs.
async function addAll(cache, paths) {
  const responses = await Promise.all(paths.map(async (path) => {
    const response = await request(path);
    if (!response.ok) throw new Error(`${path} ${response.status}`);
    return [path, response];
  }));
  await Promise.all(responses.map(([path, response]) => cache.put(path, response)));
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await addAll(cache, [...FILES, '/manifest.webmanifest']);
    // Pages need the session; keep only real pages, never a redirect to the login form.
    await Promise.all(PAGES.map(async (path) => {
      try {
        const response = await request(path, { credentials: 'same-origin', cache: 'no-store' });
        if (response.ok && !response.redirected) await cache.put(path, response);
      } catch {
        // offline (or no answer) during install: the page is cached on its next visit
      }
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

async function fromNetwork(pageRequest, path) {
  const response = await request(pageRequest);
  if (response.ok && !response.redirected && PAGES.includes(path)) {
    const copy = response.clone();
    caches.open(CACHE).then((cache) => cache.put(path, copy));
  }
  return response;
}

async function navigate(event, url) {
  const network = fromNetwork(event.request, url.pathname);
  event.waitUntil(network.catch(() => null));
  const timeout = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT_MS, null));
  try {
    const response = await Promise.race([network, timeout]);
    if (response) return response;
  } catch {
    // offline: fall through to the cache
  }
  const cache = await caches.open(CACHE);
  const cached = (await cache.match(url.pathname)) || (await cache.match(url.pathname, { ignoreSearch: true }));
  if (cached) return cached;
  try {
    return await network;
  } catch {
    return (await cache.match('/offline')) || Response.error();
  }
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) return; // the outbox handles the API itself
  if (event.request.mode === 'navigate') {
    event.respondWith(navigate(event, url));
    return;
  }
  if (url.pathname.startsWith('/static/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(
      caches.match(event.request, { ignoreSearch: true }).then((hit) => hit || request(event.request)),
    );
  }
});

// Background Sync (Chromium): an open page sends its own outbox; with none open, the worker
// sends the outbox of whoever the session belongs to (asked of the server, never guessed).
self.addEventListener('sync', (event) => {
  if (event.tag !== 'outbox') return;
  event.waitUntil((async () => {
    const clients = await self.clients.matchAll({ type: 'window' });
    if (clients.length) {
      for (const client of clients) client.postMessage({ type: 'send-outbox' });
      return;
    }
    await sendFromWorker(); // throws when offline, so the browser tries again later
  })());
});

// The same send as the page's (CSRF refresh, 401, timeout), for whoever the session belongs to.
async function sendFromWorker() {
  const me = await request('/api/v1/me', { credentials: 'same-origin', cache: 'no-store' });
  if (!me.ok) return; // logged out: the visits wait for the next login
  try {
    await outbox.send(String((await me.json()).user.id));
  } catch (error) {
    if (!(error instanceof outbox.LoginNeeded)) throw error; // the browser tries again later
  }
}

self.addEventListener('message', (event) => {
  // After logout the next user of the phone must not see this user's pages.
  if (event.data?.type === 'forget-pages') {
    event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(PAGES.map((p) => cache.delete(p)))));
  }
});
