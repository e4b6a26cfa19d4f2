// The phone's copy of campaign/visits/rules.py (parse_visit) + intake.check_context, in the same
// three steps: each field's shape, then how the counts relate, then the campaign's own rules.
// The limits, the choices and the Vietnamese messages come from the server (`rules.client_rules`,
// in the page's data-config and in /api/v1/me); tests/visit_rule_cases.json holds this copy and
// the server's to the same answers.

export function cleanLabel(value) {
  return String(value || '').replace(/\s+/g, ' ').trim();
}

const blank = (value) => value === '' || value === null || value === undefined;
const length = (text) => [...text].length; // code points, as Python counts them

// Python's uuid.UUID: braces, "urn:uuid:" and hyphens are allowed around 32 hex digits.
function isUuid(value, longest) {
  if (typeof value !== 'string' || (longest && value.length > longest)) return false;
  const hex = value.replace('urn:', '').replace('uuid:', '').replace(/^\{+|\}+$/g, '').replaceAll('-', '');
  return /^[0-9a-f]{32}$/i.test(hex);
}

function count(value, errors, name, rules) {
  const m = rules.messages;
  if (blank(value)) return 0;
  if (typeof value === 'string') {
    if (!/^\s*[0-9]+\s*$/.test(value)) { errors[name] = [m.whole]; return null; }
    const n = Number(value.trim());
    if (n > rules.max_count) { errors[name] = [m.too_big]; return null; }
    return n;
  }
  if (typeof value !== 'number') { errors[name] = [m.type]; return null; }
  if (!Number.isInteger(value) || value < 0) { errors[name] = [m.whole]; return null; }
  if (value > rules.max_count) { errors[name] = [m.too_big]; return null; }
  return value;
}

function id(value, errors, name, rules) {
  if (blank(value)) { errors[name] = [rules.messages.required]; return null; }
  const n = typeof value === 'string' && /^\s*[0-9]+\s*$/.test(value) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0 || n > rules.max_id) {
    errors[name] = [rules.messages.type];
    return null;
  }
  return n;
}

function decimal(value, errors, name, low, high, message, rules) {
  if (blank(value)) return null;
  let n = value;
  if (typeof value === 'string') {
    const text = value.trim();
    n = /^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?$/.test(text) ? Number(text) : NaN;
  }
  if (typeof n !== 'number' || !Number.isFinite(n)) { errors[name] = [rules.messages.type]; return null; }
  if (n < low || (high !== null && n > high)) { errors[name] = [rules.messages[message]]; return null; }
  return n;
}

function visitedAt(value, errors, rules, now) {
  const m = rules.messages;
  // An instant with its offset (Z or ±hh:mm), as the server requires.
  const iso = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;
  const at = typeof value === 'string' && value.length <= 40 && iso.test(value.trim()) ? Date.parse(value.trim()) : NaN;
  if (Number.isNaN(at)) errors.visited_at = [blank(value) ? m.required : m.visited_at];
  else if (at - now.getTime() > rules.clock_skew_seconds * 1000) errors.visited_at = [m.future];
  return at;
}

// The fields one at a time (rules.parse_visit before its count rules).
function shapeErrors(item, rules, now) {
  const m = rules.messages;
  const errors = {};
  if (!isUuid(item.client_id, 40)) errors.client_id = [m.client_id];
  id(item.campaign_id, errors, 'campaign_id', rules);
  id(item.hamlet_id, errors, 'hamlet_id', rules);
  const site = blank(item.site_kind) ? 'household' : item.site_kind;
  if (!rules.site_kinds.includes(site)) errors.site_kind = [m.site_kind];
  if (!blank(item.household) && typeof item.household !== 'string') errors.household = [m.type];
  else {
    const label = cleanLabel(item.household);
    if (!label) errors.household = [m.required];
    else if (length(label) > rules.max_label) errors.household = [m.label_long];
    else if (site === 'household' && !/\p{Nd}/u.test(label)) errors.household = [m.label_digit];
  }
  if (!rules.outcomes.includes(item.outcome)) errors.outcome = [m.outcome];
  const counts = {};
  for (const name of ['residents', 'smartphones', 'already_installed']) counts[name] = count(item[name], errors, name, rules);
  const installs = item.installs || {};
  counts.installed = 0;
  if (typeof installs !== 'object' || Array.isArray(installs)) errors.installs = [m.type];
  else for (const [code, n] of Object.entries(installs)) counts.installed += count(n, errors, `installs.${code}`, rules) || 0;
  visitedAt(item.visited_at, errors, rules, now);
  decimal(item.lat, errors, 'lat', -90, 90, 'lat', rules);
  decimal(item.lon, errors, 'lon', -180, 180, 'lon', rules);
  decimal(item.accuracy_m, errors, 'accuracy_m', 0, null, 'accuracy', rules);
  if (!blank(item.note) && typeof item.note !== 'string') errors.note = [m.type];
  else if (item.note && length(item.note.trim()) > rules.max_note) errors.note = [m.note_long];
  if (!blank(item.corrects) && !isUuid(item.corrects)) errors.corrects = [m.corrects];
  return { errors, counts };
}

// `cfg`: {campaign_id, start (YYYY-MM-DD), apps: [codes], hamlets: [{id}], rules}, where `rules`
// is the server's `client_rules()`.
export function checkVisit(item, cfg, now = new Date()) {
  const rules = cfg.rules;
  const m = rules.messages;
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return { _: [m.type] };
  const { errors, counts } = shapeErrors(item, rules, now);
  if (Object.keys(errors).length) return errors;
  if (counts.installed + counts.already_installed > counts.residents) errors.residents = [m.users_le_residents];
  if (counts.installed > counts.smartphones) errors.smartphones = [m.installs_le_smartphones];
  if (item.outcome === 'installed' && counts.installed === 0) errors.installs = [m.installed_none];
  if (Object.keys(errors).length) return errors;
  // The campaign's own rules (intake.check_context).
  if (id(item.campaign_id, {}, '', rules) !== Number(cfg.campaign_id)) return { campaign_id: [m.campaign] };
  const hamletId = id(item.hamlet_id, {}, '', rules);
  if (!cfg.hamlets.some((h) => Number(h.id) === hamletId)) errors.hamlet_id = [m.hamlet];
  if (Date.parse(item.visited_at.trim()) < Date.parse(`${cfg.start}T00:00:00+07:00`)) errors.visited_at = [m.before_start];
  for (const [code, n] of Object.entries(item.installs || {})) {
    if (count(n, {}, code, rules) && !cfg.apps.includes(code)) errors[`installs.${code}`] = [m.app];
  }
  return errors;
}
