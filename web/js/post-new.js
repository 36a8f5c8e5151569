// Publishing a post (leaders and admins): POST /api/v1/posts, then the
// optional image (PUT /api/v1/posts/{id}/image, raw bytes; the server reads
// the type from them), then on to the post's page.
import { t } from './i18n.js';
import { api, el, notice, errorText, requireOfficial, footer, showFormError, clearFormErrors } from './common.js';

footer();
const form = document.getElementById('post-form');
const noticeBox = document.getElementById('notice');

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(form);
  try {
    const r = await api('POST', '/api/v1/posts', { title: form.elements.title.value, body: form.elements.body.value });
    const file = form.elements.image.files[0];
    if (file) {
      const res = await fetch(`/api/v1/posts/${r.id}/image`, {
        method: 'PUT', body: file, credentials: 'same-origin',
        headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-CSRF-Token': (await api('GET', '/api/v1/me')).csrf_token },
      });
      if (!res.ok) notice(noticeBox, 'error', t('post-new.the_post_is_published_but', res.status));
    }
    location.href = `/post.html?id=${r.id}`;
  } catch (e) { showFormError(form, e); }
});

requireOfficial(['leader', 'admin'])
  .then(() => { form.hidden = false; })
  .catch((e) => {
    if (e.redirecting) return;
    notice(noticeBox, 'error', e.status === 403 ? t('post-new.only_leaders_and_administrators_can') : t('common.could_not_load', errorText(e)));
  });
