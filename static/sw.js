// The service worker: keeps the app shell for offline use. Served at /sw.js (scope: the whole
// site); the server fills in VERSION from the shell files' content, so a change makes a new
// cache and the old ones are deleted on activation.
const VERSION = '__VERSION__';
const CACHE = `shell-${VERSION}`;
const FILES = __SHELL_FILES__;
const PAGES = ['/', '/visits/new', '/visits/mine', '/offline'];
const NETWORK_WAIT_MS = 4000;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll([...FILES, '/manifest.webmanifest']);
    // Pages need the session; keep only real pages, never a redirect to the login form.
    await Promise.all(PAGES.map(async (path) => {
      try {
        const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
        if (response.ok && !response.redirected) await cache.put(path, response);
      } catch {
        // offline during install: the page is cached on its next visit
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

async function fromNetwork(request, path) {
  const response = await fetch(request);
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
      caches.match(event.request, { ignoreSearch: true }).then((hit) => hit || fetch(event.request)),
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

const done = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

function openOutbox() {
  const request = indexedDB.open('campaign-outbox', 1);
  request.onupgradeneeded = () => { // same stores as static/js/outbox.js
    const visits = request.result.createObjectStore('visits', { keyPath: 'key' });
    visits.createIndex('user', 'user');
    request.result.createObjectStore('meta');
  };
  return done(request);
}

async function sendFromWorker() {
  const me = await fetch('/api/v1/me', { credentials: 'same-origin', cache: 'no-store' });
  if (!me.ok) return; // logged out: the visits wait for the next login
  const user = String((await me.json()).user.id);
  const db = await openOutbox();
  const rows = (await done(db.transaction('visits').objectStore('visits').index('user').getAll(user)))
    .filter((row) => row.state === 'pending');
  for (let start = 0; start < rows.length; start += 200) {
    const batch = rows.slice(start, start + 200);
    const token = (await (await fetch('/api/v1/csrf', { credentials: 'same-origin', cache: 'no-store' })).json()).csrf_token;
    const response = await fetch('/api/v1/visits', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': token },
      body: JSON.stringify({ visits: batch.map((row) => row.item) }),
    });
    if (!response.ok) throw new Error(`send ${response.status}`);
    const { results } = await response.json();
    const store = db.transaction('visits', 'readwrite').objectStore('visits');
    results.forEach((result, index) => {
      const row = batch[index];
      if (result.status === 'created' || result.status === 'duplicate') store.delete(row.key);
      else store.put({ ...row, state: result.status, errors: result.errors || {} });
    });
  }
}

self.addEventListener('message', (event) => {
  // After logout the next user of the phone must not see this user's pages.
  if (event.data?.type === 'forget-pages') {
    event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(PAGES.map((p) => cache.delete(p)))));
  }
});
