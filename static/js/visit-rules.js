// The phone's copy of campaign/visits/forms.py + services.check_context. Same rules, same
// messages (the page passes the server's Vietnamese messages in). Keep the two in step.
export const MAX_LABEL = 40;
export const MAX_NOTE = 500;
export const MAX_COUNT = 100000;
export const CLOCK_SKEW_MS = 5 * 60 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OUTCOMES = ['installed', 'already_installed', 'refused', 'not_home', 'no_smartphone', 'come_back_later'];
const SITES = ['household', 'school', 'business', 'market', 'transit_hub', 'industrial_zone', 'quarantine_site', 'booth'];

export function cleanLabel(value) {
  return String(value || '').replace(/\s+/g, ' ').trim();
}

function count(value, errors, name, m) {
  if (value === '' || value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : (/^\s*\d+\s*$/.test(value) ? Number(value) : NaN);
  if (!Number.isInteger(n) || n < 0) { errors[name] = [m.whole]; return null; }
  if (n > MAX_COUNT) { errors[name] = [m.too_big]; return null; }
  return n;
}

// `cfg`: {campaign_id, start (YYYY-MM-DD), apps: [codes], hamlets: [{id}], messages}.
export function checkVisit(item, cfg, now = new Date()) {
  const m = cfg.messages;
  const errors = {};
  if (!UUID.test(item.client_id || '')) errors.client_id = [m.client_id];
  const site = item.site_kind || 'household';
  if (!SITES.includes(site)) errors.site_kind = [m.site_kind];
  const label = cleanLabel(item.household);
  if (!label) errors.household = [m.required];
  else if (label.length > MAX_LABEL) errors.household = [m.label_long];
  else if (site === 'household' && !/\d/.test(label)) errors.household = [m.label_digit];
  if (!OUTCOMES.includes(item.outcome)) errors.outcome = [m.outcome];
  const residents = count(item.residents, errors, 'residents', m);
  const phones = count(item.smartphones, errors, 'smartphones', m);
  const already = count(item.already_installed, errors, 'already_installed', m);
  let installed = 0;
  for (const [code, n] of Object.entries(item.installs || {})) {
    const value = count(n, errors, `installs.${code}`, m);
    if (value && !cfg.apps.includes(code)) errors[`installs.${code}`] = [m.app];
    installed += value || 0;
  }
  const at = Date.parse(item.visited_at || '');
  if (Number.isNaN(at)) errors.visited_at = [m.visited_at];
  else if (at - now.getTime() > CLOCK_SKEW_MS) errors.visited_at = [m.future];
  else if (at < Date.parse(`${cfg.start}T00:00:00+07:00`)) errors.visited_at = [m.before_start];
  if (!cfg.hamlets.some((h) => String(h.id) === String(item.hamlet_id))) errors.hamlet_id = [m.hamlet];
  if (item.note && item.note.length > MAX_NOTE) errors.note = [m.note_long];
  if (residents !== null && phones !== null && already !== null && !Object.keys(errors).length) {
    if (installed + already > residents) errors.residents = [m.users_le_residents];
    if (installed > phones) errors.smartphones = [m.installs_le_smartphones];
    if (item.outcome === 'installed' && installed === 0) errors.installs = [m.installed_none];
  }
  return errors;
}
