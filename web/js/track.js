// Tracking page: a citizen looks up a message by its tracking code and sees
// its state, the department handling it, the reply deadline (due_at) and
// whether it was kept, the (masked) message and the replies; a message held
// for moderation shows 审核中, one with near-identical others says they are
// handled together. Once replied, the citizen rates the reply once (1-5
// stars, optional comment: POST /api/v1/messages/{code}/rating); the rating
// is shown from then on.
import { t } from './i18n.js';
import {
  api, el, clear, notice, errorText, renderHeader, footer, param, paragraphs, badge,
  STATES, STATE_LABEL, fmtTime, setText, attachCounter, charCount, fieldError, clearFormErrors,
  clearErrorsOnInput, showFormError, typeLabel,
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
  const ol = el('ol', { class: 'steps', 'aria-label': t('track.progress') });
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
const SCORE_LABEL = { 1: t('track.very_dissatisfied'), 2: t('track.dissatisfied'), 3: t('track.neutral'), 4: t('track.satisfied'), 5: t('track.very_satisfied') };
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
    status = el('span', { class: `badge ${ok ? 'on-time' : 'overdue'}`, id: 'm-due-status' }, ok ? t('track.answered_on_time') : t('track.answered_late'));
  } else if (Date.now() > due.getTime()) {
    status = el('span', { class: 'badge overdue', id: 'm-due-status' }, t('common.overdue'));
  } else {
    const left = Math.max(1, Math.ceil((due.getTime() - Date.now()) / DAY));
    status = el('span', { class: 'badge pending', id: 'm-due-status' }, t('track.not_overdue_days_left', left));
  }
  return el('span', { class: 'due-line', id: 'm-due' }, el('span', null, fmtTime(m.due_at)), status);
}

function starsShown(score) {
  const n = Math.max(0, Math.min(5, Number(score) || 0));
  return el('span', { class: 'stars-shown', role: 'img', 'aria-label': t('track.stars', n, SCORE_LABEL[n] || '') },
    '★'.repeat(n), el('span', { class: 'off' }, '★'.repeat(5 - n)));
}

function ratingView(r) {
  const n = Number(r.score) || 0;
  return el('div', { id: 'rating-view' },
    el('div', { class: 'rating-shown' },
      starsShown(n),
      el('strong', { id: 'rating-score' }, t('track.stars_2', n, SCORE_LABEL[n] || '')),
      r.created_at ? el('span', { class: 'muted' }, t('track.rated', fmtTime(r.created_at))) : null),
    r.comment ? el('div', { class: 'rating-comment', id: 'rating-comment' }, paragraphs(r.comment)) : null);
}

// The 1-5 star radio group: real radio buttons (arrow keys, screen readers
// read "n 星：label"), drawn as stars lit up to the chosen (or hovered) one.
function starInputs() {
  const row = el('div', { class: 'star-row', id: 'rate-stars' });
  const caption = el('p', { class: 'star-caption', id: 'rate-caption', 'aria-live': 'polite' }, t('track.choose_1_to_5_stars'));
  const stars = [];
  for (let n = 1; n <= 5; n++) {
    const input = el('input', { type: 'radio', name: 'score', value: n, id: `rate-score-${n}`, 'aria-describedby': 'err-rate-score' });
    const label = el('label', { class: 'star', for: `rate-score-${n}`, 'data-score': n },
      input,
      el('span', { class: 'glyph', 'aria-hidden': 'true' }, '★'),
      el('span', { class: 'visually-hidden' }, t('track.stars_3', n, SCORE_LABEL[n])));
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
    setText(caption, v ? t('track.stars_3', v, SCORE_LABEL[v]) : t('track.choose_1_to_5_stars'));
  });
  return { row, caption };
}

