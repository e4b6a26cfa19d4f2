// Every volunteer page: the service worker, persistent storage, the outbox listing and sending
// (on load, on `online`, on Background Sync, from "Gửi ngay", with backoff), and the logout guard.
import * as outbox from './outbox.js';
import { Backoff, TimeoutError, configure } from './net.js';

configure(JSON.parse(document.querySelector('meta[name="network"]')?.content || '{}'));

const texts = () => document.getElementById('outbox-texts')?.dataset || {};
const pageLocale = document.documentElement.lang === 'en' ? 'en' : 'vi-VN';
const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, k) => values[k] ?? '');
const plurals = new Intl.PluralRules(pageLocale);
// The sentence for a count `n`: the template gives one per plural category ("one", "other").
const counted = (name, n) => {
  const t = texts();
  const suffix = plurals.select(n) === 'one' ? 'One' : 'Other';
  return fill(t[`${name}${suffix}`] || t[`${name}Other`] || '', { n: n.toLocaleString(pageLocale) });
};
// A time as the server's pages show it (campaign/i18n.py date_time): its pattern, in its time zone.
export function dateTime(iso) {
  const { pattern = 'dd/MM/yyyy HH:mm', timeZone } = JSON.parse(texts().timeFormat || '{}');
  const parts = {};
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  for (const { type, value } of format.formatToParts(new Date(iso))) parts[type] = value;
  const tokens = { yyyy: parts.year, MM: parts.month, dd: parts.day, HH: parts.hour, mm: parts.minute };
  return pattern.replace(/yyyy|MM|dd|HH|mm/g, (token) => tokens[token]);
}
const seconds = (ms) => (ms / 1000).toLocaleString(pageLocale, { maximumFractionDigits: 1 });
const backoff = new Backoff();
let retryTimer = null;
// The send in flight: {controller, promise, again}. At most one per page; the Web Lock in
// outbox.send keeps other tabs and the service worker out while it runs.
let attempt = null;

function setStatus(message) {
  for (const el of document.querySelectorAll('[data-outbox-status]')) el.textContent = message || '';
}

function errorList(errors) {
  return Object.values(errors || {}).flat().join(' ');
}

export async function render() {
  const rows = await outbox.all();
  const t = texts();
  for (const el of document.querySelectorAll('[data-outbox-count]')) el.textContent = String(rows.length);
  for (const section of document.querySelectorAll('[data-outbox]')) {
    section.hidden = rows.length === 0 && !section.querySelector('[data-outbox-status]').textContent;
    const list = section.querySelector('[data-outbox-list]');
    list.replaceChildren(
      ...rows.map((row) => {
        const li = document.createElement('li');
        li.dataset.clientId = row.client_id;
        li.dataset.state = row.state;
        const label = document.createElement('b');
        label.textContent = row.item.household;
        const when = document.createElement('span');
        when.className = 'muted';
        when.textContent = dateTime(row.item.visited_at);
        const state = document.createElement('span');
        state.className = `badge state--${row.state}`;
        state.textContent = t[row.state] || row.state;
        li.append(label, when, state);
        if (row.state === 'invalid') {
          const error = document.createElement('p');
          error.className = 'error';
          error.textContent = errorList(row.errors);
          const edit = document.createElement('a');
          edit.className = 'button';
          edit.href = `/visits/new?edit=${encodeURIComponent(row.client_id)}&campaign_id=${row.item.campaign_id}`;
          edit.textContent = t.edit;
          li.append(edit, error);
        }
        if (row.state === 'invalid' || row.state === 'conflict') {
          const drop = document.createElement('button');
          drop.type = 'button';
          drop.className = 'link';
          drop.textContent = t.remove;
          drop.addEventListener('click', async () => {
            if (window.confirm(t.confirmRemove)) await outbox.remove(row.client_id);
          });
          li.append(drop);
        }
        return li;
      }),
    );
  }
  document.documentElement.dataset.outboxShown = String(rows.length);
  return rows.length;
}

