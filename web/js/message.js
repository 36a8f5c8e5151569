// Official view of one message (unmasked, for its department or an admin):
// the analysis (label, confidence, near-duplicate group), the moderation
// state with the sensitive words highlighted, the replies, the public reply
// form, the transfer form and the audit trail.
import { t } from './i18n.js';
import {
  api, el, clear, setText, notice, errorText, requireOfficial, footer, param, badge, moderationBadge,
  fmtTime, fmtPercent, attachCounter, charCount, showFormError, fieldError, clearFormErrors, clearErrorsOnInput,
  highlighted, highlightedParagraphs, spansOf, spamText, typeLabel,
} from './common.js';
import { deadlineBadge, renderActions, replyExtras, describeLife, urgeBanner, setupDesk, desk } from './lifecycle.js';

footer();

const REPLY_MAX = 5000;
const REASON_MAX = 500;
const id = param('id');
const box = document.getElementById('message');
const noticeBox = document.getElementById('notice');
const form = document.getElementById('reply-form');
const tform = document.getElementById('transfer-form');
const repliesSection = document.getElementById('replies-section');
const replySection = document.getElementById('reply-section');
const transferSection = document.getElementById('transfer-section');
const holdSection = document.getElementById('hold-section');
const eventsSection = document.getElementById('events-section');
const actionsSection = document.getElementById('actions-section');

let me = null;
let departments = [];     // [{id, name}]
let current = null;       // the message as last loaded

function deptName(deptId) {
  const d = departments.find((x) => Number(x.id) === Number(deptId));
  return d ? d.name : `#${deptId}`;
}

function fact(dl, label, value) {
  if (value === undefined || value === null || value === '') return;
  dl.append(el('dt', null, label), el('dd', null, value));
}

function labelFact(m) {
  if (m.label) {
    return el('span', null,
      el('span', { class: 'label-tag', id: 'm-label' }, m.label),
      m.confidence !== null && m.confidence !== undefined
        ? el('span', { class: 'muted', id: 'm-confidence' }, t('message.confidence', fmtPercent(m.confidence))) : null);
  }
  return el('span', { class: 'muted', id: 'm-label-none' }, m.analyzed ? t('message.not_classified_no_model_enabled') : t('message.analysing'));
}

// Distinct sensitive words of a hold reason, in order of first appearance.
function heldWords(hr) {
  const seen = new Set();
  for (const s of (hr && Array.isArray(hr.sensitive) ? hr.sensitive : [])) if (s && s.word) seen.add(String(s.word));
  return [...seen];
}

function renderHold(m) {
  const host = document.getElementById('hold');
  clear(host);
  const words = heldWords(m.hold_reason);
  const held = m.moderation && m.moderation !== 'none';
  holdSection.hidden = !held && !words.length;
  if (holdSection.hidden) return;
  const what = {
    held: t('message.this_message_is_held_for'),
    approved: t('message.this_message_was_approved_and'),
    rejected: t('message.this_message_was_rejected_and'),
  }[m.moderation] || '';
  host.append(el('p', null, el('span', null, t('message.moderation')), moderationBadge(m.moderation || 'none')));
  if (what) host.append(el('p', { class: 'muted' }, what));
  const ul = el('ul', { class: 'reason-list', id: 'hold-reasons' });
  if (words.length) {
    ul.append(el('li', null, t('common.sensitive_words'), words.map((w) => el('mark', { class: 'hit' }, w))));
  }
  if (m.hold_reason && m.hold_reason.spam) {
    ul.append(el('li', null, spamText(m.hold_reason.spam, m.spam_score)));
  }
  if (ul.childNodes.length) host.append(ul);
  if (m.moderation === 'held' && me && (me.role === 'moderator' || me.role === 'admin')) {
    host.append(el('p', null, el('a', { href: '/moderation.html' }, t('message.go_to_moderation'))));
  }
}

