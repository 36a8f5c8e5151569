// Admin page: consultations, departments and official accounts (list + create);
// classifier models (upload, activate), the label -> department map and the
// routing/moderation thresholds. The server checks the role again on every
// call; this page only hides itself from non-admins.
import { t } from './i18n.js';
import {
  api, el, clear, setText, notice, errorText, requireOfficial, footer, fmtTime, KIND_LABEL,
  showFormError, fieldError, clearFormErrors, clearErrorsOnInput,
} from './common.js';
import { renderDepartments, userCells, consultationControls, initDeadlines, initHolidays } from './admin-org.js';

footer();

const noticeBox = document.getElementById('notice');

async function loadConsultations() {
  const ul = document.getElementById('c-list');
  const data = await api('GET', '/api/v1/consultations');
  clear(ul);
  const items = data.consultations || [];
  if (!items.length) ul.append(el('li', { class: 'muted' }, t('admin.none_yet')));
  for (const c of items) {
    ul.append(el('li', null,
      el('span', { class: 'id' }, `#${c.id}`),
      el('a', { href: `/consultation.html?id=${encodeURIComponent(c.id)}` }, c.title),
      el('span', { class: 'badge kind' }, KIND_LABEL[c.kind] || c.kind || ''),
      c.status === 'closed' ? el('span', { class: 'badge closed' }, t('common.ended')) : null,
      el('span', { class: 'muted' }, t('admin.messages', Number(c.message_count) || 0)),
      el('a', { href: `/feedback.html?id=${encodeURIComponent(c.id)}` }, t('admin.feedback')),
      ' ', consultationControls(c, document.getElementById('c-notice'), loadConsultations)));
  }
}

async function loadDepartments() {
  const sel = document.getElementById('u-dept');
  const [data, rules] = await Promise.all([api('GET', '/api/v1/departments'), api('GET', '/api/v1/rules')]);
  const items = data.departments || [];
  renderDepartments(document.getElementById('d-list'), items, rules.rules || [], document.getElementById('d-notice'), loadDepartments);
  const keep = sel.value;
  clear(sel);
  sel.append(el('option', { value: '' }, t('admin.none')));
  for (const d of items) if (!d.disabled) sel.append(el('option', { value: d.name }, d.name));
  sel.value = items.some((d) => d.name === keep) ? keep : '';
  departments = items;
  renderLabels();
  await loadUsers();
}

async function loadUsers() {
  const tb = document.getElementById('u-list');
  const data = await api('GET', '/api/v1/users');
  clear(tb);
  for (const u of data.users || []) {
    tb.append(el('tr', { 'data-login': u.login },
      el('td', null, u.login),
      el('td', null, u.phone || '—'),
      ...userCells(u, departments, document.getElementById('u-notice'), loadUsers)));
  }
}

// Wires a create form: collect() returns the payload or null (after marking
// fields); on 201 the form is reset, `ok` shown and the lists reloaded.
function wire(formId, path, collect, okText, reload) {
  const form = document.getElementById(formId);
  const okBox = form.querySelector('.form-ok');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFormErrors(form);
    okBox.hidden = true;
    const payload = collect(form);
    if (!payload) return;
    const btn = form.querySelector('button[type="submit"]');
    btn.disabled = true;
    try {
      const r = await api('POST', path, payload);
      form.reset();
      await reload();
      setText(okBox, okText(payload, r));
      okBox.hidden = false;
    } catch (e) {
      if (e.redirecting) return;
      if (e.status === 409) e.message = t('admin.that_name_is_already_taken');
      showFormError(form, e);
    } finally {
      btn.disabled = false;
    }
  });
}

function need(form, name, label) {
  const v = form.elements[name].value.trim();
  if (!v) { fieldError(form, name, t('common.please_fill_in', label)); form.elements[name].focus(); }
  return v;
}