function ratingForm(m) {
  const { row, caption } = starInputs();
  const comment = el('textarea', { id: 'rate-comment', name: 'comment', rows: 3, 'aria-describedby': 'rate-counter err-rate-comment' });
  const counter = el('span', { class: 'counter', id: 'rate-counter' });
  const submit = el('button', { class: 'btn btn-primary', type: 'submit', id: 'rate-submit' }, t('track.submit_rating'));
  const form = el('form', { id: 'rate-form', novalidate: true },
    el('fieldset', { class: 'field' },
      el('legend', null, t('track.satisfaction'), el('span', { class: 'req', 'aria-hidden': 'true' }, '*')),
      row, caption,
      el('p', { class: 'field-error', id: 'err-rate-score', 'data-error-for': 'score', hidden: true })),
    el('div', { class: 'field' },
      el('label', { for: 'rate-comment' }, t('track.comment'), el('span', { class: 'optional' }, t('track.optional_at_most_characters', COMMENT_MAX))),
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
      fieldError(form, 'score', t('track.please_choose_a_rating_1'));
      form.querySelector('.star-row').classList.add('invalid');
      bad = form.querySelector('input[name="score"]');
    }
    if (charCount(text) > COMMENT_MAX) {
      fieldError(form, 'comment', t('track.the_comment_can_have_at', COMMENT_MAX, charCount(text)));
      bad = bad || comment;
    }
    if (bad) { bad.focus(); return; }
    const body = { score: Number(checked.value) };
    if (text) body.comment = text;
    submit.disabled = true;
    setText(submit, t('common.submitting'));
    try {
      await api('POST', `/api/v1/messages/${encodeURIComponent(m.tracking_code)}/rating`, body);
    } catch (e) {
      submit.disabled = false;
      setText(submit, t('track.submit_rating'));
      if (e.status === 409) {
        // Rated meanwhile (another tab, another device), or not replied:
        // say so, and show whatever the message holds now.
        const fresh = await api('GET', `/api/v1/messages/${encodeURIComponent(m.tracking_code)}`).catch(() => null);
        if (fresh && fresh.rating) {
          render(fresh, { kind: 'error', text: t('track.this_message_has_been_rated') });
          document.getElementById('rating').focus();
          return;
        }
        showFormError(form, Object.assign(e, { field: null, local: true, message: t('track.you_can_rate_once_the') }));
        return;
      }
      showFormError(form, e);
      return;
    }
    const thanks = { kind: 'ok', text: t('track.thank_you_your_rating_counts') };
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
    el('h2', { id: 'rate-title' }, m.rating ? t('track.my_rating') : t('track.rate_the_reply')));
  const msg = el('div', { id: 'rating-notice', hidden: true });
  box.append(msg);
  if (flash) notice(msg, flash.kind, flash.text);
  if (m.rating) {
    box.append(ratingView(m.rating));
  } else {
    box.append(el('p', { class: 'muted lead-note' }, t('track.are_you_satisfied_with_the')),
      ratingForm(m));
  }
  return box;
}

// A rejected message: not published, and why, in the moderator's words (the
// server sends only the decision, the reason and the time).
function rejectedNote(why) {
  const box = el('div', { class: 'closed-note', id: 'm-moderation' },
    el('p', null, t('track.your_message_was_rejected_by')));
  const reason = why && why.reason ? why.reason : (why && why.decision === 'spam' ? t('track.it_was_judged_to_be') : '');
  if (reason) box.append(el('p', { id: 'm-rejection-reason' }, el('strong', null, t('track.reason')), reason));
  if (why && why.at) box.append(el('p', { class: 'muted' }, t('track.moderated', fmtTime(why.at))));
  box.append(el('p', null, t('track.if_in_doubt_you_can')));
  return box;
}

