// 留言公开: the public list of published messages and their replies
// (GET /api/v1/public/messages, docs/api.md). Filters live in the URL, so a
// list can be bookmarked and shared; pages follow the server's keyset cursor
// (?after=), which stays fast at millions of messages. Everything shown came
// from citizens or officials and is inserted as text nodes only.
import { t } from './i18n.js';
import { api, el, clear, setText, notice, errorText, renderHeader, footer, param, badge, fmtTime, TYPES, typeLabel, fmtNumber } from './common.js';

renderHeader(null);
footer();

const form = document.getElementById('filters');
const list = document.getElementById('list');
const more = document.getElementById('more');
const first = document.getElementById('first');
const FIELDS = ['consultation', 'type', 'state', 'region', 'from', 'to', 'sort'];

const typeSel = document.getElementById('f-type');
for (const v of TYPES) typeSel.append(el('option', { value: v }, typeLabel(v)));
for (const f of FIELDS) {
  const v = param(f);
  if (v) form.elements[f].value = v;
}

async function loadConsultations() {
  try {
    const data = await api('GET', '/api/v1/consultations');
    const sel = document.getElementById('f-consultation');
    for (const c of data.consultations || []) sel.append(el('option', { value: c.id }, c.title));
    if (param('consultation')) sel.value = param('consultation');
  } catch (e) { /* the filter stays at 全部 */ }
}

function item(m) {
  const href = `/view.html?id=${encodeURIComponent(m.id)}`;
  return el('li', { class: 'card public-item' },
    el('div', { class: 'meta' },
      badge(m.state), el('span', { class: 'badge kind' }, typeLabel(m.type)),
      m.department ? el('span', null, m.department) : null,
      m.region ? el('span', null, m.region) : null,
      el('span', null, t('common.written', fmtTime(m.created_at))),
      m.last_reply_at ? el('span', null, t('messages.answered', fmtTime(m.last_reply_at))) : null),
    el('h3', { class: 'wrap-anywhere' }, el('a', { href }, m.title)),
    el('p', { class: 'desc wrap-anywhere' }, m.excerpt),
    m.reply ? el('p', { class: 'reply-excerpt wrap-anywhere' }, el('strong', null, t('messages.reply')), m.reply) : null,
    el('div', { class: 'meta' },
      m.group_size > 1 ? el('span', null, t('common.this_message_and_similar_ones', m.group_size - 1)) : null,
      el('span', null, t('common.support', Number(m.supports) || 0)),
      m.rating ? el('span', null, t('messages.rated_out_of_5', m.rating)) : null));
}

async function load() {
  const qs = new URLSearchParams();
  for (const f of FIELDS) { const v = param(f); if (v) qs.set(f, v); }
  if (param('after')) qs.set('after', param('after'));
  try {
    const data = await api('GET', `/api/v1/public/messages?${qs}`);
    clear(list);
    if (!data.messages.length) list.append(el('li', { class: 'empty' }, t('messages.no_public_message_matches')));
    for (const m of data.messages) list.append(item(m));
    if (data.next) {
      qs.set('after', data.next);
      more.setAttribute('href', `/messages.html?${qs}`);
      more.hidden = false;
    }
    first.hidden = !param('after');
  } catch (e) {
    clear(list);
    notice(document.getElementById('notice'), 'error', t('messages.could_not_load_the_public', errorText(e)));
  } finally {
    list.setAttribute('aria-busy', 'false');
  }
}

// Empty fields stay out of the URL.
form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const qs = new URLSearchParams();
  for (const f of FIELDS) { const v = String(form.elements[f].value || '').trim(); if (v && !(f === 'sort' && v === 'new')) qs.set(f, v); }
  location.href = `/messages.html${qs.toString() ? '?' + qs : ''}`;
});

loadConsultations();
load();