wire('c-form', '/api/v1/consultations', (f) => {
  const title = need(f, 'title', t('common.title'));
  if (!title) return null;
  const payload = { title, description: f.elements.description.value, kind: f.elements.kind.value };
  if (f.elements.document.value.trim()) payload.document = f.elements.document.value;
  // datetime-local is the admin's local time; the API takes UTC instants.
  for (const k of ['opens_at', 'closes_at']) if (f.elements[k].value) payload[k] = new Date(f.elements[k].value).toISOString();
  return payload;
}, (p, r) => t('admin.created', p.title, r.id), loadConsultations);

wire('d-form', '/api/v1/departments', (f) => {
  const name = need(f, 'name', t('admin.department_name'));
  return name ? { name } : null;
}, (p, r) => t('admin.created_department', p.name, r.id), loadDepartments);

wire('u-form', '/api/v1/users', (f) => {
  const login = need(f, 'login', t('common.login'));
  const password = f.elements.password.value;
  const role = f.elements.role.value;
  const department = f.elements.department.value;
  let ok = !!login;
  if (password.length < 8) { fieldError(f, 'password', t('admin.the_password_needs_at_least')); ok = false; }
  if ((role === 'handler' || role === 'head') && !department) { fieldError(f, 'department', t('admin.a_handler_must_belong_to')); ok = false; }
  if (!ok) return null;
  const p = { login, password, role };
  if (department) p.department = department;
  const phone = f.elements.phone.value.trim();
  if (phone) p.phone = phone;
  return p;
}, (p) => t('admin.created_account', p.login), loadUsers);

// ---------- classifier models ----------

let departments = [];   // [{id, name}]
let models = [];        // as GET /api/v1/models
let labelMap = [];      // [{label, department_id, department}]

function fmtBytes(n) {
  n = Number(n) || 0;
  if (n >= 1048576) return `${(n / 1048576).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}

async function loadModels() {
  const tb = document.getElementById('m-list');
  const data = await api('GET', '/api/v1/models');
  models = data.models || [];
  clear(tb);
  if (!models.length) {
    tb.append(el('tr', null, el('td', { colspan: 6, class: 'muted' }, t('admin.no_model_uploaded_yet_messages'))));
  }
  for (const m of models) {
    const labels = (m.meta && Array.isArray(m.meta.labels)) ? m.meta.labels : [];
    let status;
    if (m.active) {
      status = el('span', { class: 'badge open' }, t('admin.in_use'));
    } else {
      status = el('button', { class: 'btn btn-sm', type: 'button', 'aria-label': t('admin.enable_model', m.name) }, t('admin.enable'));
      status.addEventListener('click', () => activate(m, status));
    }
    tb.append(el('tr', { 'data-id': String(m.id), class: m.active ? 'active-row' : null },
      el('td', { class: 'nowrap', 'data-label': t('common.no') }, `#${m.id}`),
      el('td', { class: 'nowrap', 'data-label': t('admin.name') }, m.name),
      el('td', { 'data-label': t('admin.labels') }, labels.length ? t('admin.labels_count', labels.join(t('common.list_separator')), labels.length) : '—'),
      el('td', { class: 'nowrap', 'data-label': t('admin.size') }, fmtBytes(m.bytes)),
      el('td', { class: 'nowrap', 'data-label': t('admin.uploaded') }, fmtTime(m.created_at)),
      el('td', { class: 'nowrap', 'data-label': t('common.status') }, status)));
  }
  renderLabels();
}

async function activate(m, btn) {
  btn.disabled = true;
  const box = document.getElementById('l-notice');
  try {
    await api('POST', `/api/v1/models/${encodeURIComponent(m.id)}/activate`, {});
    await loadModels();
    notice(box, 'info', t('admin.model_enabled_check_the_department', m.name));
  } catch (e) {
    if (e.redirecting) return;
    btn.disabled = false;
    notice(box, 'error', t('admin.could_not_enable', errorText(e)));
  }
}

