// Consultation page: the consultation's text and the citizen's message form.
// Limits mirror docs/api.md; the server checks them again and its errors are
// shown next to the field named in error.field.
import { t } from './i18n.js';
import {
  api, el, clear, setText, errorText, renderHeader, footer, param, paragraphs,
  attachCounter, charCount, showFormError, fieldError, clearFormErrors, clearErrorsOnInput, TYPES, typeLabel, KIND_LABEL, fmtTime, site,
} from './common.js';

renderHeader(null);
footer();

const LIMITS = { title: 100, body: 5000, region: 50 };
// As the server (src/app/validate.c): digits, spaces, + - ( ); <= 20 characters, >= 5 digits.
const PHONE_RE = /^[0-9 +\-()]{1,20}$/;

const id = param('id');
const box = document.getElementById('consultation');
const formSection = document.getElementById('form-section');
const form = document.getElementById('message-form');
const done = document.getElementById('done');

function typeChoices() {
  const row = document.getElementById('type-choices');
  clear(row);
  TYPES.forEach((v, i) => {
    row.append(el('label', { class: 'choice' },
      el('input', { type: 'radio', name: 'type', value: v, checked: i === 0, id: `type-${i}` }),
      el('span', null, typeLabel(v))));
  });
}

// Is the consultation taking messages now (as the server decides it:
// status open, and now within opens_at .. closes_at when they are set)?
function openState(c) {
  const now = Date.now();
  if (c.status === 'closed') return { open: false, why: t('consultation.this_consultation_has_ended_and') };
  if (c.opens_at && now < Date.parse(c.opens_at)) return { open: false, why: t('consultation.this_consultation_opens_at_you', fmtTime(c.opens_at)), soon: true };
  if (c.closes_at && now >= Date.parse(c.closes_at)) return { open: false, why: t('consultation.this_consultation_closed_at_and', fmtTime(c.closes_at)) };
  return { open: true };
}

// The section the form comments on (0 = the whole draft).
let section = 0;
const sectionTitles = {};

function chooseSection(no) {
  section = no;
  const label = document.getElementById('section-choice');
  if (label) setText(label, no ? t('consultation.on_section', no, sectionTitles[no] || '') : t('consultation.on_the_whole_draft'));
  document.getElementById('section-clear').hidden = !no;
  if (no) { formSection.scrollIntoView({ block: 'start' }); document.getElementById('f-title').focus(); }
}

function renderSections(c, open) {
  if (!c.sections || !c.sections.length) return null;
  const list = el('ol', { class: 'draft-sections' });
  for (const s of c.sections) {
    sectionTitles[s.no] = s.title;
    const btn = open ? el('button', { type: 'button', class: 'btn btn-sm', 'data-section': s.no }, t('consultation.comment_on_this_section')) : null;
    if (btn) btn.addEventListener('click', () => chooseSection(s.no));
    list.append(el('li', { class: 'draft-section', id: `section-${s.no}` },
      el('h3', null, `${s.no}. ${s.title}`),
      el('div', { class: 'doc-body' }, paragraphs(s.text)),
      el('div', { class: 'meta' }, el('span', { class: 'section-count' }, t('consultation.comments_so_far', Number(s.comment_count) || 0)), btn)));
  }
  return el('section', { class: 'draft', 'aria-label': t('common.draft_for_consultation') }, el('h2', null, t('common.draft_for_consultation')), list);
}

function renderConsultation(c) {
  clear(box);
  const kind = c.kind === 'board' ? 'board' : 'consultation';
  const state = openState(c);
  const open = state.open;
  document.title = t('consultation.minyi', c.title);
  setText(document.getElementById('crumb'), c.title);
  box.append(
    el('header', { class: 'doc-head' },
      el('h1', null, c.title),
      el('div', { class: 'meta' },
        el('span', { class: 'badge kind' }, KIND_LABEL[kind]),
        el('span', { class: `badge ${open ? 'open' : 'closed'}` }, open ? t('common.open') : state.soon ? t('consultation.not_open_yet') : t('common.ended')),
        c.created_at ? el('span', null, t('common.published', fmtTime(c.created_at).slice(0, 10))) : null,
        c.opens_at || c.closes_at ? el('span', { id: 'period' }, t('consultation.open_from_to', c.opens_at ? fmtTime(c.opens_at) : t('consultation.now'), c.closes_at ? fmtTime(c.closes_at) : t('consultation.until_further_notice'))) : null,
        el('span', null, t('common.messages_received', Number(c.message_count) || 0)))),
    el('div', { class: 'doc-body' }, c.description ? paragraphs(c.description) : (c.sections && c.sections.length ? null : el('p', { class: 'muted' }, t('consultation.no_description')))),
    c.preamble ? el('div', { class: 'doc-body preamble' }, paragraphs(c.preamble)) : '',   // DOM append() writes null as "null"
    renderSections(c, open));
  if (!open) box.append(el('p', { class: 'closed-note', id: 'closed-note' }, state.why));
  if (c.feedback_published_at) {
    box.append(el('p', { class: 'feedback-link' }, el('a', { class: 'btn', href: `/feedback.html?id=${encodeURIComponent(c.id)}` }, t('consultation.see_the_feedback_on_the'))));
  }
  const chooser = document.getElementById('section-row');
  if (chooser) chooser.hidden = !(c.sections && c.sections.length);
  formSection.hidden = !open;
  setText(document.getElementById('form-title'), kind === 'board' ? t('common.write_a_message') : t('common.take_part'));
}

