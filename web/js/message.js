// Official view of one message (unmasked, for its department or an admin),
// its replies, and the public reply form.
import {
  api, el, clear, setText, notice, errorText, requireOfficial, footer, param, paragraphs, badge,
  fmtTime, attachCounter, charCount, showFormError, fieldError, clearFormErrors, clearErrorsOnInput,
} from './common.js';

footer();

const REPLY_MAX = 5000;
const id = param('id');
const box = document.getElementById('message');
const noticeBox = document.getElementById('notice');
const form = document.getElementById('reply-form');
const repliesSection = document.getElementById('replies-section');
const replySection = document.getElementById('reply-section');

function fact(dl, label, value) {
  if (value === undefined || value === null || value === '') return;
  dl.append(el('dt', null, label), el('dd', null, value));
}

function render(m) {
  clear(box);
  document.title = `${m.title} · 留言办理`;
  const dl = el('dl', { class: 'facts' });
  fact(dl, '编号', String(m.id));
  fact(dl, '查询码', m.tracking_code);
  fact(dl, '留言类型', m.type);
  fact(dl, '承办部门', m.department || '待分办');
  fact(dl, '所在区域', m.region);
  fact(dl, '联系电话', m.phone);
  fact(dl, '留言时间', fmtTime(m.created_at));
  box.append(
    el('header', { class: 'doc-head' },
      el('h1', { id: 'm-title' }, m.title),
      el('div', { class: 'meta' }, el('span', null, '办理状态：'), badge(m.state))),
    dl,
    el('h2', null, '留言内容'),
    el('div', { class: 'doc-body', id: 'm-body' }, paragraphs(m.body)));

  const list = document.getElementById('replies');
  clear(list);
  const replies = m.replies || [];
  if (!replies.length) list.append(el('p', { class: 'empty' }, '尚未答复。'));
  for (const r of replies) {
    list.append(el('div', { class: 'reply' },
      el('div', { class: 'reply-head' },
        el('strong', null, r.department || r.author || '答复'),
        el('span', null, [r.author ? `答复人：${r.author}　` : '', `时间：${fmtTime(r.created_at)}`].join(''))),
      el('div', { class: 'doc-body' }, paragraphs(r.body))));
  }
  repliesSection.hidden = false;
  // can_reply is the server's answer for this user; older servers lack it.
  replySection.hidden = m.can_reply === false || (m.can_reply === undefined && m.state === 'closed');

  const events = m.events || [];
  const evBox = document.getElementById('events');
  clear(evBox);
  document.getElementById('events-section').hidden = !events.length;
  for (const e of events) {
    evBox.append(el('li', null,
      el('span', { class: 'when' }, fmtTime(e.at)),
      el('span', null, EVENT_LABEL[e.kind] || e.kind),
      e.actor ? el('span', { class: 'muted' }, e.actor) : null));
  }
}

const EVENT_LABEL = {
  create: '留言提交', submit: '留言提交', route: '自动分办', assign: '分办', transfer: '转办',
  reply: '发布答复', close: '办结', reopen: '重新办理',
};

async function load() {
  if (!id || !/^\d+$/.test(id)) {
    clear(box);
    box.append(el('p', null, '缺少留言编号。'), el('p', null, el('a', { href: '/inbox.html' }, '返回待办留言')));
    return;
  }
  box.setAttribute('aria-busy', 'true');
  try {
    render(await api('GET', `/api/v1/messages/${id}`));
  } catch (e) {
    if (e.redirecting) return;
    clear(box);
    box.append(el('p', null, e.status === 403 ? '这条留言不属于您所在的部门，无权查看。'
      : e.status === 404 ? '未找到该留言。' : `加载失败：${errorText(e)}`),
    el('p', null, el('a', { href: '/inbox.html' }, '返回待办留言')));
    repliesSection.hidden = true;
    replySection.hidden = true;
  } finally {
    box.setAttribute('aria-busy', 'false');
  }
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(form);
  const body = form.elements.body.value;
  if (!body.trim()) { fieldError(form, 'body', '请填写答复内容'); form.elements.body.focus(); return; }
  if (charCount(body) > REPLY_MAX) { fieldError(form, 'body', `答复不能超过 ${REPLY_MAX} 个字`); return; }
  const btn = document.getElementById('reply-submit');
  btn.disabled = true;
  setText(btn, '正在发布…');
  try {
    await api('POST', `/api/v1/messages/${id}/replies`, { body });
    form.reset();
    updateCounter();
    await load();
    notice(noticeBox, 'ok', '答复已发布，留言人可凭查询码查看。');
    noticeBox.scrollIntoView({ block: 'nearest' });
  } catch (e) {
    if (e.redirecting) return;
    if (e.status === 403 && e.code === 'csrf') e.message = '页面已过期，请刷新页面后重试';
    else if (e.status === 403) e.message = '您无权答复这条留言';
    showFormError(form, e);
  } finally {
    btn.disabled = false;
    setText(btn, '发布答复');
  }
});

const updateCounter = attachCounter(form.elements.body, document.getElementById('cnt-reply'), REPLY_MAX);
requireOfficial().then(load).catch((e) => notice(noticeBox, 'error', errorText(e)));
clearErrorsOnInput(form);