function scheduleRetry(error) {
  const delay = backoff.next();
  clearTimeout(retryTimer);
  retryTimer = setTimeout(() => sendNow(), delay);
  const t = texts();
  if (!navigator.onLine) setStatus(t.offline);
  else if (error instanceof TimeoutError) setStatus(fill(t.timeout || '', { t: seconds(error.ms), s: seconds(delay) }));
  else setStatus(fill(t.retry || '', { s: seconds(delay) }));
}

async function attemptSend(current) {
  do {
    current.again = false;
    const waiting = (await outbox.all()).filter((r) => r.state === 'pending' || r.state === 'sending');
    if (!waiting.length) return;
    setStatus(texts().sending);
    const { left } = await outbox.send(undefined, { signal: current.controller.signal });
    backoff.reset();
    setStatus(left ? '' : texts().done);
  } while (current.again);
}

// Sends the outbox. A call while a send runs joins it (and asks for one more round, for visits
// saved meanwhile); `fresh` aborts it and starts over, for "Gửi ngay" on a network that hangs.
export function sendNow({ fresh = false } = {}) {
  if (attempt && !fresh) {
    attempt.again = true;
    return attempt.promise;
  }
  const previous = attempt;
  previous?.controller.abort();
  const current = { controller: new AbortController(), again: false };
  current.promise = (async () => {
    clearTimeout(retryTimer);
    await previous?.promise; // settles at once once aborted; never two sends of the same visits
    try {
      await attemptSend(current);
    } catch (error) {
      if (current.controller.signal.aborted) return; // a fresh attempt took over
      if (error instanceof outbox.LoginNeeded) {
        setStatus(texts().login);
        askToLogIn();
      } else {
        scheduleRetry(error);
      }
    } finally {
      if (attempt === current) attempt = null;
      await render();
    }
  })();
  attempt = current;
  return current.promise;
}

function askToLogIn() {
  const t = texts();
  for (const section of document.querySelectorAll('[data-outbox]')) {
    if (section.querySelector('[data-login-link]')) continue;
    const link = document.createElement('a');
    link.className = 'button button--primary';
    link.dataset.loginLink = '';
    link.href = `${t.loginLink || '/login'}?next=${encodeURIComponent(location.pathname)}`;
    link.textContent = t.loginButton;
    section.append(link);
    section.hidden = false;
  }
}

export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register('outbox');
  } catch {
    // Safari and Firefox have no Background Sync: `online`, page load and the button cover it.
  }
}

function guardLogout() {
  for (const form of document.querySelectorAll('form[data-logout]')) {
    form.addEventListener('submit', async (event) => {
      if (form.dataset.confirmed) return;
      event.preventDefault();
      const count = (await outbox.all()).length;
      if (count && !window.confirm(counted('logoutWarning', count))) return;
      // The visits stay in this phone's outbox under this user; the cached pages go.
      navigator.serviceWorker?.controller?.postMessage({ type: 'forget-pages' });
      form.dataset.confirmed = '1';
      form.submit();
    });
  }
}

async function start() {
  const user = outbox.currentUser();
  if (!user) return;
  if ('serviceWorker' in navigator) {
    // A module worker: it imports outbox.js, so it sends exactly as the page does.
    navigator.serviceWorker.register('/service-worker.js', { scope: '/', type: 'module' }).catch(() => {});
    navigator.serviceWorker.addEventListener('message', (event) => {
      if (event.data?.type === 'send-outbox') sendNow();
    });
  }
  navigator.storage?.persist?.().catch(() => {});
  document.addEventListener('outbox-changed', () => render());
  window.addEventListener('online', () => { backoff.reset(); sendNow({ fresh: true }); });
  window.addEventListener('offline', () => setStatus(texts().offline));
  for (const button of document.querySelectorAll('[data-send-now]')) {
    button.addEventListener('click', () => { backoff.reset(); sendNow({ fresh: true }); });
  }
  for (const button of document.querySelectorAll('[data-export]')) {
    button.addEventListener('click', () => outbox.exportFile());
  }
  for (const input of document.querySelectorAll('[data-import]')) {
    input.addEventListener('change', async () => {
      const [file] = input.files;
      if (!file) return;
      try {
        setStatus(counted('imported', await outbox.importFile(file)));
        sendNow();
      } catch {
        setStatus(texts().badFile);
      }
      input.value = '';
    });
  }
  guardLogout();
  await render();
  sendNow();
}

start();
