// Tracking page: a citizen looks up a message by its tracking code and sees
// its state, the department handling it, the reply deadline (due_at) and
// whether it was kept, the (masked) message and the replies; a message held
// for moderation shows 审核中, one with near-identical others says they are
// handled together. Once replied, the citizen rates the reply once (1-5
// stars, optional comment: POST /api/v1/messages/{code}/rating); the rating
// is shown from then on.
import {
  api, el, clear, notice, errorText, renderHeader, footer, param, paragraphs, badge,
  STATES, STATE_LABEL, fmtTime, setText, attachCounter, charCount, fieldError, clearFormErrors,
  clearErrorsOnInput, showFormError,
} from './common.js';

renderHeader(null);
footer();

const result = document.getElementById('result');
const noticeBox = document.getElementById('notice');
const input = document.getElementById('code');

// The progress of a message that is handled; a declined one has its own note.
const STEPS = STATES.filter((s) => s !== 'declined');
function steps(state) {
  const at = STEPS.indexOf(state);
  const ol = el('ol', { class: 'steps', 'aria-label': '办理进度' });
  STEPS.forEach((s, i) => {
    const cls = i < at ? 'done' : i === at ? 'current' : '';
    ol.append(el('li', { class: cls || null, 'aria-current': i === at ? 'step' : null }, STATE_LABEL[s]));
  });
  return ol;
}

function fact(dl, label, value) {
  if (value === undefined || value === null || value === '') return;
  dl.append(el('dt', null, label), el('dd', null, value));
}

const DAY = 24 * 3600 * 1000;
const SCORE_LABEL = { 1: '很不满意', 2: '不满意', 3: '一般', 4: '满意', 5: '很满意' };
const COMMENT_MAX = 500;

// 答复期限 and whether it was (or is being) kept: replied by then, replied
// late, overdue, or the days left.
function dueLine(m) {
  const due = new Date(m.due_at);
  if (!m.due_at || Number.isNaN(due.getTime())) return null;
  const firsts = (m.replies || []).map((r) => new Date(r.created_at).getTime()).filter((t) => !Number.isNaN(t));
  let status;
  if (firsts.length) {
    const ok = Math.min(...firsts) <= due.getTime();
    status = el('span', { class: `badge ${ok ? 'on-time' : 'overdue'}`, id: 'm-due-status' }, ok ? '按期答复' : '超期答复');
  } else if (Date.now() > due.getTime()) {
    status = el('span', { class: 'badge overdue', id: 'm-due-status' }, '已超期');
  } else {
    const left = Math.max(1, Math.ceil((due.getTime() - Date.now()) / DAY));
    status = el('span', { class: 'badge pending', id: 'm-due-status' }, `未超期，剩余 ${left} 天`);
  }
  return el('span', { class: 'due-line', id: 'm-due' }, el('span', null, fmtTime(m.due_at)), status);
}

function starsShown(score) {
  const n = Math.max(0, Math.min(5, Number(score) || 0));
  return el('span', { class: 'stars-shown', role: 'img', 'aria-label': `${n} 星（${SCORE_LABEL[n] || ''}）` },
    '★'.repeat(n), el('span', { class: 'off' }, '★'.repeat(5 - n)));
}

function ratingView(r) {
  const n = Number(r.score) || 0;
  return el('div', { id: 'rating-view' },
    el('div', { class: 'rating-shown' },
      starsShown(n),
      el('strong', { id: 'rating-score' }, `${n} 星 · ${SCORE_LABEL[n] || ''}`),
      r.created_at ? el('span', { class: 'muted' }, `评价时间：${fmtTime(r.created_at)}`) : null),
    r.comment ? el('div', { class: 'rating-comment', id: 'rating-comment' }, paragraphs(r.comment)) : null);
}

// The 1-5 star radio group: real radio buttons (arrow keys, screen readers
// read "n 星：label"), drawn as stars lit up to the chosen (or hovered) one.
function starInputs() {
  const row = el('div', { class: 'star-row', id: 'rate-stars' });
  const caption = el('p', { class: 'star-caption', id: 'rate-caption', 'aria-live': 'polite' }, '请选择 1 至 5 星');
  const stars = [];
  for (let n = 1; n <= 5; n++) {
    const input = el('input', { type: 'radio', name: 'score', value: n, id: `rate-score-${n}`, 'aria-describedby': 'err-rate-score' });
    const label = el('label', { class: 'star', for: `rate-score-${n}`, 'data-score': n },
      input,
      el('span', { class: 'glyph', 'aria-hidden': 'true' }, '★'),
      el('span', { class: 'visually-hidden' }, `${n} 星：${SCORE_LABEL[n]}`));
    label.addEventListener('mouseenter', () => {
      row.classList.add('previewing');
      for (const s of stars) s.classList.toggle('hover', Number(s.dataset.score) <= n);
    });
    stars.push(label);
    row.append(label);
  }
  row.addEventListener('mouseleave', () => {
    row.classList.remove('previewing');
    for (const s of stars) s.classList.remove('hover');
  });
  row.addEventListener('change', () => {
    row.classList.remove('invalid');
    const v = Number((row.querySelector('input:checked') || {}).value) || 0;
    for (const s of stars) s.classList.toggle('lit', Number(s.dataset.score) <= v);
    setText(caption, v ? `${v} 星：${SCORE_LABEL[v]}` : '请选择 1 至 5 星');
  });
  return { row, caption };
}