const mForm = document.getElementById('m-form');
// The native file button speaks the browser's language; ours says 选择文件
// and shows the chosen name.
const fileName = document.getElementById('m-file-name');
const showFile = () => {
  const f = mForm.elements.model.files && mForm.elements.model.files[0];
  setText(fileName, f ? t('admin.name_with_detail', f.name, fmtBytes(f.size)) : t('admin.no_file_chosen'));
};
mForm.elements.model.addEventListener('change', showFile);
mForm.addEventListener('reset', () => setTimeout(showFile));
mForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(mForm);
  const okBox = mForm.querySelector('.form-ok');
  okBox.hidden = true;
  const file = mForm.elements.model.files && mForm.elements.model.files[0];
  if (!file) { fieldError(mForm, 'model', t('admin.choose_a_model_file_made')); mForm.elements.model.focus(); return; }
  if (!file.size) { fieldError(mForm, 'model', t('admin.the_file_is_empty')); return; }
  const name = mForm.elements.name.value.trim() || file.name.replace(/\.[^.]*$/, '') || file.name;
  const act = mForm.elements.activate.checked;
  const q = new URLSearchParams({ name });
  if (act) q.set('activate', '1');
  const btn = document.getElementById('m-submit');
  btn.disabled = true;
  setText(btn, t('admin.uploading'));
  try {
    const r = await api('POST', `/api/v1/models?${q}`, file);
    mForm.reset();
    await loadModels();
    const n = (r.labels || []).length;
    setText(okBox, t('admin.uploaded_model_labels', name, r.id, n, r.active ? t('admin.enabled') : ''));
    okBox.hidden = false;
  } catch (e) {
    if (e.redirecting) return;
    if (e.status === 413) { e.field = 'model'; e.message = t('admin.the_model_file_is_larger'); }
    else if (e.field === 'model') e.message = t('admin.not_a_usable_model_file', e.message || e.code);
    showFormError(mForm, e);
  } finally {
    btn.disabled = false;
    setText(btn, t('admin.upload'));
  }
});

// ---------- label -> department ----------

async function loadLabels() {
  const data = await api('GET', '/api/v1/labels');
  labelMap = data.labels || [];
  renderLabels();
}

// One row per label of the active model, then any mapped label the active
// model does not have (an older model's), so it can be unmapped.
function renderLabels() {
  const tb = document.getElementById('l-list');
  if (!tb) return;
  const active = models.find((m) => m.active);
  const own = active && active.meta && Array.isArray(active.meta.labels) ? active.meta.labels : [];
  const rows = own.map((l) => ({ label: l, current: true }));
  for (const x of labelMap) if (!own.includes(x.label)) rows.push({ label: x.label, current: false });
  clear(tb);
  if (!rows.length) {
    tb.append(el('tr', null, el('td', { colspan: 3, class: 'muted' }, t('admin.no_classification_model_is_enabled'))));
    return;
  }
  rows.forEach((r, i) => {
    const mapped = labelMap.find((x) => x.label === r.label);
    const sel = el('select', { id: `l-sel-${i}`, name: 'department', 'data-label': r.label });
    sel.append(el('option', { value: '' }, t('admin.not_routed_to_be_routed')));
    for (const d of departments) sel.append(el('option', { value: d.name }, d.name));
    sel.value = mapped && mapped.department && departments.some((d) => d.name === mapped.department) ? mapped.department : '';
    const state = el('span', { class: 'save-state', role: 'status' });
    sel.addEventListener('change', () => saveLabel(r.label, sel, state));
    tb.append(el('tr', { 'data-label': r.label },
      el('th', { scope: 'row' }, el('label', { for: `l-sel-${i}` }, r.label),
        r.current ? null : el('span', { class: 'muted' }, t('admin.not_a_label_of_the'))),
      el('td', null, sel),
      el('td', { class: 'nowrap' }, state)));
  });
}

async function saveLabel(label, sel, state) {
  const department = sel.value || null;
  state.className = 'save-state';
  setText(state, t('admin.saving'));
  sel.disabled = true;
  try {
    const data = await api('POST', '/api/v1/labels', { label, department });
    labelMap = data.labels || [];
    state.classList.add('ok');
    setText(state, department ? t('admin.saved') : t('admin.unmapped'));
  } catch (e) {
    if (e.redirecting) return;
    state.classList.add('err');
    setText(state, t('admin.could_not_save', errorText(e)));
  } finally {
    sel.disabled = false;
  }
}

// ---------- thresholds ----------

