// The public page of one message (GET /api/v1/public/messages/{id}): the
// masked message, the department's replies, the citizen's rating, and the
// support button (one per visitor, POST .../support). The tracking code is
// never shown here: it stays the citizen's secret.
import { api, el, clear, setText, notice, errorText, renderHeader, footer, param, badge, fmtTime, paragraphs } from './common.js';

renderHeader(null);
footer();

const host = document.getElementById('message');
const noticeBox = document.getElementById('notice');
const id = param('id');

function render(m) {
  clear(host);
  const count = el('span', { id: 'support-count' }, String(Number(m.supports) || 0));
  const btn = el('button', { class: 'btn btn-primary', type: 'button', id: 'support' }, '支持这条留言');
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      const r = await api('POST', `/api/v1/public/messages/${encodeURIComponent(id)}/support`, {});
      setText(count, r.supports);
      setText(btn, '已支持');
    } catch (e) {
      if (e.status === 409) setText(btn, '已支持');
      else { btn.disabled = false; notice(noticeBox, 'error', `支持未成功：${errorText(e)}`); }
    }
  });
  document.title = `${m.title} · 留言公开 · 民意`;
  host.append(
    el('div', { class: 'meta' }, badge(m.state), el('span', { class: 'badge kind' }, m.type),
      m.department ? el('span', null, `承办部门：${m.department}`) : null,
      m.region ? el('span', null, m.region) : null,
      el('span', null, `留言于 ${fmtTime(m.created_at)}`)),
    el('h1', { class: 'page-title wrap-anywhere' }, m.title),
    el('div', { class: 'body wrap-anywhere' }, paragraphs(m.body)),
    m.group_size > 1 ? el('p', { class: 'muted' }, `另有 ${m.group_size - 1} 位群众反映了相似的问题，一并办理。`) : null,
    el('div', { class: 'actions' }, btn, ' ', el('span', null, '支持 '), count));
  const replies = el('section', { class: 'replies', 'aria-labelledby': 'replies-title' },
    el('h2', { id: 'replies-title' }, '部门答复'));
  if (!m.replies || !m.replies.length) replies.append(el('p', { class: 'muted' }, '尚未答复。'));
  for (const r of m.replies || []) {
    replies.append(el('div', { class: 'reply panel' },
      el('div', { class: 'meta' }, el('strong', null, r.department || ''), ' ', el('span', null, fmtTime(r.created_at)),
        r.edited_at ? el('span', { class: 'badge' }, `已修改 ${fmtTime(r.edited_at)}`) : null),
      el('div', { class: 'wrap-anywhere' }, paragraphs(r.body))));
  }
  if (m.rating) {
    replies.append(el('p', { class: 'rating' }, `留言人评价：${m.rating.score} 分`,
      m.rating.comment ? el('span', { class: 'wrap-anywhere' }, ` · ${m.rating.comment}`) : null));
  }
  host.append(replies);
}

async function load() {
  if (!id || !/^\d+$/.test(id)) {
    clear(host);
    notice(noticeBox, 'error', '缺少留言编号。请从“留言公开”列表进入。');
    return;
  }
  try {
    render(await api('GET', `/api/v1/public/messages/${encodeURIComponent(id)}`));
  } catch (e) {
    clear(host);
    notice(noticeBox, 'error', e.status === 404 ? '没有这条公开留言（可能未公开、正在审核或编号有误）。' : `无法加载：${errorText(e)}`);
  } finally {
    host.setAttribute('aria-busy', 'false');
  }
}
load();
