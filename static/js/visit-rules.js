// The phone's copy of campaign/visits/rules.py + intake.check_context. The limits, the choices
// and the Vietnamese messages come from the server (`rules.client_rules`, in the page's
// data-config and in /api/v1/me); tests/visit_rule_cases.json holds both copies to one answer.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function cleanLabel(value) {
  return String(value || '').replace(/\s+/g, ' ').trim();
}

function count(value, errors, name, rules) {
  const m = rules.messages;
  if (value === '' || value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : (/^\s*\d+\s*$/.test(value) ? Number(value) : NaN);
  if (!Number.isInteger(n) || n < 0) { errors[name] = [m.whole]; return null; }
  if (n > rules.max_count) { errors[name] = [m.too_big]; return null; }
  return n;
}

// `cfg`: {campaign_id, start (YYYY-MM-DD), apps: [codes], hamlets: [{id}], rules}, where `rules`
// is the server's `client_rules()`: {max_label, max_note, max_count, clock_skew_seconds,
// outcomes, site_kinds, messages}.
export function checkVisit(item, cfg, now = new Date()) {
  const rules = cfg.rules;
  const m = rules.messages;
  const errors = {};
  if (!UUID.test(item.client_id || '')) errors.client_id = [m.client_id];
  const site = item.site_kind || 'household';
  if (!rules.site_kinds.includes(site)) errors.site_kind = [m.site_kind];
  const label = cleanLabel(item.household);
  if (!label) errors.household = [m.required];
  else if (label.length > rules.max_label) errors.household = [m.label_long];
  else if (site === 'household' && !/\d/.test(label)) errors.household = [m.label_digit];
  if (!rules.outcomes.includes(item.outcome)) errors.outcome = [m.outcome];
  const residents = count(item.residents, errors, 'residents', rules);
  const phones = count(item.smartphones, errors, 'smartphones', rules);
  const already = count(item.already_installed, errors, 'already_installed', rules);
  let installed = 0;
  for (const [code, n] of Object.entries(item.installs || {})) {
    const value = count(n, errors, `installs.${code}`, rules);
    if (value && !cfg.apps.includes(code)) errors[`installs.${code}`] = [m.app];
    installed += value || 0;
  }
  const at = Date.parse(item.visited_at || '');
  if (Number.isNaN(at)) errors.visited_at = [m.visited_at];
  else if (at - now.getTime() > rules.clock_skew_seconds * 1000) errors.visited_at = [m.future];
  else if (at < Date.parse(`${cfg.start}T00:00:00+07:00`)) errors.visited_at = [m.before_start];
  if (!cfg.hamlets.some((h) => String(h.id) === String(item.hamlet_id))) errors.hamlet_id = [m.hamlet];
  if (item.note && item.note.trim().length > rules.max_note) errors.note = [m.note_long];
  if (residents !== null && phones !== null && already !== null && !Object.keys(errors).length) {
    if (installed + already > residents) errors.residents = [m.users_le_residents];
    if (installed > phones) errors.smartphones = [m.installs_le_smartphones];
  }
  return errors;
}