function render(m) {
  current = m;
  clear(box);
  document.title = t('message.message_handling', m.title);
  const hr = m.hold_reason;
  const dl = el('dl', { class: 'facts' });
  fact(dl, t('common.no'), String(m.id));
  fact(dl, t('common.tracking_code_2'), m.tracking_code);
  fact(dl, t('common.type_of_message'), typeLabel(m.type));
  fact(dl, t('common.department_in_charge'), m.department || t('common.to_be_routed'));
  fact(dl, t('common.automatic_class'), labelFact(m));
  if (Number(m.group_size) > 1) {
    fact(dl, t('common.similar_messages'), el('a', { id: 'm-group', href: `/inbox.html?group=${encodeURIComponent(m.group_id)}` },
      t('common.this_message_and_similar_ones', Number(m.group_size) - 1)));
  }
  if (m.moderation && m.moderation !== 'none') fact(dl, t('message.moderation_2'), moderationBadge(m.moderation));
  if (Number(m.spam_score) > 0) fact(dl, t('message.spam_score'), Number(m.spam_score).toFixed(2));
  fact(dl, t('common.area'), m.region);
  fact(dl, t('common.phone'), m.phone);
  fact(dl, t('common.received_2'), fmtTime(m.created_at));
  if (m.due_at) fact(dl, t('common.deadline'), el('span', { id: 'm-due' }, fmtTime(m.due_at), ' ', deadlineBadge(m)));
  fact(dl, t('message.handler'), m.assignee);
  if (m.resolution) fact(dl, m.state === 'declined' ? t('message.reason_for_declining') : t('message.closing_note'), el('span', { id: 'm-resolution' }, m.resolution));
  if (m.followup) fact(dl, t('message.writer_s_follow_up_question'), el('span', { id: 'm-followup' }, m.followup.body));
  const urged = urgeBanner(m);
  if (urged) box.append(urged);
  box.append(
    el('header', { class: 'doc-head' },
      el('h1', { id: 'm-title' }, highlighted(m.title, spansOf(hr, 'title'))),
      el('div', { class: 'meta' }, el('span', null, t('message.state')), badge(m.state))),
    dl,
    el('h2', null, t('common.message')),
    el('div', { class: 'doc-body', id: 'm-body' }, highlightedParagraphs(m.body, spansOf(hr, 'body'))));
  renderHold(m);

  const list = document.getElementById('replies');
  clear(list);
  const replies = m.replies || [];
  if (!replies.length) list.append(el('p', { class: 'empty' }, t('common.not_answered_yet')));
  for (const r of replies) {
    list.append(el('div', { class: 'reply' },
      el('div', { class: 'reply-head' },
        el('strong', null, r.department || r.author || t('common.replied_2')),
        el('span', null, [r.author ? t('message.replied_by', r.author) : '', t('message.time', fmtTime(r.created_at))].join(''))),
      el('div', { class: 'doc-body' }, highlightedParagraphs(r.body, [])),
      el('div', { class: 'reply-extra', id: `reply-${r.id}` }, ...replyExtras(m, r, noticeBox, load))));
  }
  renderActions(m, actionsSection, noticeBox, load);
  desk(m);
  repliesSection.hidden = false;
  // can_reply is the server's answer for this user; older servers lack it.
  replySection.hidden = m.can_reply === false || !(m.actions || []).includes('reply');
  transferSection.hidden = m.can_reply !== true || !(m.actions || []).includes('transfer');
  // One answer for a campaign: offered when the message has near-duplicates.
  const wg = document.getElementById('whole-group-field');
  wg.hidden = !(Number(m.group_size) > 1);
  if (!wg.hidden) setText(document.getElementById('whole-group-label'), t('message.also_reply_to_the_similar', Number(m.group_size)));
  fillDepartments(m);

  const events = m.events || [];
  const evBox = document.getElementById('events');
  clear(evBox);
  eventsSection.hidden = !events.length;
  for (const e of events) {
    const [what, detail] = describe(e);
    evBox.append(el('li', { class: `ev-${e.kind}` },
      el('span', { class: 'when' }, fmtTime(e.at)),
      el('strong', { class: 'ev-kind' }, what),
      detail ? el('span', { class: 'ev-detail' }, detail) : null,
      el('span', { class: 'muted' }, e.actor || t('message.system'))));
  }
}

