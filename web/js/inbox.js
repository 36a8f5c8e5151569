// Handler's inbox: messages routed to the department (all of them for admins
// and leaders), 50 a page; each row opens message.html. Sorted newest first
// or by deadline; filtered by state, type, region, dates, keyword, overdue /
// due within 2 working days / urged; a badge counts what needs attention and
// the urged messages stay on top; rows can be transferred, returned or
// closed in bulk, and near-duplicates on a page folded into one row.
// Pages follow the server's cursor (?after=<the previous page's next>): as
// fast deep in a million messages as on page one; 上一页 walks back the
// cursors this visit has seen.
// Admins and leaders also get the triage tab (?triage=1: messages routed to
// no department); ?group=ID lists the members of a near-duplicate group.
import { t } from './i18n.js';
import {
  api, el, clear, setText, notice, errorText, requireOfficial, footer, param, badge, fmtTime, fmtPercent, fmtNumber, STATES, TYPES, typeLabel,
} from './common.js';
import { deadlineBadge } from './lifecycle.js';

footer();

const PAGE = 50;
const host = document.getElementById('inbox');
const noticeBox = document.getElementById('notice');
const select = document.getElementById('state');
const pager = document.getElementById('pager');
const groupHead = document.getElementById('group-head');
let after = param('after') || '';
let back = [];      // the cursors of the pages before this one, in order
let page = 0;       // pages since the first (0 = the newest messages)
select.value = STATES.includes(param('state')) ? param('state') : '';
const form = document.getElementById('filter');
const f = {
  sort: document.getElementById('sort'), type: document.getElementById('f-type'), region: document.getElementById('f-region'),
  from: document.getElementById('f-from'), to: document.getElementById('f-to'), q: document.getElementById('f-q'),
  overdue: document.getElementById('filter-overdue'), soon: document.getElementById('filter-soon'),
  urged: document.getElementById('filter-urged'), collapse: document.getElementById('f-collapse'),
};
f.sort.value = param('sort') === 'due' ? 'due' : '';
f.type.value = TYPES.includes(param('type')) ? param('type') : '';
f.region.value = param('region') || '';
f.from.value = /^\d{4}-\d\d-\d\d$/.test(param('from') || '') ? param('from') : '';
f.to.value = /^\d{4}-\d\d-\d\d$/.test(param('to') || '') ? param('to') : '';
f.q.value = param('q') || '';
f.overdue.checked = param('due') === 'overdue';
f.soon.checked = param('due') === 'soon';
f.urged.checked = param('urged') === '1';
f.collapse.checked = param('collapse') === '1';
let me = null;
let departments = [];
const mayAct = () => me && ['handler', 'head', 'admin'].includes(me.role);
let triage = param('triage') === '1';
const group = /^\d{1,15}$/.test(param('group') || '') ? param('group') : '';

function labelCell(m) {
  if (!m.label) return el('span', { class: 'muted' }, '—');
  return el('span', { class: 'label-cell' },
    el('span', { class: 'label-tag' }, m.label),
    m.confidence !== null && m.confidence !== undefined ? el('span', { class: 'muted conf' }, fmtPercent(m.confidence)) : null);
}

function row(m, folded) {
  const href = `/message.html?id=${encodeURIComponent(m.id)}`;
  const size = Number(m.group_size) || 0;
  const pick = mayAct() ? el('input', { type: 'checkbox', class: 'pick', value: String(m.id), 'aria-label': t('inbox.select_message', m.id) }) : null;
  if (pick) pick.addEventListener('change', updateBulk);
  return el('tr', { 'data-id': String(m.id), 'data-group': String(m.group_id || ''), class: folded ? 'folded' : null, hidden: folded ? '' : null },
    el('td', { class: 'nowrap', 'data-label': t('common.no') }, pick, ' ', String(m.id)),
    el('td', { class: 'title' }, Number(m.urge_count) > 0 ? el('span', { class: 'urged-mark', title: t('inbox.urged_by_leaders') }, t('common.urged_by_a_leader')) : null,
      el('a', { href }, m.title),
      size > 1 && !group ? el('a', {
        class: 'badge group-size', href: `/inbox.html?group=${encodeURIComponent(m.group_id)}`,
        title: t('common.this_message_and_similar_ones', size - 1), 'aria-label': t('inbox.similar_messages', size),
      }, t('inbox.similar', size)) : null),
    el('td', { class: 'nowrap', 'data-label': t('common.type') }, typeLabel(m.type)),
    el('td', { class: 'nowrap', 'data-label': t('common.automatic_class') }, labelCell(m)),
    el('td', { class: 'nowrap', 'data-label': t('common.status') }, badge(m.state)),
    el('td', { class: 'nowrap', 'data-label': t('common.deadline') }, m.due_at ? fmtTime(m.due_at) : '—', ' ', deadlineBadge(m)),
    el('td', { 'data-label': t('common.department_in_charge') }, m.department || t('common.to_be_routed')),
    el('td', { class: 'nowrap', 'data-label': t('common.received_2') }, fmtTime(m.created_at)));
}

