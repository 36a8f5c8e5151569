// Home page: open consultations and message boards, and the tracking-code box.
import { t } from './i18n.js';
import { api, el, clear, notice, errorText, renderHeader, footer, KIND_LABEL, fmtTime } from './common.js';

renderHeader(null);
footer();

const list = document.getElementById('consultations');

function card(c) {
  const href = `/consultation.html?id=${encodeURIComponent(c.id)}`;
  const open = c.status !== 'closed';
  const kind = c.kind === 'board' ? 'board' : 'consultation';
  return el('li', { class: `card kind-${kind}` },
    el('div', { class: 'meta' },
      el('span', { class: 'badge kind' }, KIND_LABEL[kind]),
      el('span', { class: `badge ${open ? 'open' : 'closed'}` }, open ? t('common.open') : t('common.ended')),
      c.created_at ? el('span', null, t('common.published', fmtTime(c.created_at).slice(0, 10))) : null),
    el('h3', null, el('a', { href }, c.title)),
    c.description ? el('p', { class: 'desc' }, c.description) : null,
    el('div', { class: 'meta' }, t('common.messages_received', Number(c.message_count) || 0)),
    el('div', { class: 'actions' },
      el('a', { class: `btn ${open ? 'btn-primary' : ''}`, href }, open ? (kind === 'board' ? t('common.write_a_message') : t('common.take_part')) : t('home.details'))));
}

async function load() {
  try {
    const data = await api('GET', '/api/v1/consultations');
    const items = data.consultations || [];
    // Open ones first; the sort is stable, so the server order holds otherwise.
    items.sort((a, b) => (a.status === 'closed') - (b.status === 'closed'));
    clear(list);
    if (!items.length) list.append(el('li', { class: 'empty' }, t('home.there_is_no_open_consultation')));
    for (const c of items) list.append(card(c));
  } catch (e) {
    clear(list);
    notice(document.getElementById('notice'), 'error', t('home.could_not_load_the_list', errorText(e)));
  } finally {
    list.setAttribute('aria-busy', 'false');
  }
}
async function loadNotices() {
  try {
    const data = await api('GET', '/api/v1/notices');
    const ul = document.getElementById('notices');
    clear(ul);
    for (const n of data.notices || []) {
      ul.append(el('li', { class: 'notice-item' },
        el('details', null, el('summary', null, el('span', { class: 'muted' }, fmtTime(n.created_at).slice(0, 10)), ' ', n.title),
          el('div', { class: 'doc-body' }, n.body))));
    }
    document.getElementById('notices-section').hidden = !(data.notices || []).length;
  } catch (e) { /* no notices shown */ }
}
async function loadPosts() {
  try {
    const data = await api('GET', '/api/v1/posts');
    const ul = document.getElementById('posts');
    clear(ul);
    for (const p of (data.posts || []).slice(0, 5)) {
      ul.append(el('li', null, el('a', { href: `/post.html?id=${encodeURIComponent(p.id)}` }, p.title),
        el('span', { class: 'muted' }, t('home.views', fmtTime(p.created_at).slice(0, 10), p.views))));
    }
    document.getElementById('posts-section').hidden = !(data.posts || []).length;
  } catch (e) { /* no posts shown */ }
}
async function loadLives() {
  const LABEL = { scheduled: t('common.starting_soon'), live: t('common.live_now'), ended: t('home.transcript') };
  try {
    const data = await api('GET', '/api/v1/live');
    const ul = document.getElementById('lives');
    clear(ul);
    for (const s of (data.sessions || []).slice(0, 5)) {
      ul.append(el('li', null, el('span', { class: 'badge' }, LABEL[s.status] || s.status), ' ',
        el('a', { href: `/live.html?id=${encodeURIComponent(s.id)}` }, s.title)));
    }
    document.getElementById('live-section').hidden = !(data.sessions || []).length;
  } catch (e) { /* none shown */ }
}
load();
loadNotices();
loadPosts();
loadLives();
