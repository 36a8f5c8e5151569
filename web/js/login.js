// Official login: POST /api/v1/login, then on to ?next= (same-site paths only),
// the admin page for admins, the moderation queue for moderators, or the inbox.
import { t } from './i18n.js';
import { api, renderHeader, footer, param, showFormError, fieldError, clearFormErrors, clearErrorsOnInput, setText } from './common.js';

renderHeader(null);
footer();

const form = document.getElementById('login-form');

function target(user) {
  const next = param('next') || '';
  // Only a path on this site: "/x" but not "//host" or "/\host".
  if (/^\/(?![\/\\])/.test(next) && !next.startsWith('/login.html')) return next;
  if (user && user.role === 'admin') return '/admin.html';
  return user && user.role === 'moderator' ? '/moderation.html' : '/inbox.html';
}

// Already logged in: go straight on.
api('GET', '/api/v1/me').then((me) => { location.replace(target(me)); }).catch(() => {});

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(form);
  const login = form.elements.login.value.trim();
  const password = form.elements.password.value;
  let ok = true;
  if (!login) { fieldError(form, 'login', t('login.please_enter_your_login')); ok = false; }
  if (!password) { fieldError(form, 'password', t('login.please_enter_your_password')); ok = false; }
  if (!ok) return;
  const btn = document.getElementById('login-submit');
  btn.disabled = true;
  setText(btn, t('login.logging_in'));
  try {
    const r = await api('POST', '/api/v1/login', { login, password });
    location.href = target(r.user);
  } catch (e) {
    if (e.status === 401) {
      showFormError(form, Object.assign(e, { field: null, local: true, message: t('login.wrong_login_or_password') }));
    } else if (e.status === 429) {
      showFormError(form, Object.assign(e, { field: null, local: true, message: t('login.too_many_attempts_please_try') }));
    } else {
      showFormError(form, e);
    }
    form.elements.password.select();
  } finally {
    btn.disabled = false;
    setText(btn, t('login.log_in'));
  }
});
clearErrorsOnInput(form);
