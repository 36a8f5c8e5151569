// A leader's post (GET /api/v1/posts/{id}) with live counters: the view
// count and new comments arrive through Server-Sent Events (EventSource on
// /api/v1/posts/{id}/events: "views" and "comment" events), no polling.
// A comment is screened on the server: shown at once, or held for a
// moderator (the writer is told), then shown live once approved.
import { t } from './i18n.js';
import { api, el, clear, setText, notice, errorText, renderHeader, footer, param, fmtTime, paragraphs, showFormError, clearFormErrors } from './common.js';

renderHeader(null);
footer();

const id = param('id');
const host = document.getElementById('post');
const list = document.getElementById('comments');
const noticeBox = document.getElementById('notice');
const form = document.getElementById('comment-form');
const shown = new Set();
let viewsNode = null;
let count = 0;

function addComment(c) {
  if (shown.has(c.id)) return;
  shown.add(c.id);
  count++;
  setText(document.getElementById('c-count'), t('common.parenthesized', count));
  list.prepend(el('li', { class: 'comment', 'data-id': c.id },
    el('div', { class: 'muted' }, c.created_at ? fmtTime(c.created_at) : t('post.just_now')),
    el('p', { class: 'wrap-anywhere' }, c.body)));
}

function render(p) {
  clear(host);
  document.title = t('post.leader_s_post_minyi', p.title);
  viewsNode = el('strong', { id: 'views' }, String(p.views));
  host.append(el('h1', { class: 'page-title wrap-anywhere' }, p.title),
    el('div', { class: 'meta' }, el('span', null, fmtTime(p.created_at)), t('post.views'), viewsNode, t('post.views_after')),
    p.has_image ? el('img', { class: 'post-image', src: `/api/v1/posts/${encodeURIComponent(p.id)}/image`, alt: t('post.picture_of_the_post') }) : '',   // DOM append() would write "null"
    el('div', { class: 'doc-body wrap-anywhere' }, paragraphs(p.body)));
  for (const c of p.comments) addComment(c);
}

function live() {
  const es = new EventSource(`/api/v1/posts/${encodeURIComponent(id)}/events`);
  es.addEventListener('views', (ev) => {
    const d = JSON.parse(ev.data);
    // Counts only climb: an older event arriving late must not lower it.
    if (viewsNode && d.views > Number(viewsNode.textContent)) setText(viewsNode, d.views);
  });
  es.addEventListener('comment', (ev) => addComment(JSON.parse(ev.data)));
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(form);
  const ok = form.querySelector('.form-ok');
  ok.hidden = true;
  const body = form.elements.body.value.trim();
  if (!body) return;
  try {
    const r = await api('POST', `/api/v1/posts/${encodeURIComponent(id)}/comments`, { body });
    form.reset();
    setText(ok, r.held ? t('post.comment_submitted_it_will_show') : t('post.comment_posted'));
    ok.hidden = false;
  } catch (e) { showFormError(form, e); }
});

async function load() {
  if (!id || !/^\d+$/.test(id)) { clear(host); notice(noticeBox, 'error', t('post.the_post_number_is_missing')); return; }
  try {
    render(await api('GET', `/api/v1/posts/${encodeURIComponent(id)}`));
    live();
  } catch (e) {
    clear(host);
    notice(noticeBox, 'error', e.status === 404 ? t('post.there_is_no_such_post') : t('common.could_not_load_2', errorText(e)));
  } finally {
    host.setAttribute('aria-busy', 'false');
  }
}
load();