function render(m, flash) {
  clear(result);
  const dl = el('dl', { class: 'facts' });
  fact(dl, t('common.tracking_code_2'), m.tracking_code);
  const consultation = el('span', null, `#${m.consultation_id}`);
  if (m.consultation_id) fact(dl, t('track.section'), consultation);
  fact(dl, t('common.type_of_message'), typeLabel(m.type));
  if (m.moderation !== 'held' && m.moderation !== 'rejected') fact(dl, t('common.department_in_charge'), m.department || t('common.to_be_routed'));
  fact(dl, t('common.area'), m.region);
  fact(dl, t('common.phone'), m.phone ? el('span', null, m.phone, el('span', { class: 'muted' }, t('track.partly_hidden'))) : null);
  fact(dl, t('common.received_2'), fmtTime(m.created_at));
  // Held or rejected messages are not being handled: no deadline runs.
  if (m.moderation !== 'held' && m.moderation !== 'rejected') fact(dl, t('track.reply_due'), dueLine(m));

  const replies = m.replies || [];
  const replyBox = el('section', { class: 'panel', 'aria-labelledby': 'r-title' },
    el('h2', { id: 'r-title' }, t('common.department_s_reply')));
  if (!replies.length) {
    replyBox.append(el('p', { class: 'empty' }, m.moderation === 'held' ? t('track.once_approved_and_handled_the')
      : m.moderation === 'rejected' ? t('track.rejected_messages_get_no_reply') : t('track.the_department_is_working_on')));
  }
  for (const r of replies) {
    replyBox.append(el('div', { class: 'reply' },
      el('div', { class: 'reply-head' },
        el('strong', null, r.department || t('common.department_in_charge')),
        el('span', null, t('track.replied', fmtTime(r.created_at)))),
      el('div', { class: 'doc-body' }, paragraphs(r.body)),
      r.edited_at ? el('p', { class: 'muted edited' }, t('track.edited', fmtTime(r.edited_at))) : null));
  }
  if (m.resolution) {
    replyBox.append(el('p', { class: m.state === 'declined' ? 'closed-note' : 'notice notice-ok', id: 'm-resolution' },
      m.state === 'declined' ? t('track.declined') : t('track.closing_note'), m.resolution));
  }
  if (m.followup) {
    replyBox.append(el('div', { class: 'reply followup', id: 'm-followup' },
      el('div', { class: 'reply-head' }, el('strong', null, t('track.your_follow_up_question')), el('span', null, fmtTime(m.followup.created_at))),
      el('div', { class: 'doc-body' }, paragraphs(m.followup.body))));
  } else if (m.state === 'replied') replyBox.append(followupForm(m));

  // Held for moderation: not handled yet, whatever the routing says;
  // rejected: closed without handling. Neither shows the progress steps.
  const held = m.moderation === 'held';
  const rejected = m.moderation === 'rejected';
  const status = held ? el('span', { class: 'badge mod-held' }, t('track.being_moderated'))
    : rejected ? el('span', { class: 'badge mod-rejected' }, t('common.rejected')) : badge(m.state);
  const modNote = held
    ? el('p', { class: 'closed-note', id: 'm-moderation' }, t('track.your_message_is_being_moderated'))
    : rejected ? rejectedNote(m.rejection) : null;
  const size = Number(m.group_size) || 0;
  const groupNote = size > 1 && !rejected
    ? el('p', { class: 'notice notice-info', id: 'm-group' },
      t('track.counting_yours_we_received_similar', size)) : null;

  result.append(
    el('article', { class: 'panel', 'aria-labelledby': 'm-title' },
      el('header', { class: 'doc-head' },
        el('h2', { id: 'm-title' }, m.title),
        el('div', { class: 'meta' }, el('span', null, t('track.state')), status)),
      modNote || (m.state === 'declined' ? null : steps(m.state)),
      groupNote,
      dl,
      el('h3', null, t('common.message')),
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
  const btn = el('button', { class: 'btn', type: 'submit', id: 'followup-submit' }, t('track.ask_a_follow_up_question'));
  const form = el('form', { id: 'followup-form', novalidate: '' },
    el('label', { for: 'f-followup' }, t('track.still_have_a_question_about')), body, err, btn);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    if (!body.value.trim()) { setText(err, t('track.please_write_your_follow_up')); err.hidden = false; body.focus(); return; }
    btn.disabled = true;
    try {
      await api('POST', `/api/v1/messages/${encodeURIComponent(m.tracking_code)}/followup`, { body: body.value.trim() });
      await reload(m.tracking_code);
    } catch (e) {
      setText(err, e.status === 409 ? t('track.you_have_asked_already_or') : errorText(e));
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
      ? t('track.no_message_has_this_tracking')
      : t('track.lookup_failed', errorText(e)));
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