function emptyText() {
  if (group) return t('inbox.this_group_has_no_message');
  if (triage) return select.value ? t('inbox.no_message_to_be_routed') : t('inbox.no_message_to_be_routed_2');
  return select.value ? t('inbox.no_message_in_this_state') : t('inbox.no_messages_yet');
}

let groupSize = 0;
let listed = -1;
// Members of a group the user may not see (other departments, held) are
// not listed: say so rather than let the counts disagree silently.
function noteHidden() {
  const old = document.getElementById('group-hidden');
  if (old) old.remove();
  if (!group || listed < 0 || groupSize <= listed) return;
  groupHead.append(el('span', { id: 'group-hidden', class: 'muted' },
    t('inbox.of_them_belong_to_other', groupSize - listed)));
}

async function loadGroup() {
  groupHead.hidden = false;
  clear(groupHead);
  const back = el('a', { href: '/inbox.html' }, t('inbox.back_to_all_messages'));
  try {
    const g = await api('GET', `/api/v1/groups/${group}`);
    const span = g.first_at && g.last_at ? t('inbox.to', fmtTime(g.first_at), fmtTime(g.last_at)) : '';
    groupSize = Number(g.size) || 0;
    const counted = Number(g.authors_counted) || groupSize;   // writers counted among the newest members of a big campaign
    groupHead.append(el('strong', null, t('inbox.group_of_similar_messages', group)),
      counted < groupSize ? t('inbox.messages_writers_among_newest', groupSize, Number(g.authors) || 0, counted, span)
        : t('inbox.messages_from_writers_they_can', groupSize, Number(g.authors) || 0, span), ' ', back);
    noteHidden();
  } catch (e) {
    if (e.redirecting) return;
    groupHead.append(el('span', null, e.status === 404 ? t('inbox.group_of_similar_messages_not', group) : t('inbox.group_of_similar_messages_2', group, errorText(e))), ' ', back);
  }
}

