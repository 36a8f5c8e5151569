// Moderation page (moderators and admins): the queue of messages held back
// (sensitive words highlighted, spam score, reasons) with the decisions
// approve / reject (with a reason) / spam, and the sensitive-word list
// (admins add and delete words; moderators read it). Contract: docs/api.md.
import {
  api, el, clear, setText, notice, errorText, requireOfficial, footer, fmtTime, charCount,
  highlighted, highlightedParagraphs, spansOf, spamText, attachCounter,
  showFormError, fieldError, clearFormErrors, clearErrorsOnInput,
} from './common.js';

footer();

const PAGE = 20;
const REASON_MAX = 500;
const WORD_MAX = 100;
const noticeBox = document.getElementById('notice');
const queue = document.getElementById('queue');
const qStatus = document.getElementById('q-status');
const pager = document.getElementById('q-pager');
const wForm = document.getElementById('w-form');
let offset = 0;
let isAdmin = false;

const DECISION_DONE = { approve: '已通过', reject: '已驳回', spam: '已标记为垃圾信息' };

function words(hr) {
  const seen = new Set();
  for (const s of (hr && Array.isArray(hr.sensitive) ? hr.sensitive : [])) if (s && s.word) seen.add(String(s.word));
  return [...seen];
}

function item(m) {
  const hr = m.hold_reason;
  const found = words(hr);
  const reasons = el('ul', { class: 'reason-list' });
  if (found.length) reasons.append(el('li', { class: 'reason-words' }, '含敏感词：', found.map((w) => el('mark', { class: 'hit' }, w))));
  if (hr && hr.spam) reasons.append(el('li', { class: 'reason-spam' }, spamText(hr.spam, m.spam_score)));
  if (!reasons.childNodes.length) reasons.append(el('li', null, '其他原因'));
  const score = Number(m.spam_score) || 0;

  const rejectForm = el('form', { class: 'reject-form sub-form', novalidate: true, hidden: true },
    el('div', { class: 'form-error', hidden: true }),
    el('div', { class: 'field' },
      el('label', { for: `reason-${m.id}` }, '驳回理由 ', el('span', { class: 'req', 'aria-hidden': 'true' }, '*')),
      el('textarea', { id: `reason-${m.id}`, name: 'reason', rows: 3, required: true, 'aria-describedby': `cnt-reason-${m.id}` }),
      el('div', { class: 'field-meta' },
        el('span', { class: 'hint' }, '理由记入办理记录，不向留言人公开'),
        el('span', { class: 'counter', id: `cnt-reason-${m.id}` })),
      el('p', { class: 'field-error', id: `err-reason-${m.id}`, 'data-error-for': 'reason', hidden: true })),
    el('div', { class: 'actions' },
      el('button', { class: 'btn btn-danger', type: 'submit' }, '确认驳回'),
      el('button', { class: 'btn btn-ghost', type: 'button', 'data-cancel': '' }, '取消')));
  const actionErr = el('div', { class: 'form-error', hidden: true });
  const buttons = el('div', { class: 'actions mod-actions' },
    el('button', { class: 'btn btn-primary', type: 'button', 'data-decision': 'approve' }, '通过'),
    el('button', { class: 'btn', type: 'button', 'data-decision': 'reject' }, '驳回'),
    el('button', { class: 'btn btn-danger', type: 'button', 'data-decision': 'spam' }, '标记为垃圾'));

  const li = el('li', { class: 'mod-item', 'data-id': String(m.id) },
    el('header', { class: 'doc-head' },
      el('h3', { class: 'mod-title' }, highlighted(m.title, spansOf(hr, 'title'))),
      el('div', { class: 'meta' },
        el('span', null, `#${m.id}`),
        el('span', null, `查询码 ${m.tracking_code || ''}`),
        m.type ? el('span', { class: 'badge kind' }, m.type) : null,
        el('span', null, fmtTime(m.created_at)),
        m.author_ip ? el('span', null, `IP ${m.author_ip}`) : null)),
    el('div', { class: 'mod-reasons' },
      reasons,
      el('p', { class: 'spam-score' }, '垃圾信息评分：',
        el('meter', { min: 0, max: 1, low: 0.5, high: 0.8, optimum: 0, value: score, 'aria-hidden': 'true' }),
        el('span', { class: 'score' }, score.toFixed(2)))),
    el('div', { class: 'doc-body mod-body' }, highlightedParagraphs(m.body, spansOf(hr, 'body'))),
    actionErr,
    buttons,
    rejectForm);

  const decide = async (decision, reason, btn) => {
    const all = li.querySelectorAll('button');
    for (const b of all) b.disabled = true;
    notice(actionErr, 'error', '');
    try {
      const body = { decision };
      if (reason) body.reason = reason;
      await api('POST', `/api/v1/messages/${m.id}/moderation`, body);
      notice(qStatus, 'ok', `${DECISION_DONE[decision]}：#${m.id}「${m.title}」`);
      await loadQueue();
    } catch (e) {
      if (e.redirecting) return;
      if (e.status === 404) {
        notice(qStatus, 'info', `#${m.id} 已由其他人审核。`);
        await loadQueue();
        return;
      }
      if (e.field === 'reason') showFormError(rejectForm, Object.assign(e, { message: '请填写驳回理由' }));
      else notice(actionErr, 'error', `操作失败：${errorText(e)}`);
    } finally {
      for (const b of all) b.disabled = false;
      if (btn) btn.blur();
    }
  };

  buttons.addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-decision]');
    if (!b) return;
    const d = b.getAttribute('data-decision');
    if (d === 'reject') {
      rejectForm.hidden = false;
      rejectForm.elements.reason.focus();
      return;
    }
    decide(d, '', b);
  });
  rejectForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearFormErrors(rejectForm);
    const reason = rejectForm.elements.reason.value.trim();
    if (!reason) { fieldError(rejectForm, 'reason', '驳回需要填写理由'); rejectForm.elements.reason.focus(); return; }
    if (charCount(reason) > REASON_MAX) { fieldError(rejectForm, 'reason', `理由不能超过 ${REASON_MAX} 个字`); return; }
    decide('reject', reason, null);
  });
  rejectForm.querySelector('[data-cancel]').addEventListener('click', () => {
    clearFormErrors(rejectForm);
    rejectForm.reset();
    rejectForm.hidden = true;
  });
  attachCounter(rejectForm.elements.reason, rejectForm.querySelector(`#cnt-reason-${m.id}`), REASON_MAX);
  clearErrorsOnInput(rejectForm);
  return li;
}

