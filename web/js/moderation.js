// Moderation page (moderators and admins): the queue of messages held back
// (sensitive words highlighted, spam score, reasons) with the decisions
// approve / reject (with a reason) / spam, and the sensitive-word list
// (admins add and delete words; moderators read it). Contract: docs/api.md.
import { t } from './i18n.js';
import {
  api, el, clear, setText, notice, errorText, requireOfficial, footer, fmtTime, charCount,
  highlighted, highlightedParagraphs, spansOf, spamText, attachCounter,
  showFormError, fieldError, clearFormErrors, clearErrorsOnInput, typeLabel,
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

const DECISION_DONE = { approve: t('moderation.approved'), reject: t('moderation.rejected'), spam: t('moderation.marked_as_spam') };

function words(hr) {
  const seen = new Set();
  for (const s of (hr && Array.isArray(hr.sensitive) ? hr.sensitive : [])) if (s && s.word) seen.add(String(s.word));
  return [...seen];
}

function item(m) {
  const hr = m.hold_reason;
  const found = words(hr);
  const reasons = el('ul', { class: 'reason-list' });
  if (found.length) reasons.append(el('li', { class: 'reason-words' }, t('common.sensitive_words'), found.map((w) => el('mark', { class: 'hit' }, w))));
  if (hr && hr.spam) reasons.append(el('li', { class: 'reason-spam' }, spamText(hr.spam, m.spam_score)));
  if (!reasons.childNodes.length) reasons.append(el('li', null, t('moderation.other_reason')));
  const score = Number(m.spam_score) || 0;

  const rejectForm = el('form', { class: 'reject-form sub-form', novalidate: true, hidden: true },
    el('div', { class: 'form-error', hidden: true }),
    el('div', { class: 'field' },
      el('label', { for: `reason-${m.id}` }, t('moderation.reason_for_rejecting'), el('span', { class: 'req', 'aria-hidden': 'true' }, '*')),
      el('textarea', { id: `reason-${m.id}`, name: 'reason', rows: 3, required: true, 'aria-describedby': `cnt-reason-${m.id}` }),
      el('div', { class: 'field-meta' },
        el('span', { class: 'hint' }, t('moderation.the_reason_goes_into_the')),
        el('span', { class: 'counter', id: `cnt-reason-${m.id}` })),
      el('p', { class: 'field-error', id: `err-reason-${m.id}`, 'data-error-for': 'reason', hidden: true })),
    el('div', { class: 'actions' },
      el('button', { class: 'btn btn-danger', type: 'submit' }, t('moderation.reject')),
      el('button', { class: 'btn btn-ghost', type: 'button', 'data-cancel': '' }, t('moderation.cancel'))));
  const actionErr = el('div', { class: 'form-error', hidden: true });
  const buttons = el('div', { class: 'actions mod-actions' },
    el('button', { class: 'btn btn-primary', type: 'button', 'data-decision': 'approve' }, t('moderation.approve')),
    el('button', { class: 'btn', type: 'button', 'data-decision': 'reject' }, t('moderation.reject_2')),
    el('button', { class: 'btn btn-danger', type: 'button', 'data-decision': 'spam' }, t('moderation.mark_as_spam')));

  const li = el('li', { class: 'mod-item', 'data-id': String(m.id) },
    el('header', { class: 'doc-head' },
      el('h3', { class: 'mod-title' }, highlighted(m.title, spansOf(hr, 'title'))),
      el('div', { class: 'meta' },
        el('span', null, `#${m.id}`),
        el('span', null, t('common.tracking_code_3', m.tracking_code || '')),
        m.type ? el('span', { class: 'badge kind' }, typeLabel(m.type)) : null,
        el('span', null, fmtTime(m.created_at)),
        m.author_ip ? el('span', null, `IP ${m.author_ip}`) : null)),
    el('div', { class: 'mod-reasons' },
      reasons,
      el('p', { class: 'spam-score' }, t('moderation.spam_score'),
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
      notice(qStatus, 'ok', t('moderation.action_on_item', DECISION_DONE[decision], m.id, m.title));
      await loadQueue();
    } catch (e) {
      if (e.redirecting) return;
      if (e.status === 404) {
        notice(qStatus, 'info', t('moderation.has_already_been_moderated_by', m.id));
        await loadQueue();
        return;
      }
      if (e.field === 'reason') showFormError(rejectForm, Object.assign(e, { local: true, message: t('moderation.please_give_a_reason_for') }));
      else notice(actionErr, 'error', t('moderation.failed', errorText(e)));
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
    if (!reason) { fieldError(rejectForm, 'reason', t('moderation.rejecting_needs_a_reason')); rejectForm.elements.reason.focus(); return; }
    if (charCount(reason) > REASON_MAX) { fieldError(rejectForm, 'reason', t('common.the_reason_can_have_at', REASON_MAX)); return; }
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
    if (!msgs.length) queue.append(el('p', { class: 'empty', id: 'q-empty' }, t('moderation.no_message_to_moderate')));
    else queue.append(el('ol', { class: 'mod-list', id: 'mod-list' }, msgs.map(item)));
    setText(document.getElementById('q-summary'), msgs.length ? t('moderation.to_moderate_showing', total, offset + 1, offset + msgs.length) : '');
    pager.hidden = total <= PAGE;
    document.getElementById('q-prev').disabled = offset <= 0;
    document.getElementById('q-next').disabled = offset + msgs.length >= total;
    setText(document.getElementById('q-page-info'), t('common.page_of', Math.floor(offset / PAGE) + 1, Math.max(1, Math.ceil(total / PAGE))));
  } catch (e) {
    if (e.redirecting) return;
    clear(queue);
    notice(noticeBox, 'error', t('moderation.could_not_load_the_messages', errorText(e)));
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
    if (!list.length) ul.append(el('li', { class: 'muted' }, t('moderation.no_sensitive_words_set')));
    for (const w of list) {
      const del = isAdmin ? el('button', { class: 'btn btn-ghost btn-sm', type: 'button', 'aria-label': t('moderation.remove_sensitive_word', w.word) }, t('moderation.remove')) : null;
      if (del) {
        del.addEventListener('click', async () => {
          del.disabled = true;
          try {
            await api('DELETE', `/api/v1/sensitive-words/${encodeURIComponent(w.id)}`);
            await loadWords();
            const ok = wForm.querySelector('.form-ok');
            setText(ok, t('moderation.removed', w.word));
            ok.hidden = false;
          } catch (e) {
            if (e.redirecting) return;
            del.disabled = false;
            notice(noticeBox, 'error', t('moderation.could_not_remove', errorText(e)));
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
    ul.append(el('li', { class: 'muted' }, t('common.could_not_load', errorText(e))));
  }
}

wForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(wForm);
  const ok = wForm.querySelector('.form-ok');
  ok.hidden = true;
  const word = wForm.elements.word.value.trim();
  if (!word) { fieldError(wForm, 'word', t('moderation.please_enter_a_sensitive_word')); wForm.elements.word.focus(); return; }
  if (charCount(word) > WORD_MAX) { fieldError(wForm, 'word', t('moderation.a_sensitive_word_can_have', WORD_MAX)); return; }
  const btn = document.getElementById('w-submit');
  btn.disabled = true;
  try {
    await api('POST', '/api/v1/sensitive-words', { word });
    wForm.reset();
    updateWordCounter();
    await loadWords();
    setText(ok, t('moderation.added', word));
    ok.hidden = false;
  } catch (e) {
    if (e.redirecting) return;
    if (e.status === 409) { e.message = t('moderation.that_word_is_already_listed'); e.field = 'word'; }
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
  if (!data.comments.length) ul.append(el('li', { class: 'muted' }, t('moderation.no_comment_to_moderate')));
  for (const c of data.comments) {
    const decide = async (decision, reason) => {
      try {
        await api('POST', `/api/v1/comments/${c.id}/moderation`, reason ? { decision, reason } : { decision });
        await loadHeldComments();
      } catch (e) { notice(noticeBox, 'error', t('moderation.could_not_do_it', errorText(e))); }
    };
    const ok = el('button', { type: 'button', class: 'btn btn-sm', 'data-approve': c.id }, t('moderation.approve'));
    ok.addEventListener('click', () => decide('approve'));
    const no = el('button', { type: 'button', class: 'btn btn-ghost btn-sm' }, t('moderation.reject_3'));
    no.addEventListener('click', () => decide('reject', t('moderation.does_not_meet_the_rules')));
    ul.append(el('li', { class: 'held-comment' },
      el('div', { class: 'muted' }, t('moderation.post', c.id, c.post_title, fmtTime(c.created_at))),
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
    notice(noticeBox, 'error', e.status === 403 ? t('moderation.only_moderators_and_administrators_can') : t('common.could_not_load', errorText(e)));
  });
