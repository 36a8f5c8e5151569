// Audit log (admins): every recorded action, newest first, filtered by
// actor, kind, message and date; pages follow the server's cursor
// (?after=), so page 1,000 costs what page 1 costs. The filters live in
// the page URL. UI strings are in T (one place, for the i18n catalogs).
import { t } from './i18n.js';
import { api, el, clear, setText, notice, errorText, requireOfficial, footer, param, fmtTime } from './common.js';

const T = {
  cols: [t('audit.time'), t('audit.actor'), t('audit.kind'), t('audit.message'), t('audit.details')], empty: t('audit.no_records_match'), system: t('audit.system'),
  page: (n) => t('inbox.page', n), onlyAdmins: t('audit.only_administrators_may_read_the'), failed: (e) => t('common.could_not_load', e),
  kinds: {
    login: t('login.log_in'), reply: t('common.replied_2'), transfer: t('common.transfer'), return: t('lifecycle.return'), close: t('common.close'), decline: t('common.declined'), assign: t('audit.assign'), urge: t('common.urged_by_a_leader'),
    reopen: t('lifecycle.reopened'), extension: t('lifecycle.ask_for_more_time'), extension_decision: t('audit.extension_decision'), reply_decision: t('admin-org.reply_approval'), reply_correct: t('audit.reply_corrected'),
    moderate: t('common.moderation'), created: t('dashboard.messages_received'), user_add: t('admin.new_account'), user_edit: t('audit.account_edited'), user_disable: t('audit.account_disabled'), user_enable: t('audit.account_enabled'),
    password_reset: t('admin-org.reset_password'), department_add: t('admin.new_department'), department_edit: t('audit.department_edited'), rule_add: t('audit.routing_keyword_added'), rule_delete: t('audit.routing_keyword_removed'),
    settings: t('audit.settings_changed'), calendar: t('audit.calendar_changed'), consultation_add: t('audit.consultation_created'), consultation_edit: t('audit.consultation_edited'),
  },
};

footer();
const host = document.getElementById('log');
const box = document.getElementById('notice');
const form = document.getElementById('filter');
const FIELDS = ['actor', 'kind', 'message', 'from', 'to'];
let after = '';
let back = [];

const kindLabel = (k) => (T.kinds[k] ? t('admin.name_with_detail', T.kinds[k], k) : k);

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