// An audit event as [what, detail] in plain Chinese. Details are built as
// strings and inserted as text: a reason is whatever the official typed.
function describe(e) {
  const life = describeLife(e);
  if (life) return life;
  const d = (e && typeof e.detail === 'object' && e.detail) || {};
  const has = (k) => Object.prototype.hasOwnProperty.call(d, k);
  switch (e.kind) {
    case 'created':
      return [t('message.message_submitted'), Number(d.department_id) > 0 ? t('message.routed_by_keywords_to', deptName(d.department_id)) : ''];
    case 'analyzed': {
      const parts = [];
      if (d.label) parts.push(t('message.classified_as_confidence', d.label, fmtPercent(d.confidence)));
      if (has('department_id')) {
        parts.push(Number(d.department_id) > 0 ? t('message.routed_to', deptName(d.department_id)) : t('message.sent_for_routing_by_hand'));
      }
      if (Number(d.group_id) > 0) parts.push(t('message.joined_group_of_similar_messages', d.group_id));
      return [t('message.automatic_analysis'), parts.join(t('message.comma'))];
    }
    case 'held': {
      const hold = d.hold && typeof d.hold === 'object' ? d.hold : {};
      const parts = [];
      const words = heldWords(hold);
      if (words.length) parts.push(t('message.sensitive_words_2', words.map((w) => t('message.quoted', w)).join('')));
      if (hold.spam) parts.push(spamText(hold.spam, d.spam_score));
      // Analysed again after an approval: the server logs "held" although
      // the message stays approved (see the moderation state).
      if (approvedBefore(e)) return [t('message.re_analysed'), t('message.approved_no_longer_held', parts.join(t('common.clause_separator')))];
      return [t('message.held_for_moderation'), parts.join(t('common.clause_separator'))];
    }
    case 'transfer': {
      const from = Number(d.from_department_id) > 0 ? t('message.quoted', deptName(d.from_department_id)) : t('common.to_be_routed');
      const to = t('message.quoted', deptName(d.to_department_id));
      return [t('common.transfer'), `${from} → ${to}${d.reason ? t('message.reason', d.reason) : ''}`];
    }
    case 'reply':
      return [t('message.publish_reply'), ''];
    case 'moderate': {
      const what = { approve: t('common.approved'), reject: t('message.rejected_by_a_moderator'), spam: t('message.marked_as_spam') }[d.decision] || t('message.moderation_3');
      return [what, d.reason ? t('message.reason_2', d.reason) : ''];
    }
    default:
      return [e.kind || t('message.event'), ''];
  }
}

// Whether an approval precedes event e in the current message's trail.
function approvedBefore(e) {
  for (const x of (current && current.events) || []) {
    if (x === e) return false;
    if (x.kind === 'moderate' && x.detail && x.detail.decision === 'approve') return true;
  }
  return false;
}

function fillDepartments(m) {
  const sel = tform.elements.department;
  const keep = sel.value;
  clear(sel);
  sel.append(el('option', { value: '' }, t('common.choose_a_department')));
  for (const d of departments) {
    if (Number(d.id) === Number(m.department_id)) continue;
    sel.append(el('option', { value: d.name }, d.name));
  }
  sel.value = [...sel.options].some((o) => o.value === keep) ? keep : '';
}

async function load() {
  if (!id || !/^\d+$/.test(id)) {
    clear(box);
    box.append(el('p', null, t('message.the_message_number_is_missing')), el('p', null, el('a', { href: '/inbox.html' }, t('message.back_to_the_inbox'))));
    box.setAttribute('aria-busy', 'false');
    return;
  }
  box.setAttribute('aria-busy', 'true');
  try {
    render(await api('GET', `/api/v1/messages/${id}`));
  } catch (e) {
    if (e.redirecting) return;
    refused(e.status === 403 ? t('message.this_message_belongs_to_another')
      : e.status === 404 ? t('message.message_not_found') : t('common.could_not_load', errorText(e)));
  } finally {
    box.setAttribute('aria-busy', 'false');
  }
}

function refused(text) {
  clear(box);
  box.append(el('p', null, text), el('p', null, el('a', { href: '/inbox.html' }, t('message.back_to_the_inbox'))));
  for (const s of [repliesSection, replySection, transferSection, holdSection, eventsSection, actionsSection,
    document.getElementById('notes-section')]) s.hidden = true;
}

// ---- the reply draft: kept in this browser until it is published, so a
// session that expires while the handler writes costs them nothing (the
// 401 sends them to the login page, which brings them back here).
const DRAFT_KEY = `minyi.reply-draft.${id}`;
function saveDraft() {
  try {
    const v = form.elements.body.value;
    if (v.trim()) localStorage.setItem(DRAFT_KEY, v); else localStorage.removeItem(DRAFT_KEY);
  } catch (e) { /* storage disabled: nothing to keep it in */ }
}
function dropDraft() { try { localStorage.removeItem(DRAFT_KEY); } catch (e) { /* disabled */ } }
function restoreDraft() {
  let v = null;
  try { v = localStorage.getItem(DRAFT_KEY); } catch (e) { v = null; }
  if (!v || form.elements.body.value.trim() || replySection.hidden) return;
  form.elements.body.value = v;
  updateCounter();
  const note = document.getElementById('reply-draft-note');
  setText(note, t('message.your_unpublished_reply_draft_has'));
  note.hidden = false;
  previewSoon();
}

