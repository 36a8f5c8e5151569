// Audit log (admins): every recorded action, newest first, filtered by
// actor, kind, message and date; pages follow the server's cursor
// (?after=), so page 1,000 costs what page 1 costs. The filters live in
// the page URL. UI strings are in T (one place, for the i18n catalogs).
import { api, el, clear, setText, notice, errorText, requireOfficial, footer, param, fmtTime } from './common.js';

const T = {
  cols: ['时间', '操作人', '操作类型', '留言', '详情'], empty: '没有符合条件的记录。', system: '（系统）',
  page: (n) => `第 ${n} 页`, onlyAdmins: '只有管理员可以查看审计日志。', failed: (e) => `加载失败：${e}`,
  kinds: {
    login: '登录', reply: '答复', transfer: '转办', return: '退回', close: '办结', decline: '不予受理', assign: '交办', urge: '督办',
    reopen: '重办', extension: '申请延期', extension_decision: '延期审批', reply_decision: '答复审核', reply_correct: '修改答复',
    moderate: '内容审核', created: '收到留言', user_add: '新建账号', user_edit: '修改账号', user_disable: '停用账号', user_enable: '启用账号',
    password_reset: '重置密码', department_add: '新建部门', department_edit: '修改部门', rule_add: '添加分办关键词', rule_delete: '删除分办关键词',
    settings: '修改设置', calendar: '修改节假日', consultation_add: '新建征集', consultation_edit: '修改征集',
  },
};

footer();
const host = document.getElementById('log');
const box = document.getElementById('notice');
const form = document.getElementById('filter');
const FIELDS = ['actor', 'kind', 'message', 'from', 'to'];
let after = '';
let back = [];

const kindLabel = (k) => (T.kinds[k] ? `${T.kinds[k]}（${k}）` : k);

function filters() {
  const q = new URLSearchParams();
  for (const f of FIELDS) { const v = form.elements[f].value.trim(); if (v) q.set(f, v); }
  return q;
}

async function load() {
  host.setAttribute('aria-busy', 'true');
  notice(box, 'error', '');
  const q = filters();
  history.replaceState(null, '', `${location.pathname}${q.toString() ? '?' + q : ''}`);
  q.set('limit', '50');
  if (after) q.set('after', after);
  try {
    const data = await api('GET', `/api/v1/audit?${q}`);
    if (data.kinds) fillKinds(data.kinds);
    clear(host);
    const rows = data.events || [];
    if (!rows.length) host.append(el('p', { class: 'empty' }, T.empty));
    else {
      host.append(el('table', { class: 'data-table cards', id: 'audit-table' },
        el('thead', null, el('tr', null, T.cols.map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', null, rows.map((e) => el('tr', { 'data-id': String(e.id) },
          el('td', { class: 'nowrap', 'data-label': T.cols[0] }, fmtTime(e.at)),
          el('td', { class: 'nowrap', 'data-label': T.cols[1] }, e.actor || T.system),
          el('td', { class: 'nowrap', 'data-label': T.cols[2] }, kindLabel(e.kind)),
          el('td', { class: 'nowrap', 'data-label': T.cols[3] }, e.message_id ? el('a', { href: `/message.html?id=${e.message_id}` }, `#${e.message_id}`) : '—'),
          el('td', { 'data-label': T.cols[4] }, el('code', { class: 'detail' }, e.detail ? JSON.stringify(e.detail) : '')))))));
    }
    const pager = document.getElementById('pager');
    pager.hidden = !after && !data.next;
    document.getElementById('prev').disabled = !back.length && !after;
    const next = document.getElementById('next');
    next.disabled = !data.next;
    next.dataset.after = data.next || '';
    setText(document.getElementById('page-info'), T.page(back.length + 1));
    for (const fmt of ['csv', 'xlsx']) {
      const x = filters();
      x.set('format', fmt);
      document.getElementById(`export-${fmt}`).href = `/api/v1/audit/export?${x}`;
    }
  } catch (e) {
    if (e.redirecting) return;
    clear(host);
    notice(box, 'error', T.failed(errorText(e)));
  } finally {
    host.setAttribute('aria-busy', 'false');
  }
}

function fillKinds(kinds) {
  const sel = form.elements.kind;
  const keep = sel.value || param('kind') || '';
  while (sel.options.length > 1) sel.remove(1);
  for (const k of kinds) sel.append(el('option', { value: k }, kindLabel(k)));
  sel.value = kinds.includes(keep) ? keep : '';
}

form.addEventListener('submit', (ev) => { ev.preventDefault(); after = ''; back = []; load(); });
document.getElementById('next').addEventListener('click', (ev) => {
  const c = ev.currentTarget.dataset.after;
  if (!c) return;
  back.push(after);
  after = c;
  load();
});
document.getElementById('prev').addEventListener('click', () => { after = back.pop() || ''; load(); });

requireOfficial(['admin'])
  .then(() => {
    for (const f of FIELDS) if (param(f)) form.elements[f].value = param(f);
    if (param('kind')) form.elements.kind.append(el('option', { value: param('kind') }, param('kind')));
    form.elements.kind.value = param('kind') || '';
    form.hidden = false;
    return load();
  })
  .catch((e) => { if (!e.redirecting) notice(box, 'error', e.status === 403 ? T.onlyAdmins : errorText(e)); });