function ratingForm(m) {
  const { row, caption } = starInputs();
  const comment = el('textarea', { id: 'rate-comment', name: 'comment', rows: 3, 'aria-describedby': 'rate-counter err-rate-comment' });
  const counter = el('span', { class: 'counter', id: 'rate-counter' });
  const submit = el('button', { class: 'btn btn-primary', type: 'submit', id: 'rate-submit' }, '提交评价');
  const form = el('form', { id: 'rate-form', novalidate: true },
    el('fieldset', { class: 'field' },
      el('legend', null, '满意度评分 ', el('span', { class: 'req', 'aria-hidden': 'true' }, '*')),
      row, caption,
      el('p', { class: 'field-error', id: 'err-rate-score', 'data-error-for': 'score', hidden: true })),
    el('div', { class: 'field' },
      el('label', { for: 'rate-comment' }, '评价意见 ', el('span', { class: 'optional' }, `（选填，不超过 ${COMMENT_MAX} 字）`)),
      comment,
      el('div', { class: 'field-meta' },
        el('p', { class: 'field-error', id: 'err-rate-comment', 'data-error-for': 'comment', hidden: true }),
        counter)),
    el('div', { class: 'form-error', hidden: true }),
    el('div', { class: 'actions' }, submit));
  attachCounter(comment, counter, COMMENT_MAX);
  clearErrorsOnInput(form);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearFormErrors(form);
    const checked = form.querySelector('input[name="score"]:checked');
    const text = comment.value.trim();
    let bad = null;
    if (!checked) {
      fieldError(form, 'score', '请选择评分（1 至 5 星）');
      form.querySelector('.star-row').classList.add('invalid');
      bad = form.querySelector('input[name="score"]');
    }
    if (charCount(text) > COMMENT_MAX) {
      fieldError(form, 'comment', `评价意见不能超过 ${COMMENT_MAX} 字（现 ${charCount(text)} 字）`);
      bad = bad || comment;
    }
    if (bad) { bad.focus(); return; }
    const body = { score: Number(checked.value) };
    if (text) body.comment = text;
    submit.disabled = true;
    setText(submit, '正在提交…');
    try {
      await api('POST', `/api/v1/messages/${encodeURIComponent(m.tracking_code)}/rating`, body);
    } catch (e) {
      submit.disabled = false;
      setText(submit, '提交评价');
      if (e.status === 409) {
        // Rated meanwhile (another tab, another device), or not replied:
        // say so, and show whatever the message holds now.
        const fresh = await api('GET', `/api/v1/messages/${encodeURIComponent(m.tracking_code)}`).catch(() => null);
        if (fresh && fresh.rating) {
          render(fresh, { kind: 'error', text: '该留言已经评价过，每条留言只能评价一次。以下是已提交的评价。' });
          document.getElementById('rating').focus();
          return;
        }
        showFormError(form, Object.assign(e, { field: null, message: '部门答复后才能评价。' }));
        return;
      }
      showFormError(form, e);
      return;
    }
    const thanks = { kind: 'ok', text: '感谢您的评价！评价已计入该部门的满意率。' };
    try {
      await reload(m.tracking_code, thanks);
    } catch (e) {
      // Saved, but the page could not be refreshed: say it was saved.
      form.replaceWith(el('p', { class: 'notice notice-ok', role: 'status' }, thanks.text));
    }
  });
  return form;
}

function ratingSection(m, flash) {
  const box = el('section', { class: 'panel rating-panel', id: 'rating', 'aria-labelledby': 'rate-title', tabindex: '-1' },
    el('h2', { id: 'rate-title' }, m.rating ? '我的评价' : '评价答复'));
  const msg = el('div', { id: 'rating-notice', hidden: true });
  box.append(msg);
  if (flash) notice(msg, flash.kind, flash.text);
  if (m.rating) {
    box.append(ratingView(m.rating));
  } else {
    box.append(el('p', { class: 'muted lead-note' }, '您对承办部门的答复满意吗？评价将计入该部门的满意率并公开统计，每条留言只能评价一次。'),
      ratingForm(m));
  }
  return box;
}

