// After joining: keep the visit form and the volunteer's hamlets for offline use before the
// volunteer leaves the training room. The service worker (registered by app.js) caches these pages
// when it installs, but it may have installed before sign-in, so they are put in its cache here.
const PAGES = ['/visits/new', '/visits/mine', '/'];

async function keepOffline() {
  const status = document.querySelector('[data-offline-status]');
  if (!status || !('serviceWorker' in navigator) || !('caches' in window)) return;
  status.textContent = status.dataset.saving;
  try {
    await navigator.serviceWorker.ready;
    const name = (await caches.keys()).find((key) => key.startsWith('shell-'));
    if (!name) throw new Error('no shell cache');
    const cache = await caches.open(name);
    for (const path of PAGES) {
      const response = await fetch(path, { credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok || response.redirected) throw new Error(`${path} ${response.status}`);
      await cache.put(path, response);
    }
    status.textContent = status.dataset.ready;
    status.dataset.state = 'ready';
  } catch {
    status.textContent = status.dataset.failed;
    status.dataset.state = 'failed';
  }
}

keepOffline();
