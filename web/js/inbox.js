// Handler's inbox: messages routed to the department (all of them for admins
// and leaders), filtered by state, 50 a page; each row opens message.html.
import {
  api, el, clear, setText, notice, errorText, requireOfficial, footer, param, badge, fmtTime,
} from './common.js';

footer();

const PAGE = 50;
const host = document.getElementById('inbox');
const noticeBox = document.getElementById('notice');
const select = document.getElementById('state');
const pager = document.getElementById('pager');
let offset = Math.max(0, parseInt(param('offset') || '0', 10) || 0);
select.value = ['new', 'assigned', 'replied', 'closed'].includes(param('state')) ? param('state') : '';

function row(m) {
  const href = `/message.html?id=${encodeURIComponent(m.id)}`;
  return el('tr', null,
    el('td', { class: 'nowrap', 'data-label': '编号' }, String(m.id)),
    el('td', { class: 'title' }, el('a', { href }, m.title)),
    el('td', { class: 'nowrap', 'data-label': '类型' }, m.type || ''),
    el('td', { class: 'nowrap', 'data-label': '状态' }, badge(m.state)),
    el('td', { 'data-label': '承办部门' }, m.department || '待分办'),
    el('td', { class: 'nowrap', 'data-label': '留言时间' }, fmtTime(m.created_at)));
}

async function load() {
  host.setAttribute('aria-busy', 'true');
  notice(noticeBox, 'error', '');
  const q = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (select.value) q.set('state', select.value);
  try {
    const data = await api('GET', `/api/v1/inbox?${q}`);
    const msgs = data.messages || [];
    const total = Number(data.total) || msgs.length;
    clear(host);
    if (!msgs.length) {
      host.append(el('p', { class: 'empty' }, select.value ? '没有该状态的留言。' : '暂无留言。'));
    } else {
      host.append(el('table', { class: 'data-table cards', id: 'inbox-table' },
        el('caption', { class: 'visually-hidden' }, '留言列表'),
        el('thead', null, el('tr', null,
          ['编号', '标题', '类型', '状态', '承办部门', '留言时间'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', null, msgs.map(row))));
    }
    setText(document.getElementById('summary'),
      msgs.length ? `共 ${total} 条，显示第 ${offset + 1}–${offset + msgs.length} 条` : '');
    pager.hidden = total <= PAGE;
    document.getElementById('prev').disabled = offset <= 0;
    document.getElementById('next').disabled = offset + msgs.length >= total;
    setText(document.getElementById('page-info'), `第 ${Math.floor(offset / PAGE) + 1} / ${Math.max(1, Math.ceil(total / PAGE))} 页`);
  } catch (e) {
    if (e.redirecting) return;
    clear(host);
    notice(noticeBox, 'error', `加载失败：${errorText(e)}`);
  } finally {
    host.setAttribute('aria-busy', 'false');
  }
}

function go(newOffset) {
  offset = Math.max(0, newOffset);
  const q = new URLSearchParams();
  if (select.value) q.set('state', select.value);
  if (offset) q.set('offset', String(offset));
  history.replaceState(null, '', `${location.pathname}${q.toString() ? '?' + q : ''}`);
  load();
}

select.addEventListener('change', () => go(0));
document.getElementById('filter').addEventListener('submit', (ev) => { ev.preventDefault(); go(0); });
document.getElementById('prev').addEventListener('click', () => go(offset - PAGE));
document.getElementById('next').addEventListener('click', () => go(offset + PAGE));

requireOfficial().then(load).catch((e) => notice(noticeBox, 'error', errorText(e)));
