// The public page of one message (GET /api/v1/public/messages/{id}): the
// masked message, the department's replies, the citizen's rating, and the
// support button (one per visitor, POST .../support). The tracking code is
// never shown here: it stays the citizen's secret.
import { t } from './i18n.js';
import { api, el, clear, setText, notice, errorText, renderHeader, footer, param, badge, fmtTime, paragraphs, typeLabel } from './common.js';

renderHeader(null);
footer();

const host = document.getElementById('message');
const noticeBox = document.getElementById('notice');
const id = param('id');

function render(m) {
  clear(host);
  const count = el('span', { id: 'support-count' }, String(Number(m.supports) || 0));
  const btn = el('button', { class: 'btn btn-primary', type: 'button', id: 'support' }, t('view.support_this_message'));
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      const r = await api('POST', `/api/v1/public/messages/${encodeURIComponent(id)}/support`, {});
      setText(count, r.supports);
      setText(btn, t('view.supported'));
    } catch (e) {
      if (e.status === 409) setText(btn, t('view.supported'));
      else { btn.disabled = false; notice(noticeBox, 'error', t('view.support_failed', errorText(e))); }
    }
  });
  document.title = t('view.public_messages_minyi', m.title);
  host.append(
    el('div', { class: 'meta' }, badge(m.state), el('span', { class: 'badge kind' }, typeLabel(m.type)),
      m.department ? el('span', null, t('view.department_in_charge', m.department)) : null,
      m.region ? el('span', null, m.region) : null,
      el('span', null, t('common.written', fmtTime(m.created_at)))),
    el('h1', { class: 'page-title wrap-anywhere' }, m.title),
    el('div', { class: 'body wrap-anywhere' }, paragraphs(m.body)),
    m.group_size > 1 ? el('p', { class: 'muted' }, t('view.other_people_reported_a_similar', m.group_size - 1)) : '',   // DOM append() writes null as "null"
    el('div', { class: 'actions' }, btn, ' ', el('span', null, t('view.supports')), count));
  const replies = el('section', { class: 'replies', 'aria-labelledby': 'replies-title' },
    el('h2', { id: 'replies-title' }, t('common.department_s_reply')));
  if (!m.replies || !m.replies.length) replies.append(el('p', { class: 'muted' }, t('common.not_answered_yet')));
  for (const r of m.replies || []) {
    replies.append(el('div', { class: 'reply panel' },
      el('div', { class: 'meta' }, el('strong', null, r.department || ''), ' ', el('span', null, fmtTime(r.created_at)),
        r.edited_at ? el('span', { class: 'badge' }, t('common.edited', fmtTime(r.edited_at))) : null),
      el('div', { class: 'wrap-anywhere' }, paragraphs(r.body))));
  }
  if (m.rating) {
    replies.append(el('p', { class: 'rating' }, t('view.writer_s_rating_out_of', m.rating.score),
      m.rating.comment ? el('span', { class: 'wrap-anywhere' }, ` · ${m.rating.comment}`) : null));
  }
  host.append(replies);
}

async function load() {
  if (!id || !/^\d+$/.test(id)) {
    clear(host);
    notice(noticeBox, 'error', t('view.the_message_number_is_missing'));
    return;
  }
  try {
    render(await api('GET', `/api/v1/public/messages/${encodeURIComponent(id)}`));
  } catch (e) {
    clear(host);
    notice(noticeBox, 'error', e.status === 404 ? t('view.no_such_public_message_it') : t('common.could_not_load_2', errorText(e)));
  } finally {
    host.setAttribute('aria-busy', 'false');
  }
}
load();