async function loadQueue() {
  queue.setAttribute('aria-busy', 'true');
  try {
    let data = await api('GET', `/api/v1/moderation?limit=${PAGE}&offset=${offset}`);
    // The last item of the last page was decided: step back a page.
    if (offset > 0 && !(data.messages || []).length && Number(data.total) > 0) {
      offset = Math.max(0, Math.floor((Number(data.total) - 1) / PAGE) * PAGE);
      data = await api('GET', `/api/v1/moderation?limit=${PAGE}&offset=${offset}`);
    }
    const msgs = data.messages || [];
    const total = Number(data.total) || 0;
    clear(queue);
    if (!msgs.length) queue.append(el('p', { class: 'empty', id: 'q-empty' }, '没有待审核的留言。'));
    else queue.append(el('ol', { class: 'mod-list', id: 'mod-list' }, msgs.map(item)));
    setText(document.getElementById('q-summary'), msgs.length ? `共 ${total} 条待审核，显示第 ${offset + 1}–${offset + msgs.length} 条` : '');
    pager.hidden = total <= PAGE;
    document.getElementById('q-prev').disabled = offset <= 0;
    document.getElementById('q-next').disabled = offset + msgs.length >= total;
    setText(document.getElementById('q-page-info'), `第 ${Math.floor(offset / PAGE) + 1} / ${Math.max(1, Math.ceil(total / PAGE))} 页`);
  } catch (e) {
    if (e.redirecting) return;
    clear(queue);
    notice(noticeBox, 'error', `待审核留言加载失败：${errorText(e)}`);
  } finally {
    queue.setAttribute('aria-busy', 'false');
  }
}

