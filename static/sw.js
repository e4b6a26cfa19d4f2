// The service worker's old address, where phones installed it as a classic script before it became
// a module (/service-worker.js). Such a worker would keep serving the old app.js from its cache,
// and that app.js registers this address, which a module cannot load as a classic script. So this
// address now drops the old shell cache and steps aside: the next page load gets the current
// app.js from the network, and that registers the module worker in this one's place.
self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith('shell-')) await caches.delete(name);
    await self.clients.claim();
  })());
});