async function load() {
  if (!id || !/^\d+$/.test(id)) {
    clear(box);
    box.append(el('p', null, t('consultation.the_link_is_incomplete_please'), el('a', { href: '/' }, t('common.home')), t('consultation.and_choose_a_consultation_or')));
    box.setAttribute('aria-busy', 'false');
    return;
  }
  try {
    renderConsultation(await api('GET', `/api/v1/consultations/${id}`));
  } catch (e) {
    clear(box);
    box.append(el('p', null, e.status === 404 ? t('consultation.this_consultation_or_message_board') : t('common.could_not_load', errorText(e))),
      el('p', null, el('a', { href: '/' }, t('common.back_to_the_home_page'))));
  } finally {
    box.setAttribute('aria-busy', 'false');
  }
}

// Client-side checks, same rules as the server; returns true when all pass.
function check(v) {
  let ok = true;
  const bad = (f, msg) => { if (ok) form.querySelector(`[name="${f}"]`)?.focus(); fieldError(form, f, msg); ok = false; };
  if (!v.type) bad('type', t('consultation.please_choose_a_type_of'));
  if (!v.title.trim()) bad('title', t('consultation.please_enter_a_title'));
  else if (charCount(v.title) > LIMITS.title) bad('title', t('consultation.the_title_can_have_at', LIMITS.title));
  if (!v.body.trim()) bad('body', t('consultation.please_write_your_message'));
  else if (charCount(v.body) > LIMITS.body) bad('body', t('consultation.the_message_can_have_at', LIMITS.body));
  if (charCount(v.region) > LIMITS.region) bad('region', t('consultation.the_area_can_have_at', LIMITS.region));
  if (v.phone && (!PHONE_RE.test(v.phone) || v.phone.replace(/\D/g, '').length < 5)) bad('phone', t('consultation.please_enter_a_valid_phone'));
  return ok;
}

function fieldMessage(err) {
  const names = { title: t('common.title'), body: t('common.message'), type: t('common.type_of_message'), region: t('common.area'), phone: t('common.phone'), consultation_id: t('common.consultation') };
  const what = names[err.field] || '';
  if (err.code === 'missing') return t('common.please_fill_in', what);
  if (err.code === 'too_long') return t('consultation.is_too_long', what);
  if (err.code === 'invalid' && what) return t('consultation.is_not_valid_check_it', what);
  return errorText(err);
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(form);
  const fd = new FormData(form);
  const v = {
    type: fd.get('type') || '',
    title: String(fd.get('title') || ''),
    body: String(fd.get('body') || ''),
    region: String(fd.get('region') || '').trim(),
    phone: String(fd.get('phone') || '').trim(),
  };
  if (!check(v)) return;
  const accept = document.getElementById('accept-notice');
  if (!document.getElementById('site-notice').hidden && !accept.checked) {
    fieldError(form, 'accept_notice', t('consultation.please_read_and_accept_the'));
    accept.focus();
    return;
  }
  const payload = { consultation_id: Number(id), title: v.title.trim(), body: v.body, type: v.type };
  if (v.region) payload.region = v.region;
  if (v.phone) payload.phone = v.phone;
  if (section) payload.section = section;
  payload.publish = fd.get('publish') !== '0';
  const btn = document.getElementById('submit');
  btn.disabled = true;
  setText(btn, t('common.submitting'));
  try {
    const r = await api('POST', '/api/v1/messages', payload);
    showDone(r.tracking_code);
  } catch (e) {
    const msg = fieldMessage(e);
    showFormError(form, Object.assign(e, { message: e.field ? msg : e.message }));
  } finally {
    btn.disabled = false;
    setText(btn, t('consultation.submit_message'));
  }
});

function showDone(code) {
  formSection.hidden = true;
  setText(document.getElementById('done-code'), code);
  const link = document.getElementById('done-link');
  link.setAttribute('href', `/track.html?code=${encodeURIComponent(code)}`);
  document.getElementById('again').setAttribute('href', location.pathname + location.search);
  done.hidden = false;
  done.focus();
  done.scrollIntoView({ block: 'start' });
  form.reset();
}

document.getElementById('copy-code').addEventListener('click', async (ev) => {
  const code = document.getElementById('done-code').textContent;
  try {
    await navigator.clipboard.writeText(code);
    setText(ev.currentTarget, t('consultation.copied'));
  } catch (e) {
    // Clipboard blocked (http, old browser): select the code for manual copy.
    const r = document.createRange();
    r.selectNodeContents(document.getElementById('done-code'));
    const s = getSelection(); s.removeAllRanges(); s.addRange(r);
  }
});

typeChoices();
site().then((s) => {
  if (!s.notice) return;
  const box = document.getElementById('site-notice-text');
  clear(box);
  box.append(paragraphs(s.notice));
  document.getElementById('site-notice').hidden = false;
});
document.getElementById('section-clear').addEventListener('click', () => chooseSection(0));
attachCounter(document.getElementById('f-title'), document.getElementById('cnt-title'), LIMITS.title);
attachCounter(document.getElementById('f-body'), document.getElementById('cnt-body'), LIMITS.body);
attachCounter(document.getElementById('f-region'), document.getElementById('cnt-region'), LIMITS.region);
load();
clearErrorsOnInput(form);
