// The visit form on the phone: steppers, household suggestions, GPS, and saving to the outbox
// first (it works offline); the page's own POST remains for browsers without JavaScript.
import * as outbox from './outbox.js';
import { requestBackgroundSync, sendNow } from './app.js';
import { Backoff, request } from './net.js';
import { checkVisit, cleanLabel } from './visit-rules.js';

const form = document.querySelector('[data-visit-form]');
const cfg = JSON.parse(form.dataset.config);
const user = outbox.currentUser();
const params = new URLSearchParams(location.search);
const field = (name) => form.elements.namedItem(name);
const lastHamletKey = `last-hamlet:${user}:${cfg.campaign_id}`;

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ISO 8601 with the phone's own offset, e.g. 2026-08-30T09:15:00+07:00.
function localIso(date = new Date()) {
  const pad = (n) => String(Math.abs(n)).padStart(2, '0');
  const off = -date.getTimezoneOffset();
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:` +
    `${pad(date.getMinutes())}:${pad(date.getSeconds())}${off >= 0 ? '+' : '-'}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

const num = (name) => Number.parseInt(field(name)?.value, 10) || 0;
const setNum = (name, n) => { field(name).value = String(Math.max(0, n)); };
const installsTotal = () => cfg.apps.reduce((sum, code) => sum + num(`install_${code}`), 0);

// Raising installs or "already had it" raises residents and smartphones with them, so that
// "installed Bluezone for 2 people" is: household, outcome, +, +, save.
function keepConsistent(changed) {
  const installs = installsTotal();
  if (changed.startsWith('install_') && num('smartphones') < installs) setNum('smartphones', installs);
  if (num('residents') < installs + num('already_installed')) setNum('residents', installs + num('already_installed'));
  if (changed === 'smartphones' && num('residents') < num('smartphones')) setNum('residents', num('smartphones'));
}

for (const button of form.querySelectorAll('[data-step]')) {
  button.addEventListener('click', () => {
    const input = button.parentElement.querySelector('input');
    setNum(input.name, num(input.name) + Number(button.dataset.step));
    keepConsistent(input.name);
  });
}

function hamlets() {
  return cfg.hamlets;
}

function fillSuggestions() {
  const hamlet = hamlets().find((h) => String(h.id) === field('hamlet_id').value);
  const list = document.getElementById('households');
  const seen = new Set();
  const options = [];
  for (const r of hamlet?.revisit || []) {
    seen.add(r.household);
    const o = new Option(r.household);
    o.textContent = `${r.household} ↻`;
    options.push(o);
  }
  for (const label of hamlet?.households || []) if (!seen.has(label)) options.push(new Option(label));
  list.replaceChildren(...options);
}

function showErrors(errors) {
  for (const box of form.querySelectorAll('[data-errors]')) box.replaceChildren();
  for (const el of form.querySelectorAll('.field--error')) el.classList.remove('field--error');
  const ask = form.querySelector('[data-installed-none]');
  ask.hidden = true;
  let first = null;
  for (const [name, messages] of Object.entries(errors)) {
    const key = name.startsWith('installs.') ? `install_${name.slice(9)}` : name;
    const wrap = form.querySelector(`[data-field="${key}"]`);
    const box = wrap?.querySelector(':scope > [data-errors]') || form.querySelector('[data-errors="_"]');
    wrap?.classList.add('field--error');
    const details = wrap?.closest('details');
    if (details) details.open = true;
    for (const message of messages) {
      // "Đã cài giúp" with no install is asked where the steppers are, with its one-tap fixes.
      if (message === cfg.rules.messages.installed_none) { ask.hidden = false; first ||= ask; continue; }
      const p = document.createElement('p');
      p.className = 'error';
      p.setAttribute('role', 'alert');
      p.textContent = message;
      box.append(p);
    }
    first ||= wrap || box;
  }
  if (first && !isVisible(first)) first.scrollIntoView({ block: 'center' });
}

function isVisible(el) {
  const r = el.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight;
}

for (const button of form.querySelectorAll('[data-fix-install]')) {
  button.addEventListener('click', () => {
    const name = `install_${button.dataset.fixInstall}`;
    setNum(name, num(name) + 1);
    keepConsistent(name);
    showErrors({});
  });
}
for (const button of form.querySelectorAll('[data-fix-outcome]')) {
  button.addEventListener('click', () => {
    form.querySelector(`input[name="outcome"][value="${button.dataset.fixOutcome}"]`).checked = true;
    showErrors({});
  });
}

function readItem() {
  const value = (name) => field(name)?.value ?? '';
  const item = {
    client_id: value('client_id'),
    campaign_id: cfg.campaign_id,
    hamlet_id: Number(value('hamlet_id')),
    household: cleanLabel(value('household')),
    site_kind: value('site_kind') || 'household',
    outcome: form.querySelector('input[name="outcome"]:checked')?.value || '',
    residents: num('residents'),
    smartphones: num('smartphones'),
    already_installed: num('already_installed'),
    installs: Object.fromEntries(cfg.apps.map((code) => [code, num(`install_${code}`)]).filter(([, n]) => n)),
    visited_at: value('visited_at') || localIso(),
  };
  for (const name of ['lat', 'lon', 'accuracy_m']) if (value(name) !== '') item[name] = Number(value(name));
  const note = value('note').trim();
  if (note) item.note = note;
  if (value('corrects')) item.corrects = value('corrects');
  return item;
}

function resetForm() {
  const keep = { hamlet: field('hamlet_id').value, site: field('site_kind').value };
  form.reset();
  field('hamlet_id').value = keep.hamlet;
  field('site_kind').value = keep.site;
  field('client_id').value = uuid();
  field('corrects').value = '';
  field('visited_at').value = '';
  for (const name of ['lat', 'lon', 'accuracy_m']) field(name).value = '';
  form.querySelector('[data-gps-status]').textContent = '';
  fillSuggestions();
  if (params.has('edit') || params.has('corrects')) history.replaceState(null, '', location.pathname);
}

// After a save: a toast at the top says what was kept and whether it has gone, with "Hoàn tác"
// for a few seconds. The send waits for those seconds, so that undo can take the visit back out
// of the outbox; leaving the page sends at once.
const toast = document.querySelector('[data-toast]');
const toastText = toast.querySelector('[data-save-status]');
const undoButton = toast.querySelector('[data-undo]');
const toastTexts = document.getElementById('toast-texts').dataset;
const undoMs = JSON.parse(document.querySelector('meta[name="network"]')?.content || '{}').undoMs ?? 5000;
let last = null; // {item, timer, undoable}

function say(template, label) {
  toastText.textContent = template.replace('{label}', label);
  toast.classList.add('toast--shown');
}

async function showSent() {
  if (!last || last.undoable) return;
  const sent = !(await outbox.get(last.item.client_id));
  say(sent ? toastTexts.sent : toastTexts.unsent, last.item.household);
}

function commit() {
  if (!last?.undoable) return;
  clearTimeout(last.timer);
  last.undoable = false;
  undoButton.hidden = true;
  requestBackgroundSync();
  sendNow().then(showSent);
}

document.addEventListener('outbox-changed', showSent);
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') commit(); });

undoButton.addEventListener('click', async () => {
  if (!last?.undoable) return;
  const { item } = last;
  clearTimeout(last.timer);
  last = null; // its removal below is no send: the toast must not say "đã gửi"
  undoButton.hidden = true;
  const row = await outbox.get(item.client_id);
  if (!row || row.state === 'sending') {
    say(toastTexts.tooLate, item.household);
    return;
  }
  await outbox.remove(item.client_id);
  fillForm(item); // back in the form, to fix or drop
  say(toastTexts.undone, item.household);
});

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const item = readItem();
  const errors = checkVisit(item, cfg);
  showErrors(errors);
  if (Object.keys(errors).length) return;
  commit(); // the previous visit's undo ends with this one
  await outbox.put(item);
  localStorage.setItem(lastHamletKey, String(item.hamlet_id));
  last = { item, undoable: true, timer: setTimeout(commit, undoMs) };
  say(toastTexts.unsent, item.household);
  undoButton.hidden = false;
  resetForm();
  window.scrollTo(0, 0);
});