// A rejected message: not published, and why, in the moderator's words (the
// server sends only the decision, the reason and the time).
function rejectedNote(why) {
  const box = el('div', { class: 'closed-note', id: 'm-moderation' },
    el('p', null, '您的留言未通过审核，没有公开，也不予受理。'));
  const reason = why && why.reason ? why.reason : (why && why.decision === 'spam' ? '经审核判定为广告或垃圾信息。' : '');
  if (reason) box.append(el('p', { id: 'm-rejection-reason' }, el('strong', null, '原因：'), reason));
  if (why && why.at) box.append(el('p', { class: 'muted' }, `审核时间：${fmtTime(why.at)}`));
  box.append(el('p', null, '如有疑问，可修改后重新提交符合要求的留言。'));
  return box;
}

function render(m, flash) {
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
  // Held or rejected messages are not being handled: no deadline runs.
  if (m.moderation !== 'held' && m.moderation !== 'rejected') fact(dl, '答复期限', dueLine(m));

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
      el('div', { class: 'doc-body' }, paragraphs(r.body)),
      r.edited_at ? el('p', { class: 'muted edited' }, `已修改（${fmtTime(r.edited_at)}）`) : null));
  }
  if (m.resolution) {
    replyBox.append(el('p', { class: m.state === 'declined' ? 'closed-note' : 'notice notice-ok', id: 'm-resolution' },
      m.state === 'declined' ? '不予受理：' : '办结说明：', m.resolution));
  }
  if (m.followup) {
    replyBox.append(el('div', { class: 'reply followup', id: 'm-followup' },
      el('div', { class: 'reply-head' }, el('strong', null, '您的追问'), el('span', null, fmtTime(m.followup.created_at))),
      el('div', { class: 'doc-body' }, paragraphs(m.followup.body))));
  } else if (m.state === 'replied') replyBox.append(followupForm(m));

  // Held for moderation: not handled yet, whatever the routing says;
  // rejected: closed without handling. Neither shows the progress steps.
  const held = m.moderation === 'held';
  const rejected = m.moderation === 'rejected';
  const status = held ? el('span', { class: 'badge mod-held' }, '审核中')
    : rejected ? el('span', { class: 'badge mod-rejected' }, '未通过审核') : badge(m.state);
  const modNote = held
    ? el('p', { class: 'closed-note', id: 'm-moderation' }, '您的留言正在审核中，尚未公开；审核通过后将转交承办部门办理。')
    : rejected ? rejectedNote(m.rejection) : null;
  const size = Number(m.group_size) || 0;
  const groupNote = size > 1 && !rejected
    ? el('p', { class: 'notice notice-info', id: 'm-group' },
      `包括您的这条留言在内，我们共收到 ${size} 条内容相似的留言，将合并办理、统一答复。`) : null;

  result.append(
    el('article', { class: 'panel', 'aria-labelledby': 'm-title' },
      el('header', { class: 'doc-head' },
        el('h2', { id: 'm-title' }, m.title),
        el('div', { class: 'meta' }, el('span', null, '当前状态：'), status)),
      modNote || (m.state === 'declined' ? null : steps(m.state)),
      groupNote,
      dl,
      el('h3', null, '留言内容'),
      el('div', { class: 'doc-body', id: 'm-body' }, paragraphs(m.body))),
    replyBox);
  if ((replies.length || m.rating) && !held && !rejected) result.append(ratingSection(m, flash));

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

// One follow-up question (追问) on the answer: the message goes back to the department.
function followupForm(m) {
  const body = el('textarea', { id: 'f-followup', name: 'body', rows: '3' });
  const err = el('p', { class: 'field-error', hidden: '' });
  const btn = el('button', { class: 'btn', type: 'submit', id: 'followup-submit' }, '提交追问');
  const form = el('form', { id: 'followup-form', novalidate: '' },
    el('label', { for: 'f-followup' }, '对答复还有疑问？可追问一次，留言将退回承办部门重新办理：'), body, err, btn);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    if (!body.value.trim()) { setText(err, '请填写追问内容'); err.hidden = false; body.focus(); return; }
    btn.disabled = true;
    try {
      await api('POST', `/api/v1/messages/${encodeURIComponent(m.tracking_code)}/followup`, { body: body.value.trim() });
      await reload(m.tracking_code);
    } catch (e) {
      setText(err, e.status === 409 ? '已追问过，或留言暂不能追问。' : errorText(e));
      err.hidden = false;
    } finally { btn.disabled = false; }
  });
  return form;
}

async function reload(code, flash) {
  render(await api('GET', `/api/v1/messages/${encodeURIComponent(code)}`), flash);
  const box = document.getElementById('rating');
  if (box) box.focus();
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
