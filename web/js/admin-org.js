// The organisation part of the admin page: departments (rename, disable,
// routing keywords, reply approval), accounts (role, department, disable,
// password reset), consultations (status, opening and closing times),
// reply deadlines by type, the flood check and the holiday calendar. The
// server checks the admin role and the CSRF token on every change; nothing
// is deleted here but keywords and calendar days.
// UI strings are in T (one place, for the i18n catalogs).
import { t } from './i18n.js';
import { api, el, clear, setText, notice, errorText, ROLE_LABEL, TYPES, typeLabel } from './common.js';

export const T = {
  enabled: t('admin-org.active'), disabled: t('admin-org.disabled'), disable: t('admin-org.disable'), enable: t('admin.enable'), rename: t('admin-org.rename'), save: t('common.save'), cancel: t('moderation.cancel'),
  keywords: t('admin-org.routing_keywords'), addKeyword: t('moderation.add'), keywordPh: t('inbox.keywords'), noKeywords: t('admin.none'), approval: t('admin-org.replies_need_the_head_s'),
  resetPw: t('admin-org.reset_password'), newPw: (login, pw) => t('admin-org.new_password_of_shown_only', login, pw),
  pwDone: (login) => t('admin-org.password_of_reset', login), edit: t('admin-org.edit'), none: t('admin.none'),
  saved: t('admin.saved'), failed: (e) => t('moderation.failed', e), open: t('admin-org.open'), closed: t('common.ended'), close: t('admin-org.close'), reopen: t('admin-org.reopen'),
  opensAt: t('admin.opens_at'), closesAt: t('admin.closes_at'), deadlines: t('admin.reply_deadlines_by_type_working'), flood: t('admin.count_messages_per_sender_as'),
  holidayKinds: { holiday: t('admin.holiday_day_off'), workday: t('admin.make_up_working_day') }, remove: t('moderation.remove'), addDay: t('moderation.add'), days: t('admin-org.days'),
};

const DEADLINE_KEYS = { 咨询: 'deadline_consult', 求助: 'deadline_help', 投诉: 'deadline_complaint', 建议: 'deadline_suggestion', 感谢: 'deadline_thanks' };

// Runs an API call from a control, reporting the outcome in box.
async function run(box, fn, okText) {
  try {
    const r = await fn();
    if (okText) notice(box, 'ok', typeof okText === 'function' ? okText(r) : okText);
    return r;
  } catch (e) {
    if (!e.redirecting) notice(box, 'error', T.failed(errorText(e)));
    return null;
  }
}

// ---------- departments ----------

export function renderDepartments(host, items, rules, box, reload) {
  clear(host);
  if (!items.length) { host.append(el('p', { class: 'muted' }, T.none)); return; }
  const tb = el('tbody');
  for (const d of items) {
    const name = el('input', { type: 'text', value: d.name, 'aria-label': `${d.name} ${T.rename}`, class: 'inline-input', size: 12 });
    const saveName = el('button', { type: 'button', class: 'btn btn-sm' }, T.rename);
    saveName.addEventListener('click', () => run(box, () => api('PUT', `/api/v1/departments/${d.id}`, { name: name.value.trim() }), T.saved).then((r) => r && reload()));
    const toggle = el('button', { type: 'button', class: 'btn btn-sm', 'data-action': d.disabled ? 'enable' : 'disable' }, d.disabled ? T.enable : T.disable);
    toggle.addEventListener('click', () => run(box, () => api('PUT', `/api/v1/departments/${d.id}`, { disabled: !d.disabled }), T.saved).then((r) => r && reload()));
    const approval = el('input', { type: 'checkbox', checked: !!d.reply_approval, 'aria-label': `${d.name} ${T.approval}` });
    approval.addEventListener('change', () => run(box, () => api('PUT', `/api/v1/departments/${d.id}`, { reply_approval: approval.checked }), T.saved));
    const chips = el('span', { class: 'chips' });
    const mine = rules.filter((r) => r.department_id === d.id);
    if (!mine.length) chips.append(el('span', { class: 'muted' }, T.noKeywords));
    for (const r of mine) {
      const x = el('button', { type: 'button', class: 'btn btn-ghost btn-sm', 'aria-label': `${T.remove} ${r.keyword}` }, '×');
      x.addEventListener('click', () => run(box, () => api('DELETE', `/api/v1/rules/${r.id}`), T.saved).then((ok) => ok && reload()));
      chips.append(el('span', { class: 'chip' }, r.keyword, x), ' ');
    }
    const kw = el('input', { type: 'text', placeholder: T.keywordPh, 'aria-label': `${d.name} ${T.keywords}`, size: 8, class: 'inline-input', disabled: !!d.disabled });
    const add = el('button', { type: 'button', class: 'btn btn-sm', disabled: !!d.disabled }, T.addKeyword);
    add.addEventListener('click', () => kw.value.trim() && run(box, () => api('POST', '/api/v1/rules', { keyword: kw.value.trim(), department_id: d.id }), T.saved).then((ok) => ok && reload()));
    tb.append(el('tr', { 'data-id': String(d.id), 'data-name': d.name, class: d.disabled ? 'muted' : null },
      el('td', { class: 'nowrap' }, `#${d.id}`),
      el('td', null, name, ' ', saveName),
      el('td', { class: 'nowrap' }, el('span', { class: `badge ${d.disabled ? 'closed' : 'open'}` }, d.disabled ? T.disabled : T.enabled), ' ', toggle),
      el('td', null, el('label', null, approval, ' ', T.approval)),
      el('td', null, chips, ' ', kw, ' ', add)));
  }
  host.append(el('div', { class: 'table-wrap' }, el('table', { class: 'data-table', id: 'd-table' },
    el('thead', null, el('tr', null, [t('common.no'), t('admin.name'), t('common.status'), t('admin-org.reply_approval'), T.keywords].map((h) => el('th', { scope: 'col' }, h)))), tb)));
}