// ---- personal data in the reply: the server's masker says what it finds
// and what the public will see; publishing such a reply needs a second click.
const piiBox = document.getElementById('reply-pii');
const PII_NAMES = {
  mobile: t('message.mobile_number'), landline: t('message.landline_number'), idcard: t('message.id_number'), bankcard: t('message.bank_card_number'), email: t('message.e_mail_address'), plate: t('message.number_plate'), address: t('message.street_address'),
};
let piiSeen = null;        // {text, count} of the last preview
let piiConfirmed = null;   // the text the handler chose to publish anyway
let previewTimer = 0;

// stay: while typing, an expired session must not send the handler away
// (the draft is safe either way); on submit it may.
async function preview(text, stay = true) {
  if (!text.trim()) { piiSeen = { text, count: 0 }; piiBox.hidden = true; return piiSeen; }
  const r = await api('POST', '/api/v1/pii', { text }, { stay });
  if (form.elements.body.value !== text) return { text, count: r.count };   // typed on meanwhile
  piiSeen = { text, count: r.count };
  piiBox.hidden = !r.count;
  if (r.count) {
    const kinds = [...new Set(r.spans.map((x) => PII_NAMES[x.type] || x.type))];
    setText(document.getElementById('reply-pii-what'),
      t('message.the_reply_contains_personal_details', kinds.join(t('common.list_separator')), r.count));
    const m = document.getElementById('reply-pii-masked');
    clear(m);
    m.append(highlightedParagraphs(r.masked, []));
  }
  return piiSeen;
}
// ---- reply quality: a hint while the handler types (docs/reply-quality.md);
// never a block: the reply is published as written whatever the score.
const rqBox = document.getElementById('reply-quality');
const RQ_MISSING = {
  relevance: () => t('message.rq_missing_relevance'), questions: () => t('message.rq_missing_questions'),
  action: () => t('message.rq_missing_action'), time: () => t('message.rq_missing_time'), unit: () => t('message.rq_missing_unit'),
  contact: () => t('message.rq_missing_contact'), boilerplate: () => t('message.rq_missing_boilerplate'), late: () => t('message.rq_missing_late'),
};
let rqTimer = 0;
async function quality(text) {
  if (!text.trim()) { rqBox.hidden = true; return; }
  const r = await api('POST', '/api/v1/reply-quality', { message_id: id, body: text }, { stay: true });
  if (form.elements.body.value !== text) return;   // typed on meanwhile
  setText(document.getElementById('rq-score'), t('message.rq_score', Math.round(r.score)));
  setText(document.getElementById('rq-parts'), r.timeliness === null
    ? t('message.rq_parts', fmtPercent(r.relevance), fmtPercent(r.completeness), fmtPercent(r.boilerplate))
    : t('message.rq_parts_time', fmtPercent(r.relevance), fmtPercent(r.completeness), fmtPercent(r.boilerplate), fmtPercent(r.timeliness)));
  const ul = document.getElementById('rq-missing');
  clear(ul);
  for (const k of r.missing.filter((x) => RQ_MISSING[x])) ul.append(el('li', { 'data-missing': k }, RQ_MISSING[k]()));
  rqBox.hidden = false;
}
function qualitySoon() {
  clearTimeout(rqTimer);
  rqTimer = setTimeout(() => { quality(form.elements.body.value).catch(() => {}); }, 600);
}