const sForm = document.getElementById('s-form');
const SETTINGS = ['triage_threshold', 'spam_threshold'];

// 0.59999999999999998 as the server stores it -> "0.6".
const shortNum = (x) => String(Number(Number(x).toFixed(4)));

async function loadSettings() {
  const data = await api('GET', '/api/v1/settings');
  for (const k of SETTINGS) if (data[k] !== undefined) sForm.elements[k].value = shortNum(data[k]);
}

sForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(sForm);
  const okBox = sForm.querySelector('.form-ok');
  okBox.hidden = true;
  const payload = {};
  let ok = true;
  for (const k of SETTINGS) {
    const raw = sForm.elements[k].value.trim();
    const v = Number(raw);
    if (raw === '' || Number.isNaN(v) || v < 0 || v > 1) { fieldError(sForm, k, t('admin.enter_a_number_between_0')); ok = false; continue; }
    payload[k] = v;
  }
  if (!ok) return;
  const btn = document.getElementById('s-submit');
  btn.disabled = true;
  try {
    const data = await api('POST', '/api/v1/settings', payload);
    for (const k of SETTINGS) if (data[k] !== undefined) sForm.elements[k].value = shortNum(data[k]);
    setText(okBox, t('admin.thresholds_saved_they_apply_to'));
    okBox.hidden = false;
  } catch (e) {
    if (e.redirecting) return;
    if (e.field && SETTINGS.includes(e.field)) e.message = t('admin.enter_a_number_between_0');
    showFormError(sForm, e);
  } finally {
    btn.disabled = false;
  }
});

requireOfficial(['admin'])
  .then(async () => {
    document.getElementById('admin').hidden = false;
    await Promise.all([loadConsultations(), loadDepartments(), loadModels(), loadLabels(), loadSettings(),
      initDeadlines(document.getElementById('dl-form'), document.getElementById('dl-notice')),
      initHolidays(document.getElementById('h-list'), document.getElementById('h-form'), document.getElementById('dl-notice'))]);
  })
  .catch((e) => {
    if (e.redirecting) return;
    notice(noticeBox, 'error', e.status === 403 ? t('admin.only_administrators_can_use_this') : t('common.could_not_load', errorText(e)));
  });
for (const id of ['c-form', 'd-form', 'u-form', 'm-form', 's-form']) clearErrorsOnInput(document.getElementById(id));

// ---------- site settings and notices ----------

const siteForm = document.getElementById('site-form');
const SITE_FIELDS = ['name', 'host', 'contact', 'icp', 'psb', 'site_code', 'notice'];

async function loadSite() {
  const s = await api('GET', '/api/v1/site');
  for (const f of SITE_FIELDS) siteForm.elements[f].value = s[f] || '';
}

siteForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(siteForm);
  const okBox = siteForm.querySelector('.form-ok');
  const payload = {};
  for (const f of SITE_FIELDS) payload[f] = siteForm.elements[f].value;
  try {
    await api('PUT', '/api/v1/site', payload);
    setText(okBox, t('admin.settings_saved'));
    okBox.hidden = false;
  } catch (e) {
    if (!e.redirecting) showFormError(siteForm, e);
  }
});

async function loadNotices() {
  const ul = document.getElementById('n-list');
  const data = await api('GET', '/api/v1/notices');
  clear(ul);
  for (const n of data.notices || []) {
    const btn = el('button', { type: 'button', class: 'btn btn-ghost btn-sm' }, t('admin.withdraw'));
    btn.addEventListener('click', async () => {
      try { await api('DELETE', `/api/v1/notices/${n.id}`); await loadNotices(); } catch (e) { notice(noticeBox, 'error', errorText(e)); }
    });
    ul.append(el('li', null, el('span', { class: 'id' }, `#${n.id}`), el('span', null, n.title), btn));
  }
}

wire('n-form', '/api/v1/notices', (f) => {
  const title = need(f, 'title', t('common.title'));
  return title ? { title, body: f.elements.body.value } : null;
}, (p, r) => t('admin.published', p.title, r.id), loadNotices);

loadSite().catch(() => {});
loadNotices().catch(() => {});