// ---------- accounts ----------

export function userCells(u, departments, box, reload) {
  const role = el('select', { 'aria-label': t('admin-org.role', u.login) });
  for (const [k, v] of Object.entries(ROLE_LABEL)) role.append(el('option', { value: k }, v));
  role.value = u.role;
  const dept = el('select', { 'aria-label': t('admin-org.department', u.login) });
  dept.append(el('option', { value: '' }, T.none));
  for (const d of departments) dept.append(el('option', { value: d.name }, d.name));
  dept.value = u.department || '';
  const save = el('button', { type: 'button', class: 'btn btn-sm' }, T.save);
  save.addEventListener('click', () => run(box, () => api('PUT', `/api/v1/users/${u.id}`, { role: role.value, department: dept.value || null }), T.saved).then((r) => r && reload()));
  const toggle = el('button', { type: 'button', class: 'btn btn-sm', 'data-action': u.disabled ? 'enable' : 'disable' }, u.disabled ? T.enable : T.disable);
  toggle.addEventListener('click', () => run(box, () => api('PUT', `/api/v1/users/${u.id}`, { disabled: !u.disabled }),
    t('feedback.label_value', u.disabled ? T.enable : T.disable, u.login)).then((r) => r && reload()));
  const reset = el('button', { type: 'button', class: 'btn btn-sm' }, T.resetPw);
  reset.addEventListener('click', () => run(box, () => api('POST', `/api/v1/users/${u.id}/password`, {}), (r) => T.newPw(u.login, r.password)));
  return [
    el('td', null, role), el('td', null, dept, ' ', save),
    el('td', { class: 'nowrap' }, el('span', { class: `badge ${u.disabled ? 'closed' : 'open'}` }, u.disabled ? T.disabled : T.enabled)),
    el('td', { class: 'nowrap' }, toggle, ' ', reset),
  ];
}

// ---------- consultations ----------

const localInput = (iso) => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
};

export function consultationControls(c, box, reload) {
  const status = el('button', { type: 'button', class: 'btn btn-sm' }, c.status === 'closed' ? T.reopen : T.close);
  status.addEventListener('click', () => run(box, () => api('PUT', `/api/v1/consultations/${c.id}`, { status: c.status === 'closed' ? 'open' : 'closed' }), T.saved).then((r) => r && reload()));
  const opens = el('input', { type: 'datetime-local', value: localInput(c.opens_at), 'aria-label': `#${c.id} ${T.opensAt}` });
  const closes = el('input', { type: 'datetime-local', value: localInput(c.closes_at), 'aria-label': `#${c.id} ${T.closesAt}` });
  const save = el('button', { type: 'button', class: 'btn btn-sm' }, T.save);
  save.addEventListener('click', () => run(box, () => api('PUT', `/api/v1/consultations/${c.id}`, {
    opens_at: opens.value ? new Date(opens.value).toISOString() : null,
    closes_at: closes.value ? new Date(closes.value).toISOString() : null,
  }), T.saved).then((r) => r && reload()));
  return el('span', { class: 'cons-controls' }, status, ' ', T.opensAt, ' ', opens, ' ', T.closesAt, ' ', closes, ' ', save);
}

// ---------- deadlines, flood check, holidays ----------

export async function initDeadlines(form, box) {
  const s = await api('GET', '/api/v1/settings');
  const grid = form.querySelector('.field-grid');
  clear(grid);
  for (const ty of TYPES) {
    const k = DEADLINE_KEYS[ty];
    grid.append(el('div', { class: 'field' }, el('label', { for: `dl-${k}` }, t('admin.name_with_detail', typeLabel(ty), T.days)),
      el('input', { id: `dl-${k}`, name: k, type: 'number', min: 1, max: 60, step: 1, value: String(Math.round(Number(s[k]) || 0)) })));
  }
  form.elements.flood_check.checked = Number(s.flood_check) !== 0;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const payload = { flood_check: form.elements.flood_check.checked ? 1 : 0 };
    for (const k of Object.values(DEADLINE_KEYS)) payload[k] = Number(form.elements[k].value);
    run(box, () => api('POST', '/api/v1/settings', payload), T.saved);
  });
}

export async function initHolidays(list, form, box) {
  const draw = (days) => {
    clear(list);
    if (!days.length) list.append(el('li', { class: 'muted' }, T.none));
    for (const d of days) {
      const x = el('button', { type: 'button', class: 'btn btn-ghost btn-sm' }, T.remove);
      x.addEventListener('click', () => run(box, () => api('POST', '/api/v1/holidays', { day: d.day, kind: null }), T.saved).then((r) => r && draw(r.days || [])));
      list.append(el('li', null, el('span', { class: 'nowrap' }, d.day), ' ', T.holidayKinds[d.kind] || d.kind, ' ', x));
    }
  };
  draw((await api('GET', '/api/v1/holidays')).days || []);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const day = form.elements.day.value;
    if (!day) return notice(box, 'error', T.failed(t('admin-org.choose_a_date')));
    run(box, () => api('POST', '/api/v1/holidays', { day, kind: form.elements.kind.value }), T.saved).then((r) => r && draw(r.days || []));
  });
}

export { setText };