function previewSoon() {
  qualitySoon();
  clearTimeout(previewTimer);
  previewTimer = setTimeout(() => { preview(form.elements.body.value).catch(() => {}); }, 400);
}
form.elements.body.addEventListener('input', () => {
  saveDraft();
  piiConfirmed = null;
  setText(document.getElementById('reply-submit'), t('message.publish_reply'));
  previewSoon();
});

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(form);
  const body = form.elements.body.value;
  if (!body.trim()) { fieldError(form, 'body', t('message.please_write_the_reply')); form.elements.body.focus(); return; }
  if (charCount(body) > REPLY_MAX) { fieldError(form, 'body', t('message.the_reply_can_have_at', REPLY_MAX)); return; }
  saveDraft();
  const btn = document.getElementById('reply-submit');
  btn.disabled = true;
  setText(btn, t('message.publishing'));
  try {
    clearTimeout(previewTimer);
    const seen = piiSeen && piiSeen.text === body ? piiSeen : await preview(body, false);
    if (seen.count && piiConfirmed !== body) {
      piiConfirmed = body;
      setText(btn, t('message.publish_personal_details_masked'));
      btn.disabled = false;
      piiBox.scrollIntoView({ block: 'nearest' });
      return;
    }
    const wholeGroup = !document.getElementById('whole-group-field').hidden && form.elements.whole_group.checked;
    const res = await api('POST', `/api/v1/messages/${id}/replies`, wholeGroup ? { body, whole_group: true } : { body });
    form.reset();
    dropDraft();
    piiBox.hidden = true;
    piiSeen = null;
    clearTimeout(rqTimer);
    rqBox.hidden = true;
    piiConfirmed = null;
    document.getElementById('reply-draft-note').hidden = true;
    updateCounter();
    await load();
    const n = res && Number(res.replied);
    if (res && res.status === 'pending') notice(noticeBox, 'ok', t('message.reply_submitted_it_is_published'));
    else if (res && res.status === 'running') followGroupReply(res.job_id, n);
    else notice(noticeBox, 'ok', wholeGroup && n > 1 ? t('message.reply_published_to_messages_each', n) : t('message.reply_published_the_writer_reads'));
    noticeBox.scrollIntoView({ block: 'nearest' });
  } catch (e) {
    if (e.redirecting) return;
    if (e.status === 403 && e.code === 'csrf') e.message = t('message.the_page_has_expired_reload');
    else if (e.status === 403) e.message = t('message.you_may_not_reply_to');
    showFormError(form, e);
  } finally {
    btn.disabled = false;
    if (piiConfirmed !== body) setText(btn, t('message.publish_reply'));
  }
});

/* A campaign too big for one step goes on in the background: the notice
 * follows the job until every member is answered. */
async function followGroupReply(job, done) {
  notice(noticeBox, 'ok', t('message.reply_group_going_on', done));
  for (;;) {
    await new Promise((res) => setTimeout(res, 1000));
    let j;
    try { j = await api('GET', `/api/v1/group-replies/${job}`); } catch (e) { return; }
    if (j.status === 'done') { notice(noticeBox, 'ok', t('message.reply_published_to_messages_each', j.replied)); return; }
    notice(noticeBox, 'ok', t('message.reply_group_going_on', j.replied));
  }
}

tform.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(tform);
  const department = tform.elements.department.value;
  const reason = tform.elements.reason.value.trim();
  let ok = true;
  if (!department) { fieldError(tform, 'department', t('common.choose_the_department_to_transfer')); tform.elements.department.focus(); ok = false; }
  if (charCount(reason) > REASON_MAX) { fieldError(tform, 'reason', t('common.the_reason_can_have_at', REASON_MAX)); ok = false; }
  if (!ok) return;
  const btn = document.getElementById('transfer-submit');
  btn.disabled = true;
  setText(btn, t('message.transferring'));
  try {
    const payload = { department };
    if (reason) payload.reason = reason;
    await api('POST', `/api/v1/messages/${id}/transfer`, payload);
    tform.reset();
    updateReasonCounter();
    const done = t('message.transferred_to', department);
    try {
      render(await api('GET', `/api/v1/messages/${id}`));
      notice(noticeBox, 'ok', done);
    } catch (e) {
      if (e.redirecting) return;
      // Transferred out of the handler's department: no longer theirs to see.
      refused(e.status === 403 ? t('message.the_message_has_left_this') : t('common.could_not_load', errorText(e)));
      notice(noticeBox, 'ok', done);
    }
    noticeBox.scrollIntoView({ block: 'nearest' });
  } catch (e) {
    if (e.redirecting) return;
    if (e.status === 403 && e.code === 'csrf') e.message = t('message.the_page_has_expired_reload');
    else if (e.status === 403) e.message = t('message.you_may_not_transfer_this');
    else if (e.field === 'department' && e.code === 'invalid') {
      e.message = /already/.test(e.message) ? t('message.that_department_already_handles_this') : t('message.no_such_department_reload_the');
    }
    showFormError(tform, e);
  } finally {
    btn.disabled = false;
    setText(btn, t('message.transfer_2'));
  }
});

const updateCounter = attachCounter(form.elements.body, document.getElementById('cnt-reply'), REPLY_MAX);
const updateReasonCounter = attachCounter(tform.elements.reason, document.getElementById('cnt-reason'), REASON_MAX);
requireOfficial()
  .then(async (user) => {
    me = user;
    // Department names for the transfer form and the audit trail; the page
    // stands without them.
    try { departments = (await api('GET', '/api/v1/departments')).departments || []; } catch (e) { departments = []; }
    await load();
    restoreDraft();
  })
  .catch((e) => { if (!e.redirecting) notice(noticeBox, 'error', errorText(e)); });
clearErrorsOnInput(form);
clearErrorsOnInput(tform);
setupDesk(() => current, noticeBox, load);
