// A live session (在线访谈): the session, its video player (a URL of an
// existing streaming server; minyi carries no video), citizens' questions
// with their votes, the question being answered and the answered ones as a
// transcript. Live through Server-Sent Events (/api/v1/live/{id}/events):
// "question", "vote", "current", "answer", "status". Officials see an answer
// box under the current question; moderators pick the next question.
import { t } from './i18n.js';
import { api, el, clear, setText, notice, errorText, renderHeader, setSession, footer, param, fmtTime, paragraphs, showFormError, clearFormErrors } from './common.js';

footer();
const id = param('id');
const host = document.getElementById('live');
const noticeBox = document.getElementById('notice');
const questions = new Map();   // id -> {id, body, votes, state, answer}
// The answer form of each current question, kept across redraws: every
// question, vote or pick redraws the lists, and a new form each time wiped
// what an official was typing.
const answerForms = new Map();
let me = null;
let status = 'scheduled';

const STATUS_LABEL = { scheduled: t('common.starting_soon'), live: t('common.live_now'), ended: t('common.ended') };

function voteButton(q) {
  const b = el('button', { type: 'button', class: 'btn btn-sm', 'data-vote': q.id }, t('common.support', q.votes));
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      const r = await api('POST', `/api/v1/questions/${q.id}/vote`, {});
      q.votes = r.votes;
      draw();
    } catch (e) { if (e.status === 409) setText(b, t('live.supported', q.votes)); else notice(noticeBox, 'error', errorText(e)); }
  });
  return b;
}

function officialTools(q) {
  if (!me || status === 'ended') return null;
  const tools = el('div', { class: 'actions' });
  if ((me.role === 'moderator' || me.role === 'admin') && q.state === 'waiting') {
    const pick = el('button', { type: 'button', class: 'btn btn-sm', 'data-pick': q.id }, t('live.pick_as_next_question'));
    pick.addEventListener('click', async () => {
      try { await api('POST', `/api/v1/questions/${q.id}/pick`, {}); } catch (e) { notice(noticeBox, 'error', errorText(e)); }
    });
    tools.append(pick);
  }
  if (me.role !== 'moderator' && q.state === 'current') {
    let form = answerForms.get(q.id);
    if (!form) {
      form = el('form', { class: 'answer-form', novalidate: true },
        el('label', { for: `a-${q.id}` }, t('live.answer')), el('textarea', { id: `a-${q.id}`, name: 'body', rows: 3 }),
        el('button', { class: 'btn btn-primary btn-sm', type: 'submit' }, t('live.publish_answer')));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        try {
          await api('POST', `/api/v1/questions/${q.id}/answer`, { body: form.elements.body.value });
          answerForms.delete(q.id);
        } catch (e) { notice(noticeBox, 'error', errorText(e)); }
      });
      answerForms.set(q.id, form);
    }
    tools.append(form);
  }
  return tools.childNodes.length ? tools : null;
}

function draw() {
  // A redraw takes the focused field out of the page for a moment: give it back, caret and all.
  const active = document.activeElement;
  const caret = active && active.tagName === 'TEXTAREA' ? [active.selectionStart, active.selectionEnd] : null;
  const all = [...questions.values()];
  const waiting = document.getElementById('waiting');
  const answered = document.getElementById('answered');
  const current = document.getElementById('current');
  clear(waiting); clear(answered); clear(current);
  const cur = all.find((q) => q.state === 'current');
  document.getElementById('current-box').hidden = !cur;
  if (cur) current.append(el('p', { class: 'wrap-anywhere', id: 'current-text' }, cur.body), officialTools(cur));
  for (const q of all.filter((x) => x.state === 'waiting').sort((a, b) => b.votes - a.votes || a.id - b.id)) {
    waiting.append(el('li', { class: 'question', 'data-id': q.id }, el('p', { class: 'wrap-anywhere' }, q.body),
      el('div', { class: 'actions' }, status !== 'ended' ? voteButton(q) : el('span', { class: 'muted' }, t('common.support', q.votes))), officialTools(q)));
  }
  for (const q of all.filter((x) => x.state === 'answered').sort((a, b) => String(a.answered_at).localeCompare(String(b.answered_at)))) {
    answered.append(el('li', { class: 'transcript-item', 'data-id': q.id },
      el('p', { class: 'wrap-anywhere' }, el('strong', null, t('live.question')), q.body),
      el('div', { class: 'wrap-anywhere' }, el('strong', null, t('live.answer_2')), paragraphs(q.answer || ''))));
  }
  document.getElementById('ask-box').hidden = status === 'ended';
  if (active && active.isConnected && document.activeElement !== active) {
    active.focus();
    if (caret) active.setSelectionRange(caret[0], caret[1]);
  }
}

function render(s) {
  clear(host);
  status = s.status;
  document.title = t('live.live_session_minyi', s.title);
  host.append(el('h1', { class: 'page-title wrap-anywhere' }, s.title),
    el('div', { class: 'meta' }, el('span', { class: 'badge', id: 'live-status' }, STATUS_LABEL[s.status] || s.status),
      s.starts_at ? el('span', null, t('live.time', fmtTime(s.starts_at))) : null),
    s.description ? el('div', { class: 'doc-body' }, paragraphs(s.description)) : '',   // DOM append() writes null as "null"
    s.video_url ? el('video', { class: 'live-video', src: s.video_url, controls: true, preload: 'none' }) : '');
  for (const q of s.questions) questions.set(q.id, q);
  draw();
}

function live() {
  const es = new EventSource(`/api/v1/live/${encodeURIComponent(id)}/events`);
  const upsert = (d) => { questions.set(d.id, { ...(questions.get(d.id) || {}), ...d }); draw(); };
  es.addEventListener('question', (ev) => upsert(JSON.parse(ev.data)));
  es.addEventListener('vote', (ev) => { const d = JSON.parse(ev.data); if (questions.has(d.id)) upsert(d); });
  es.addEventListener('current', (ev) => {
    const d = JSON.parse(ev.data);
    for (const q of questions.values()) if (q.state === 'current' && q.id !== d.id) q.state = 'waiting';
    upsert(d);
  });
  es.addEventListener('answer', (ev) => upsert(JSON.parse(ev.data)));
  es.addEventListener('status', (ev) => {
    status = JSON.parse(ev.data).status;
    const b = document.getElementById('live-status');
    if (b) setText(b, STATUS_LABEL[status] || status);
    draw();
  });
}

document.getElementById('ask-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = ev.currentTarget;
  clearFormErrors(form);
  const ok = form.querySelector('.form-ok');
  ok.hidden = true;
  try {
    const r = await api('POST', `/api/v1/live/${encodeURIComponent(id)}/questions`, { body: form.elements.body.value });
    form.reset();
    setText(ok, r.held ? t('live.question_submitted_it_will_show') : t('live.question_submitted'));
    ok.hidden = false;
  } catch (e) { showFormError(form, e); }
});

async function load() {
  if (!id || !/^\d+$/.test(id)) { clear(host); notice(noticeBox, 'error', t('live.the_session_number_is_missing')); return; }
  try { me = await api('GET', '/api/v1/me'); setSession(me.csrf_token, me); } catch (e) { me = null; }
  renderHeader(me);
  try {
    render(await api('GET', `/api/v1/live/${encodeURIComponent(id)}`));
    live();
  } catch (e) {
    clear(host);
    notice(noticeBox, 'error', e.status === 404 ? t('live.there_is_no_such_session') : t('common.could_not_load_2', errorText(e)));
  } finally {
    host.setAttribute('aria-busy', 'false');
  }
}
load();
