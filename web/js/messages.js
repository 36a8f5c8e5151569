// 留言公开: the public list of published messages and their replies
// (GET /api/v1/public/messages, docs/api.md). Filters live in the URL, so a
// list can be bookmarked and shared; pages follow the server's keyset cursor
// (?after=), which stays fast at millions of messages; ?q= searches the
// published messages and replies instead. Everything shown came from
// citizens or officials and is inserted as text nodes only.
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

// A search snippet is escaped text with <mark> around the matches (the
// server adds no other markup): rebuilt here as text nodes and <mark>s.
function marked(html) {
  const text = (x) => x.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  return String(html || '').split(/(<mark>.*?<\/mark>)/).filter(Boolean)
    .map((p) => (p.startsWith('<mark>') ? el('mark', null, text(p.slice(6, -7))) : text(p)));
}

function hit(m) {
  const href = `/view.html?id=${encodeURIComponent(m.id)}`;
  return el('li', { class: 'card public-item' },
    el('div', { class: 'meta' },
      badge(m.state), el('span', { class: 'badge kind' }, typeLabel(m.type)),
      m.department ? el('span', null, m.department) : null,
      el('span', null, t('common.written', fmtTime(m.created_at)))),
    el('h3', { class: 'wrap-anywhere' }, el('a', { href }, ...marked(m.title_html))),
    el('p', { class: 'desc wrap-anywhere' }, m.matched_in === 'reply' ? el('strong', null, t('messages.reply')) : null, ...marked(m.snippet)));
}

// Full-text search (GET /api/v1/public/search): pages by offset, up to the
// ranked window the server gives.
async function search(q) {
  const offset = Math.max(0, parseInt(param('offset') || '0', 10) || 0);
  form.hidden = true;
  try {
    const data = await api('GET', `/api/v1/public/search?${new URLSearchParams({ q, offset: String(offset) })}`);
    clear(list);
    const n = data.results.length;
    const count = data.total_approx ? t('messages.about_matching_messages', fmtNumber(data.total)) : t('search.matching_messages', fmtNumber(data.total));
    list.append(el('li', { class: 'muted' }, n ? t('search.found_showing', count, offset + 1, offset + n) : t('messages.no_public_message_contains', q)));
    for (const m of data.results) list.append(hit(m));
    if (offset + n < Math.min(data.total, data.window ?? data.total)) {
      more.setAttribute('href', `/messages.html?${new URLSearchParams({ q, offset: String(offset + n) })}`);
      more.hidden = false;
    }
    first.hidden = offset === 0;
    if (!first.hidden) first.setAttribute('href', `/messages.html?${new URLSearchParams({ q })}`);
  } catch (e) {
    clear(list);
    notice(document.getElementById('notice'), 'error', t('search.search_failed', errorText(e)));
  } finally {
    list.setAttribute('aria-busy', 'false');
  }
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
const query = (param('q') || '').trim();
document.getElementById('f-q').value = query;
if (query) search(query); else load();
