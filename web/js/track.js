// Tracking page: a citizen looks up a message by its tracking code and sees
// its state, the department handling it, the (masked) message and the replies;
// a message held for moderation shows 审核中, one with near-identical others
// says they are handled together.
import {
  api, el, clear, notice, errorText, renderHeader, footer, param, paragraphs, badge,
  STATES, STATE_LABEL, fmtTime,
} from './common.js';

renderHeader(null);
footer();

const result = document.getElementById('result');
const noticeBox = document.getElementById('notice');
const input = document.getElementById('code');

function steps(state) {
  const at = STATES.indexOf(state);
  const ol = el('ol', { class: 'steps', 'aria-label': '办理进度' });
  STATES.forEach((s, i) => {
    const cls = i < at ? 'done' : i === at ? 'current' : '';
    ol.append(el('li', { class: cls || null, 'aria-current': i === at ? 'step' : null }, STATE_LABEL[s]));
  });
  return ol;
}

function fact(dl, label, value) {
  if (value === undefined || value === null || value === '') return;
  dl.append(el('dt', null, label), el('dd', null, value));
}

function render(m) {
  clear(result);
  const dl = el('dl', { class: 'facts' });
  fact(dl, '查询码', m.tracking_code);
  const consultation = el('span', null, `#${m.consultation_id}`);
  if (m.consultation_id) fact(dl, '所属栏目', consultation);
  fact(dl, '留言类型', m.type);
  if (m.moderation !== 'held' && m.moderation !== 'rejected') fact(dl, '承办部门', m.department || '待分办');
  fact(dl, '所在区域', m.region);
  fact(dl, '联系电话', m.phone ? el('span', null, m.phone, el('span', { class: 'muted' }, '（已隐藏部分号码）')) : null);
  fact(dl, '留言时间', fmtTime(m.created_at));

  const replies = m.replies || [];
  const replyBox = el('section', { class: 'panel', 'aria-labelledby': 'r-title' },
    el('h2', { id: 'r-title' }, '部门答复'));
  if (!replies.length) {
    replyBox.append(el('p', { class: 'empty' }, m.moderation === 'held' ? '审核通过并办理后，部门答复将在此公开。'
      : m.moderation === 'rejected' ? '未通过审核的留言不予答复。' : '承办部门正在办理，答复后将在此公开。'));
  }
  for (const r of replies) {
    replyBox.append(el('div', { class: 'reply' },
      el('div', { class: 'reply-head' },
        el('strong', null, r.department || '承办部门'),
        el('span', null, `答复时间：${fmtTime(r.created_at)}`)),
      el('div', { class: 'doc-body' }, paragraphs(r.body))));
  }

  // Held for moderation: not handled yet, whatever the routing says;
  // rejected: closed without handling. Neither shows the progress steps.
  const held = m.moderation === 'held';
  const rejected = m.moderation === 'rejected';
  const status = held ? el('span', { class: 'badge mod-held' }, '审核中')
    : rejected ? el('span', { class: 'badge mod-rejected' }, '未通过审核') : badge(m.state);
  const modNote = held
    ? el('p', { class: 'closed-note', id: 'm-moderation' }, '您的留言正在审核中，审核通过后将转交承办部门办理。')
    : rejected ? el('p', { class: 'closed-note', id: 'm-moderation' }, '您的留言未通过审核，不予受理。如有疑问，可重新提交符合要求的留言。') : null;
  const size = Number(m.group_size) || 0;
  const groupNote = size > 1 && !rejected
    ? el('p', { class: 'notice notice-info', id: 'm-group' },
      `包括您的这条留言在内，我们共收到 ${size} 条内容相似的留言，将合并办理、统一答复。`) : null;

  result.append(
    el('article', { class: 'panel', 'aria-labelledby': 'm-title' },
      el('header', { class: 'doc-head' },
        el('h2', { id: 'm-title' }, m.title),
        el('div', { class: 'meta' }, el('span', null, '当前状态：'), status)),
      modNote || steps(m.state),
      groupNote,
      dl,
      el('h3', null, '留言内容'),
      el('div', { class: 'doc-body', id: 'm-body' }, paragraphs(m.body))),
    replyBox);

  // The consultation's title is a nicety; the page stands without it.
  if (m.consultation_id) {
    api('GET', `/api/v1/consultations/${encodeURIComponent(m.consultation_id)}`)
      .then((c) => {
        clear(consultation);
        consultation.append(el('a', { href: `/consultation.html?id=${encodeURIComponent(m.consultation_id)}` }, c.title));
      })
      .catch(() => {});
  }
}

async function load(code) {
  notice(noticeBox, 'error', '');
  result.setAttribute('aria-busy', 'true');
  try {
    render(await api('GET', `/api/v1/messages/${encodeURIComponent(code)}`));
  } catch (e) {
    clear(result);
    notice(noticeBox, 'error', e.status === 404
      ? '未找到该查询码对应的留言，请核对后重新输入（注意区分字母和数字）。'
      : `查询失败：${errorText(e)}`);
  } finally {
    result.setAttribute('aria-busy', 'false');
  }
}

// People copy codes with spaces or type them in lower case or without the
// dashes; the server would accept most of that, but a code of digits only
// without dashes would hit the numeric (official) route, so normalise here.
function normalise(raw) {
  const c = String(raw || '').replace(/\s+/g, '').toUpperCase();
  return /^[A-Z0-9]{12}$/.test(c) ? c.match(/.{4}/g).join('-') : c;
}

const code = normalise(param('code'));
if (code) {
  input.value = code;
  load(code);
} else {
  input.focus();
}