async function load() {
  host.setAttribute('aria-busy', 'true');
  notice(noticeBox, 'error', '');
  const q = new URLSearchParams({ limit: String(PAGE) });
  if (after) q.set('after', after);
  if (select.value) q.set('state', select.value);
  if (triage) q.set('triage', '1');
  if (group) q.set('group', group);
  filterParams(q);
  try {
    const data = await api('GET', `/api/v1/inbox?${q}`);
    const msgs = data.messages || [];
    const total = data.total === null || data.total === undefined ? null : Number(data.total);
    clear(host);
    if (!msgs.length) {
      host.append(el('p', { class: 'empty' }, emptyText()));
    } else {
      host.append(el('table', { class: 'data-table cards', id: 'inbox-table' },
        el('caption', { class: 'visually-hidden' }, triage ? t('inbox.messages_to_be_routed') : t('inbox.messages')),
        el('thead', null, el('tr', null,
          [t('common.no'), t('common.title'), t('common.type'), t('common.automatic_class'), t('common.status'), t('common.deadline'), t('common.department_in_charge'), t('common.received_2')].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', null, rows(msgs))));
    }
    if (data.counts) showCounts(data.counts);
    exportLinks();
    if (data.urged) showUrged(data.urged);
    updateBulk();
    if (group && !after && !data.next) { listed = msgs.length; noteHidden(); }
    const first = page * PAGE + 1;
    const shown = msgs.length ? t('inbox.showing', first, first + msgs.length - 1) : '';
    setText(document.getElementById('summary'), msgs.length ? (total !== null ? t('inbox.in_all', total, shown) : shown) : '');
    pager.hidden = !after && !data.next;
    document.getElementById('prev').disabled = !after;
    const next = document.getElementById('next');
    next.disabled = !data.next;
    next.dataset.after = data.next || '';
    setText(document.getElementById('page-info'),
      total !== null ? t('common.page_of', page + 1, Math.max(1, Math.ceil(total / PAGE))) : t('inbox.page', page + 1));
  } catch (e) {
    if (e.redirecting) return;
    clear(host);
    notice(noticeBox, 'error', t('common.could_not_load', errorText(e)));
  } finally {
    host.setAttribute('aria-busy', 'false');
  }
}

// The export buttons follow the current filters (the server masks personal data).
function exportLinks() {
  for (const fmt of ['csv', 'xlsx']) {
    const q = new URLSearchParams({ format: fmt });
    if (select.value) q.set('state', select.value);
    if (triage) q.set('triage', '1');
    if (group) q.set('group', group);
    filterParams(q);
    q.delete('sort');
    document.getElementById(`export-${fmt}`).href = `/api/v1/inbox/export?${q}`;
  }
}

// The filters as query parameters (the same names in the page URL and the API).
function filterParams(q) {
  if (f.sort.value) q.set('sort', f.sort.value);
  if (f.type.value) q.set('type', f.type.value);
  if (f.region.value.trim()) q.set('region', f.region.value.trim());
  if (f.from.value) q.set('from', f.from.value);
  if (f.to.value) q.set('to', f.to.value);
  if (f.q.value.trim()) q.set('q', f.q.value.trim());
  if (f.overdue.checked) q.set('due', 'overdue');
  else if (f.soon.checked) q.set('due', 'soon');
  if (f.urged.checked) q.set('urged', '1');
}

// Rows of a page; with 相似留言合并, the later members of a group already on
// the page fold under the first one, which offers to unfold them.
function rows(msgs) {
  const out = [];
  const seen = new Map();   // group id -> [first row, folded count]
  for (const m of msgs) {
    const g = Number(m.group_id) || 0;
    const fold = f.collapse.checked && g && seen.has(g);
    const tr = row(m, fold);
    if (fold) seen.get(g)[1]++;
    else if (g) seen.set(g, [tr, 0]);
    out.push(tr);
  }
  for (const [g, [tr, n]] of seen) {
    if (!n) continue;
    const b = el('button', { type: 'button', class: 'btn btn-ghost unfold', 'aria-expanded': 'false' }, t('inbox.show_more_similar_messages', n));
    b.addEventListener('click', () => {
      const open = b.getAttribute('aria-expanded') !== 'true';
      b.setAttribute('aria-expanded', String(open));
      setText(b, open ? t('inbox.hide_similar_messages') : t('inbox.show_more_similar_messages', n));
      for (const x of host.querySelectorAll(`tr.folded[data-group="${g}"]`)) x.hidden = !open;
    });
    tr.querySelector('td.title').append(' ', b);
  }
  return out;
}

function showCounts(c) {
  const box = document.getElementById('counts');
  clear(box);
  // Counts stop at c.max (a national inbox's overdue count would cost a scan): shown as "1000+".
  const num = (n) => (c.max && Number(n) >= c.max ? `${fmtNumber(c.max)}+` : fmtNumber(Number(n) || 0));
  const item = (label, n, cls) => el('span', { class: `count ${cls}${Number(n) ? ' hot' : ''}` }, `${label} `, el('strong', null, num(n)));
  box.append(item(t('common.overdue'), c.overdue, 'c-overdue'), ' · ', item(t('inbox.due_within_2_working_days'), c.due_soon, 'c-soon'), ' · ', item(t('common.urged_by_a_leader'), c.urged, 'c-urged'));
  box.hidden = false;
}

function showUrged(list) {
  const box = document.getElementById('urged-box');
  const ul = document.getElementById('urged-list');
  clear(ul);
  for (const m of list) {
    ul.append(el('li', null, el('span', { class: 'urged-mark' }, t('inbox.urged_times', Number(m.urge_count) || 1)), ' ',
      el('a', { href: `/message.html?id=${encodeURIComponent(m.id)}` }, m.title), ' ',
      el('span', { class: 'muted' }, m.department || ''), ' ', deadlineBadge(m)));
  }
  box.hidden = !list.length;
}

// ---- bulk actions: the selected messages go to POST /api/v1/messages/bulk,
// which runs each through the same checks as one by one and answers per
// message; the refused ones are named with the server's reason.
const bulk = document.getElementById('bulk');
function picked() { return [...host.querySelectorAll('input.pick:checked')].map((x) => Number(x.value)); }
function updateBulk() {
  const n = picked().length;
  bulk.hidden = !mayAct() || !host.querySelector('input.pick');
  setText(document.getElementById('bulk-count'), t('inbox.selected', n));
  document.getElementById('bulk-submit').disabled = !n;
}
document.getElementById('bulk-action').addEventListener('change', (ev) => {
  document.getElementById('bulk-dept').hidden = ev.target.value !== 'transfer';
});
bulk.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const action = document.getElementById('bulk-action').value;
  const reason = document.getElementById('bulk-reason').value.trim();
  const dept = document.getElementById('bulk-dept').value;
  const ids = picked();
  if (!action || !ids.length) return notice(noticeBox, 'error', t('inbox.choose_messages_and_an_action'));
  if (action === 'return' && !reason) return notice(noticeBox, 'error', t('inbox.returning_needs_a_reason'));
  if (action === 'transfer' && !dept) return notice(noticeBox, 'error', t('common.choose_the_department_to_transfer'));
  const body = { ids, action };
  if (action === 'transfer') body.department = dept;
  if (reason) body[action === 'close' ? 'note' : 'reason'] = reason;
  let r;
  try { r = await api('POST', '/api/v1/messages/bulk', body); } catch (e) {
    if (e.redirecting) return;
    return notice(noticeBox, 'error', t('inbox.bulk_action_failed', errorText(e)));
  }
  const failed = (r.results || []).filter((x) => !x.ok).map((x) => t('inbox.id_with_error', x.id, x.error));
  await load();
  notice(noticeBox, failed.length ? 'error' : 'ok', t('inbox.done', Number(r.done) || 0, failed.length ? t('inbox.not_done', failed.length, failed.join(t('common.clause_separator'))) : t('common.full_stop')));
});

function query() {
  const q = new URLSearchParams();
  if (triage) q.set('triage', '1');
  if (group) q.set('group', group);
  if (select.value) q.set('state', select.value);
  filterParams(q);
  if (f.collapse.checked) q.set('collapse', '1');
  if (after) q.set('after', after);
  return q.toString();
}

// go(cursor): that page; go('') the first (filters changed: forget the way back).
function go(cursor) {
  after = cursor;
  if (!cursor) { back = []; page = 0; }
  const q = query();
  history.replaceState(null, '', `${location.pathname}${q ? '?' + q : ''}`);
  load();
}

function setupTabs(user) {
  const tabs = document.getElementById('tabs');
  const mayTriage = user.role === 'admin' || user.role === 'leader';
  if (!mayTriage) triage = false;
  tabs.hidden = !mayTriage || !!group;
  const all = document.getElementById('tab-all');
  const tri = document.getElementById('tab-triage');
  const mark = () => {
    if (triage) { tri.setAttribute('aria-current', 'page'); all.removeAttribute('aria-current'); }
    else { all.setAttribute('aria-current', 'page'); tri.removeAttribute('aria-current'); }
    setText(document.querySelector('h1.page-title'), triage ? t('inbox.messages_to_be_routed_2') : group ? t('common.similar_messages') : t('common.inbox'));
  };
  const to = (mode) => (ev) => { ev.preventDefault(); triage = mode; mark(); go(''); };
  all.addEventListener('click', to(false));
  tri.addEventListener('click', to(true));
  mark();
}

select.addEventListener('change', () => go(''));
for (const x of [f.sort, f.type, f.overdue, f.soon, f.urged]) x.addEventListener('change', () => {
  if (x === f.overdue && x.checked) f.soon.checked = false;
  if (x === f.soon && x.checked) f.overdue.checked = false;
  go('');
});
f.collapse.addEventListener('change', () => go(after));
document.getElementById('filter').addEventListener('submit', (ev) => { ev.preventDefault(); go(''); });
document.getElementById('prev').addEventListener('click', () => {
  const prev = back.pop() || '';
  page = prev ? Math.max(0, page - 1) : 0;
  go(prev);
});
document.getElementById('next').addEventListener('click', (ev) => {
  const cursor = ev.currentTarget.dataset.after;
  if (!cursor) return;
  back.push(after);
  page += 1;
  go(cursor);
});

requireOfficial()
  .then(async (user) => {
    me = user;
    try { departments = (await api('GET', '/api/v1/departments')).departments || []; } catch (e) { departments = []; }
    const sel = document.getElementById('bulk-dept');
    for (const d of departments) sel.append(el('option', { value: d.name }, d.name));
    setupTabs(user);
    if (group) loadGroup();
    return load();
  })
  .catch((e) => { if (!e.redirecting) notice(noticeBox, 'error', errorText(e)); });