async function loadWords() {
  const ul = document.getElementById('w-list');
  try {
    const data = await api('GET', '/api/v1/sensitive-words');
    const list = data.words || [];
    clear(ul);
    if (!list.length) ul.append(el('li', { class: 'muted' }, '尚未设置敏感词。'));
    for (const w of list) {
      const del = isAdmin ? el('button', { class: 'btn btn-ghost btn-sm', type: 'button', 'aria-label': `删除敏感词「${w.word}」` }, '删除') : null;
      if (del) {
        del.addEventListener('click', async () => {
          del.disabled = true;
          try {
            await api('DELETE', `/api/v1/sensitive-words/${encodeURIComponent(w.id)}`);
            await loadWords();
            const ok = wForm.querySelector('.form-ok');
            setText(ok, `已删除「${w.word}」`);
            ok.hidden = false;
          } catch (e) {
            if (e.redirecting) return;
            del.disabled = false;
            notice(noticeBox, 'error', `删除失败：${errorText(e)}`);
          }
        });
      }
      ul.append(el('li', { 'data-id': String(w.id) },
        el('span', { class: 'word' }, w.word),
        el('span', { class: 'muted' }, fmtTime(w.created_at)),
        del));
    }
  } catch (e) {
    if (e.redirecting) return;
    clear(ul);
    ul.append(el('li', { class: 'muted' }, `加载失败：${errorText(e)}`));
  }
}

wForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(wForm);
  const ok = wForm.querySelector('.form-ok');
  ok.hidden = true;
  const word = wForm.elements.word.value.trim();
  if (!word) { fieldError(wForm, 'word', '请填写敏感词'); wForm.elements.word.focus(); return; }
  if (charCount(word) > WORD_MAX) { fieldError(wForm, 'word', `敏感词不能超过 ${WORD_MAX} 个字`); return; }
  const btn = document.getElementById('w-submit');
  btn.disabled = true;
  try {
    await api('POST', '/api/v1/sensitive-words', { word });
    wForm.reset();
    updateWordCounter();
    await loadWords();
    setText(ok, `已添加「${word}」`);
    ok.hidden = false;
  } catch (e) {
    if (e.redirecting) return;
    if (e.status === 409) { e.message = '该词已在列表中'; e.field = 'word'; }
    showFormError(wForm, e);
  } finally {
    btn.disabled = false;
  }
});

document.getElementById('q-refresh').addEventListener('click', () => { notice(qStatus, 'ok', ''); loadQueue(); });
document.getElementById('q-prev').addEventListener('click', () => { offset = Math.max(0, offset - PAGE); loadQueue(); });
document.getElementById('q-next').addEventListener('click', () => { offset += PAGE; loadQueue(); });
const updateWordCounter = attachCounter(wForm.elements.word, document.getElementById('cnt-word'), WORD_MAX);
clearErrorsOnInput(wForm);

// Held comments on leaders' posts: approve (shown at once to everyone
// watching the post) or reject with a reason.
async function loadHeldComments() {
  const ul = document.getElementById('hc-list');
  const data = await api('GET', '/api/v1/comments/held');
  clear(ul);
  if (!data.comments.length) ul.append(el('li', { class: 'muted' }, '没有待审核的评论。'));
  for (const c of data.comments) {
    const decide = async (decision, reason) => {
      try {
        await api('POST', `/api/v1/comments/${c.id}/moderation`, reason ? { decision, reason } : { decision });
        await loadHeldComments();
      } catch (e) { notice(noticeBox, 'error', `未能处理：${errorText(e)}`); }
    };
    const ok = el('button', { type: 'button', class: 'btn btn-sm', 'data-approve': c.id }, '通过');
    ok.addEventListener('click', () => decide('approve'));
    const no = el('button', { type: 'button', class: 'btn btn-ghost btn-sm' }, '不予通过');
    no.addEventListener('click', () => decide('reject', '不符合评论要求'));
    ul.append(el('li', { class: 'held-comment' },
      el('div', { class: 'muted' }, `#${c.id} · 帖子「${c.post_title}」 · ${fmtTime(c.created_at)}`),
      el('p', { class: 'wrap-anywhere' }, highlighted(c.body, spansOf(c.hold_reason, 'body'))),
      el('div', { class: 'actions' }, ok, ' ', no)));
  }
}

requireOfficial(['moderator', 'admin'])
  .then(async (me) => {
    isAdmin = me.role === 'admin';
    wForm.hidden = !isAdmin;
    document.getElementById('w-readonly').hidden = isAdmin;
    document.getElementById('moderation').hidden = false;
    await Promise.all([loadQueue(), loadWords(), loadHeldComments()]);
  })
  .catch((e) => {
    if (e.redirecting) return;
    notice(noticeBox, 'error', e.status === 403 ? '只有审核人员和管理员可以使用此页面。' : `加载失败：${errorText(e)}`);
  });
