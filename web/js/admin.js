// Admin page: consultations, departments and official accounts (list + create).
// The server checks the role again on every call; this page only hides itself
// from non-admins.
import {
  api, el, clear, setText, notice, errorText, requireOfficial, footer, KIND_LABEL, ROLE_LABEL,
  showFormError, fieldError, clearFormErrors, clearErrorsOnInput,
} from './common.js';

footer();

const noticeBox = document.getElementById('notice');

async function loadConsultations() {
  const ul = document.getElementById('c-list');
  const data = await api('GET', '/api/v1/consultations');
  clear(ul);
  const items = data.consultations || [];
  if (!items.length) ul.append(el('li', { class: 'muted' }, '暂无'));
  for (const c of items) {
    ul.append(el('li', null,
      el('span', { class: 'id' }, `#${c.id}`),
      el('a', { href: `/consultation.html?id=${encodeURIComponent(c.id)}` }, c.title),
      el('span', { class: 'badge kind' }, KIND_LABEL[c.kind] || c.kind || ''),
      c.status === 'closed' ? el('span', { class: 'badge closed' }, '已结束') : null,
      el('span', { class: 'muted' }, `留言 ${Number(c.message_count) || 0} 条`)));
  }
}

async function loadDepartments() {
  const ul = document.getElementById('d-list');
  const sel = document.getElementById('u-dept');
  const data = await api('GET', '/api/v1/departments');
  const items = data.departments || [];
  clear(ul);
  if (!items.length) ul.append(el('li', { class: 'muted' }, '暂无'));
  for (const d of items) ul.append(el('li', null, el('span', { class: 'id' }, `#${d.id}`), el('span', null, d.name)));
  const keep = sel.value;
  clear(sel);
  sel.append(el('option', { value: '' }, '（无）'));
  for (const d of items) sel.append(el('option', { value: d.name }, d.name));
  sel.value = items.some((d) => d.name === keep) ? keep : '';
}

async function loadUsers() {
  const tb = document.getElementById('u-list');
  const data = await api('GET', '/api/v1/users');
  clear(tb);
  for (const u of data.users || []) {
    tb.append(el('tr', null,
      el('td', null, u.login),
      el('td', null, ROLE_LABEL[u.role] || u.role),
      el('td', null, u.department || '—')));
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
      if (e.status === 409) e.message = '该名称已被使用';
      showFormError(form, e);
    } finally {
      btn.disabled = false;
    }
  });
}

function need(form, name, label) {
  const v = form.elements[name].value.trim();
  if (!v) { fieldError(form, name, `请填写${label}`); form.elements[name].focus(); }
  return v;
}

wire('c-form', '/api/v1/consultations', (f) => {
  const title = need(f, 'title', '标题');
  if (!title) return null;
  return { title, description: f.elements.description.value, kind: f.elements.kind.value };
}, (p, r) => `已创建「${p.title}」（#${r.id}）`, loadConsultations);

wire('d-form', '/api/v1/departments', (f) => {
  const name = need(f, 'name', '部门名称');
  return name ? { name } : null;
}, (p, r) => `已创建部门「${p.name}」（#${r.id}）`, loadDepartments);

wire('u-form', '/api/v1/users', (f) => {
  const login = need(f, 'login', '账号');
  const password = f.elements.password.value;
  const role = f.elements.role.value;
  const department = f.elements.department.value;
  let ok = !!login;
  if (password.length < 8) { fieldError(f, 'password', '密码至少 8 位'); ok = false; }
  if (role === 'handler' && !department) { fieldError(f, 'department', '承办人员必须选择所属部门'); ok = false; }
  if (!ok) return null;
  const p = { login, password, role };
  if (department) p.department = department;
  return p;
}, (p) => `已创建账号「${p.login}」`, loadUsers);

requireOfficial(['admin'])
  .then(async () => {
    document.getElementById('admin').hidden = false;
    await Promise.all([loadConsultations(), loadDepartments(), loadUsers()]);
  })
  .catch((e) => {
    if (e.redirecting) return;
    notice(noticeBox, 'error', e.status === 403 ? '只有管理员可以使用此页面。' : `加载失败：${errorText(e)}`);
  });
for (const id of ['c-form', 'd-form', 'u-form']) clearErrorsOnInput(document.getElementById(id));
