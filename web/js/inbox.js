// Handler's inbox: messages routed to the department (all of them for admins
// and leaders), filtered by state, 50 a page; each row opens message.html.
// Pages follow the server's cursor (?after=<the previous page's next>): as
// fast deep in a million messages as on page one; 上一页 walks back the
// cursors this visit has seen.
// Admins and leaders also get the triage tab (?triage=1: messages routed to
// no department); ?group=ID lists the members of a near-duplicate group.
import {
  api, el, clear, setText, notice, errorText, requireOfficial, footer, param, badge, fmtTime, fmtPercent,
} from './common.js';

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
select.value = ['new', 'assigned', 'replied', 'closed'].includes(param('state')) ? param('state') : '';
let triage = param('triage') === '1';
const group = /^\d{1,15}$/.test(param('group') || '') ? param('group') : '';

function labelCell(m) {
  if (!m.label) return el('span', { class: 'muted' }, '—');
  return el('span', { class: 'label-cell' },
    el('span', { class: 'label-tag' }, m.label),
    m.confidence !== null && m.confidence !== undefined ? el('span', { class: 'muted conf' }, fmtPercent(m.confidence)) : null);
}

function row(m) {
  const href = `/message.html?id=${encodeURIComponent(m.id)}`;
  const size = Number(m.group_size) || 0;
  return el('tr', null,
    el('td', { class: 'nowrap', 'data-label': '编号' }, String(m.id)),
    el('td', { class: 'title' }, el('a', { href }, m.title),
      size > 1 && !group ? el('a', {
        class: 'badge group-size', href: `/inbox.html?group=${encodeURIComponent(m.group_id)}`,
        title: `此留言及另外 ${size - 1} 条相似留言`, 'aria-label': `相似留言 ${size} 条`,
      }, `相似 ${size}`) : null),
    el('td', { class: 'nowrap', 'data-label': '类型' }, m.type || ''),
    el('td', { class: 'nowrap', 'data-label': '自动分类' }, labelCell(m)),
    el('td', { class: 'nowrap', 'data-label': '状态' }, badge(m.state)),
    el('td', { 'data-label': '承办部门' }, m.department || '待分办'),
    el('td', { class: 'nowrap', 'data-label': '留言时间' }, fmtTime(m.created_at)));
}

function emptyText() {
  if (group) return '该相似留言组中没有您可以查看的留言。';
  if (triage) return select.value ? '没有该状态的待分办留言。' : '没有待分办的留言。';
  return select.value ? '没有该状态的留言。' : '暂无留言。';
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
    `（其中 ${groupSize - listed} 条属于其他部门或尚在审核，未在下方列出）`));
}

async function loadGroup() {
  groupHead.hidden = false;
  clear(groupHead);
  const back = el('a', { href: '/inbox.html' }, '返回全部留言');
  try {
    const g = await api('GET', `/api/v1/groups/${group}`);
    const span = g.first_at && g.last_at ? `，${fmtTime(g.first_at)} 至 ${fmtTime(g.last_at)}` : '';
    groupSize = Number(g.size) || 0;
    groupHead.append(el('strong', null, `相似留言组 #${group}：`),
      `共 ${groupSize} 条，来自 ${Number(g.authors) || 0} 位留言人${span}，可统一办理。`, ' ', back);
    noteHidden();
  } catch (e) {
    if (e.redirecting) return;
    groupHead.append(el('span', null, e.status === 404 ? `未找到相似留言组 #${group}。` : `相似留言组 #${group}：${errorText(e)}`), ' ', back);
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
  try {
    const data = await api('GET', `/api/v1/inbox?${q}`);
    const msgs = data.messages || [];
    const total = data.total === null || data.total === undefined ? null : Number(data.total);
    clear(host);
    if (!msgs.length) {
      host.append(el('p', { class: 'empty' }, emptyText()));
    } else {
      host.append(el('table', { class: 'data-table cards', id: 'inbox-table' },
        el('caption', { class: 'visually-hidden' }, triage ? '待分办留言列表' : '留言列表'),
        el('thead', null, el('tr', null,
          ['编号', '标题', '类型', '自动分类', '状态', '承办部门', '留言时间'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', null, msgs.map(row))));
    }
    if (group && !after && !data.next) { listed = msgs.length; noteHidden(); }
    const first = page * PAGE + 1;
    const shown = msgs.length ? `显示第 ${first}–${first + msgs.length - 1} 条` : '';
    setText(document.getElementById('summary'), msgs.length ? (total !== null ? `共 ${total} 条，${shown}` : shown) : '');
    pager.hidden = !after && !data.next;
    document.getElementById('prev').disabled = !after;
    const next = document.getElementById('next');
    next.disabled = !data.next;
    next.dataset.after = data.next || '';
    setText(document.getElementById('page-info'),
      total !== null ? `第 ${page + 1} / ${Math.max(1, Math.ceil(total / PAGE))} 页` : `第 ${page + 1} 页`);
  } catch (e) {
    if (e.redirecting) return;
    clear(host);
    notice(noticeBox, 'error', `加载失败：${errorText(e)}`);
  } finally {
    host.setAttribute('aria-busy', 'false');
  }
}

function query() {
  const q = new URLSearchParams();
  if (triage) q.set('triage', '1');
  if (group) q.set('group', group);
  if (select.value) q.set('state', select.value);
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
    setText(document.querySelector('h1.page-title'), triage ? '待分办留言' : group ? '相似留言' : '待办留言');
  };
  const to = (t) => (ev) => { ev.preventDefault(); triage = t; mark(); go(''); };
  all.addEventListener('click', to(false));
  tri.addEventListener('click', to(true));
  mark();
}

select.addEventListener('change', () => go(''));
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
  .then((user) => {
    setupTabs(user);
    if (group) loadGroup();
    return load();
  })
  .catch((e) => { if (!e.redirecting) notice(noticeBox, 'error', errorText(e)); });
