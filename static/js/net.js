// Every request from the page and from the service worker goes through request(): a network that
// connects but never answers (rural 3G) must end in an error the caller can retry, never a hang.
// The page reads the settings from <meta name="network">, the worker from the server's copy in
// service-worker.js.
export const settings = { timeoutMs: 30000, retryMinMs: 5000, retryMaxMs: 300000 };

export function configure(values = {}) {
  for (const name of Object.keys(settings)) {
    if (Number.isFinite(values[name]) && values[name] > 0) settings[name] = values[name];
  }
}

// The network did not answer within the timeout (a user's abort stays an AbortError).
export class TimeoutError extends Error {
  constructor(ms) {
    super(`no answer in ${ms} ms`);
    this.name = 'TimeoutError';
    this.ms = ms;
  }
}

// fetch() that gives up after `timeoutMs` (the whole answer, body included) or when `signal` aborts.
export async function request(resource, { signal, timeoutMs = settings.timeoutMs, ...init } = {}) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs);
  const stop = () => controller.abort();
  if (signal?.aborted) controller.abort();
  signal?.addEventListener('abort', stop);
  try {
    const response = await fetch(resource, { ...init, signal: controller.signal });
    // The body under the same clock (a server can send headers and then stall); reading a clone
    // keeps the response itself whole, with its redirect and type, for the cache and the page.
    await response.clone().arrayBuffer();
    return response;
  } catch (error) {
    throw timedOut ? new TimeoutError(timeoutMs) : error;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', stop);
  }
}

// Exponential backoff with jitter, capped; reset() after a success. Half the delay is fixed and
// half random, so phones that lost the network together do not all come back at the same second.
export class Backoff {
  constructor() {
    this.attempt = 0;
  }

  next() {
    const ceiling = Math.min(settings.retryMaxMs, settings.retryMinMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  reset() {
    this.attempt = 0;
  }
}