field('hamlet_id').addEventListener('change', () => {
  localStorage.setItem(lastHamletKey, field('hamlet_id').value);
  fillSuggestions();
});

form.querySelector('[data-gps]').addEventListener('click', () => {
  const status = form.querySelector('[data-gps-status]');
  const t = document.getElementById('gps-texts').dataset;
  if (!navigator.geolocation) { status.textContent = t.fail; return; }
  status.textContent = t.wait;
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const { latitude, longitude, accuracy } = position.coords;
      field('lat').value = latitude.toFixed(6);
      field('lon').value = longitude.toFixed(6);
      field('accuracy_m').value = Math.round(accuracy);
      status.textContent = t.ok.replace('{m}', Math.round(accuracy));
    },
    () => { status.textContent = t.fail; },
    { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
  );
});

function fillForm(item) {
  for (const name of ['client_id', 'hamlet_id', 'household', 'site_kind', 'residents', 'smartphones',
    'already_installed', 'note', 'lat', 'lon', 'accuracy_m', 'corrects']) {
    if (field(name) && item[name] !== undefined && item[name] !== null) field(name).value = item[name];
  }
  for (const code of cfg.apps) setNum(`install_${code}`, item.installs?.[code] || 0);
  field('visited_at').value = item.visited_at;
  const outcome = form.querySelector(`input[name="outcome"][value="${item.outcome}"]`);
  if (outcome) outcome.checked = true;
  fillSuggestions();
}

// An invalid item from the outbox opens here to be fixed; it keeps its client_id.
async function loadForEdit(clientId) {
  const row = await outbox.get(clientId);
  if (!row) return;
  fillForm(row.item);
  showErrors(row.errors || {});
}

const hamletsBackoff = new Backoff();

async function refreshHamlets() {
  // Fresh household lists when online; the last copy when offline, and another try later.
  const key = `me:${user}`;
  try {
    const response = await request('/api/v1/me', { credentials: 'same-origin', cache: 'no-store' });
    if (response.ok) await outbox.setMeta(key, await response.json());
    hamletsBackoff.reset();
  } catch {
    setTimeout(refreshHamlets, hamletsBackoff.next());
  }
  const me = await outbox.getMeta(key).catch(() => null);
  const campaign = me?.campaigns?.find((c) => c.id === cfg.campaign_id);
  if (campaign?.hamlets?.length) {
    cfg.hamlets = campaign.hamlets;
    fillSuggestions();
  }
}

const remembered = localStorage.getItem(lastHamletKey);
if (!params.has('hamlet_id') && !params.has('corrects') && remembered &&
    [...field('hamlet_id').options].some((o) => o.value === remembered)) {
  field('hamlet_id').value = remembered;
}
// Always a fresh id: a page served from the cache carries the id it was rendered with.
field('client_id').value = uuid();
fillSuggestions();
if (params.has('edit')) loadForEdit(params.get('edit'));
refreshHamlets();
