// Shared front-end module: DOM helpers, the API fetch wrapper (CSRF token,
// JSON errors, 401 -> login on official pages), the site header and the
// labels every page uses. Contract: docs/api.md.
//
// Rule for every page: text that came from the server (and so possibly from a
// citizen) is inserted with text nodes only (el() / setText()), never as HTML.
import { t, lang, langSwitch, fmtDateTime, fmtNumber } from './i18n.js';

export { t, lang, fmtNumber };

export const STATE_LABEL = {
  new: t('common.received'),
  assigned: t('common.assigned'),
  replied: t('common.replied'),
  closed: t('common.closed'),
  declined: t('common.declined'),
};
export const STATES = ['new', 'assigned', 'replied', 'closed', 'declined'];
export const TYPES = ['建议', '咨询', '投诉', '求助', '感谢'];   // i18n-ok: the API's values, shown through typeLabel()
const TYPE_KEY = ['type.suggestion', 'type.question', 'type.complaint', 'type.help', 'type.thanks'];
// A message type (the API's value) in the page's language; an unknown one as it came.
export function typeLabel(v) {
  const i = TYPES.indexOf(v);
  return i < 0 ? (v == null ? '' : String(v)) : t(TYPE_KEY[i]);
}
export const KIND_LABEL = { consultation: t('common.consultation'), board: t('common.message_board') };
export const ROLE_LABEL = {
  admin: t('common.administrator'), head: t('common.head_of_department'), handler: t('common.handler'), moderator: t('common.moderator'), leader: t('common.leader'),
};
export const MODERATION_LABEL = {
  none: t('common.no_moderation_needed'), held: t('common.awaiting_moderation'), approved: t('common.approved'), rejected: t('common.rejected'),
};

// el('p', {class: 'x', href: '...'}, 'text', childNode, ...): strings become
// text nodes; attributes are set with setAttribute (never innerHTML).
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'on') {
        for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
      } else if (v === true) {
        node.setAttribute(k, '');
      } else {
        node.setAttribute(k, String(v));
      }
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function setText(node, text) {
  node.textContent = text == null ? '' : String(text);
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

// Multi-line text (a message body) as paragraphs of text nodes.
export function paragraphs(text) {
  const frag = document.createDocumentFragment();
  const parts = String(text == null ? '' : text).split(/\r?\n/);
  for (const line of parts) frag.appendChild(el('p', null, line || '\u00a0'));
  return frag;
}

// Characters as the server counts them (code points, not UTF-16 units).
export function charCount(s) {
  let n = 0;
  for (const _ of String(s)) n++;
  return n;
}

// A date and time in the page's language (Intl; zh-CN keeps the
// YYYY-MM-DD HH:mm form of the national standard).
export function fmtTime(s) {
  return fmtDateTime(s);
}

// A classifier confidence (0..1) as a whole percentage: 0.4436 -> "44%".
export function fmtPercent(x) {
  const n = Number(x);
  if (x === null || x === undefined || Number.isNaN(n)) return '';
  return `${Math.round(n * 100)}%`;
}

// ---------- highlighting (sensitive-word spans) ----------

const utf8 = new TextEncoder();

// Maps the server's spans ({off, len} in UTF-8 bytes of the field, as the
// analyzer reports them) to [start, end) ranges of JS string indices, merged
// and sorted. A span that does not fall on character boundaries (the text
// changed since) is looked up by its text instead, or dropped.
export function spanRanges(s, spans) {
  s = String(s == null ? '' : s);
  const at = new Map();   // byte offset -> string index, at every code point boundary
  let b = 0;
  let i = 0;
  for (const ch of s) {
    at.set(b, i);
    b += utf8.encode(ch).length;
    i += ch.length;
  }
  at.set(b, i);
  const out = [];
  for (const sp of spans || []) {
    const off = Number(sp && sp.off);
    const len = Number(sp && sp.len);
    let start = at.get(off);
    let end = at.get(off + len);
    if (start === undefined || end === undefined || !(len > 0)) {
      const k = sp && sp.text ? s.indexOf(String(sp.text)) : -1;
      if (k < 0) continue;
      start = k;
      end = k + String(sp.text).length;
    }
    if (end > start) out.push([start, end]);
  }
  out.sort((x, y) => x[0] - y[0]);
  const merged = [];
  for (const r of out) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push(r.slice());
  }
  return merged;
}

// Text with the given ranges wrapped in <mark> elements: text nodes and
// elements only, never HTML.
function markedInto(node, s, ranges, from, to) {
  let pos = from;
  for (const [a, b] of ranges) {
    if (b <= pos || a >= to) continue;
    const ms = Math.max(a, pos);
    const me = Math.min(b, to);
    if (ms > pos) node.appendChild(document.createTextNode(s.slice(pos, ms)));
    node.appendChild(el('mark', { class: 'hit' }, s.slice(ms, me)));
    pos = me;
  }
  if (pos < to) node.appendChild(document.createTextNode(s.slice(pos, to)));
  return node;
}

// One line of text (a title) with the spans of that field highlighted.
export function highlighted(text, spans) {
  const s = String(text == null ? '' : text);
  return markedInto(document.createDocumentFragment(), s, spanRanges(s, spans), 0, s.length);
}

// Like paragraphs(), with the spans highlighted (a span may cross lines).
export function highlightedParagraphs(text, spans) {
  const s = String(text == null ? '' : text);
  const ranges = spanRanges(s, spans);
  const frag = document.createDocumentFragment();
  const re = /\r?\n/g;
  let start = 0;
  for (;;) {
    const m = re.exec(s);
    const end = m ? m.index : s.length;
    const p = el('p');
    if (end > start) markedInto(p, s, ranges, start, end); else p.append('\u00a0');
    frag.appendChild(p);
    if (!m) break;
    start = m.index + m[0].length;
  }
  return frag;
}

// The sensitive-word spans of one field ("title" or "body") of a hold_reason.
export function spansOf(holdReason, field) {
  const list = holdReason && Array.isArray(holdReason.sensitive) ? holdReason.sensitive : [];
  return list.filter((x) => x && x.field === field);
}

export function param(name) {
  return new URLSearchParams(location.search).get(name);
}

// ---------- API ----------

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.field = field || null;
    this.serverMessage = this.message;   // a page may replace message with its own text
  }
}

let csrfToken = null;
let currentUser = null;
let officialPage = false;

const ERROR_TEXT = {
  invalid_json: t('common.the_request_is_malformed'),
  invalid_utf8: t('common.the_content_has_invalid_characters'),
  unauthorized: t('common.please_log_in_first'),
  forbidden: t('common.you_are_not_allowed_to'),
  csrf: t('common.the_page_has_expired_reload'),
  not_found: t('common.not_found'),
  method_not_allowed: t('common.operation_not_supported'),
  conflict: t('common.the_name_is_already_taken'),
  too_large: t('common.too_long'),
  internal: t('common.server_error_please_try_again'),
  missing: t('common.this_field_is_required'),
  too_long: t('common.too_many_characters'),
  invalid: t('common.this_value_is_not_valid'),
  network: t('common.network_error_please_try_again'),
  closed: t('common.error_closed'),
  too_many_messages: t('common.error_too_many_messages'),
  too_many_attempts: t('login.too_many_attempts_please_try'),
  unavailable: t('common.error_unavailable'),
  unsupported_media_type: t('common.error_unsupported_media_type'),
  busy: t('common.error_unavailable'),
  account_disabled: t('common.error_account_disabled'),
};

// Human text for an error in the page's language: every API error carries a
// machine-readable code (docs/api.md) with a text per code in the catalogs;
// the server's own message (English, for developers) only for a code we do
// not know yet. A "closed" consultation's message carries its dates: kept.
export function errorText(err) {
  if (!(err instanceof ApiError)) return String(err && err.message || err);
  if (err.local || err.message !== err.serverMessage) return err.message;   // the page's own text for this case
  if (err.code === 'closed' && err.message) return `${ERROR_TEXT.closed} (${err.message})`;
  return ERROR_TEXT[err.code] || err.message || t('common.request_failed', err.status);
}

// api(method, path, body?, opts?): resolves to the parsed JSON (or {} for an
// empty body); rejects with ApiError. On official pages a 401 sends the
// browser to the login page, keeping the current page as ?next=, unless
// opts.stay (background calls such as a preview while the official types).
export async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin' };
  if (body instanceof Blob) {
    // A file upload (a model): sent as it is, not as JSON.
    headers['Content-Type'] = 'application/octet-stream';
    init.body = body;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', '');
  }
  let data = {};
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = {}; }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new ApiError(res.status, e.code || '', e.message || '', e.field);
    if (res.status === 401 && officialPage && path !== '/api/v1/login' && !opts.stay) {
      toLogin();
      err.redirecting = true;
    }
    throw err;
  }
  return data;
}

export function toLogin() {
  const next = location.pathname + location.search;
  location.href = '/login.html?next=' + encodeURIComponent(next);
}

export function setSession(token, user) {
  csrfToken = token || null;
  currentUser = user || null;
}

// For official pages: loads /api/v1/me (session user and CSRF token) and
// draws the official header. Resolves to the user, or never settles when the
// browser is being sent to the login page.
export async function requireOfficial(roles) {
  officialPage = true;
  let me;
  try {
    me = await api('GET', '/api/v1/me');
  } catch (e) {
    if (e.redirecting) return new Promise(() => {});
    throw e;
  }
  setSession(me.csrf_token, me);
  renderHeader(me);
  if (roles && !roles.includes(me.role)) {
    const err = new ApiError(403, 'forbidden', '');
    err.user = me;
    throw err;
  }
  return me;
}

export async function logout() {
  try { await api('POST', '/api/v1/logout', {}); } catch (e) { /* leave anyway */ }
  setSession(null, null);
  location.href = '/login.html';
}

// ---------- layout ----------

// Draws the site header into <header id="site-header">. With a user: the
// official navigation and a logout button; without: the citizen navigation.
export function renderHeader(user) {
  const host = document.getElementById('site-header');
  if (!host) return;
  clear(host);
  const here = location.pathname;
  const link = (href, label) => el('a', {
    href, 'aria-current': here === href || (href === '/' && here === '/index.html') ? 'page' : null,
  }, label);
  const brand = el('a', { class: 'brand', href: user ? '/inbox.html' : '/' },
    el('span', { class: 'brand-mark', 'aria-hidden': 'true' }, t('common.m')),
    el('span', { class: 'brand-text' },
      el('strong', null, t('common.minyi')),
      el('small', null, user ? t('common.message_handling') : t('common.public_consultation_and_citizens_messages'))));
  const nav = el('nav', { class: 'site-nav', 'aria-label': t('common.main_navigation') });
  if (user) {
    nav.append(link('/inbox.html', t('common.inbox')));
    nav.append(link('/search.html', t('common.search_messages')));
    if (user.role !== 'moderator') nav.append(link('/digest.html', t('common.daily_digest')));
    if (user.role === 'moderator' || user.role === 'admin') nav.append(link('/moderation.html', t('common.moderation')));
    if (user.role === 'admin') nav.append(link('/admin.html', t('common.administration')));
    if (user.role === 'leader') nav.append(link('/post-new.html', t('common.new_post')));
    nav.append(link('/', t('common.public_site')));
    const who = el('span', { class: 'who' },
      user.login, user.department ? t('common.parenthesized', user.department) : t('common.parenthesized', ROLE_LABEL[user.role] || user.role));
    const out = el('button', { type: 'button', class: 'btn btn-ghost', id: 'logout' }, t('common.log_out'));
    out.addEventListener('click', logout);
    nav.append(el('span', { class: 'user-box' }, who, out));
  } else {
    nav.append(link('/', t('common.home')), link('/track.html', t('common.track_a_message')), link('/messages.html', t('common.public_messages')), link('/dashboard.html', t('common.performance')),
      link('/login.html', t('common.staff_login')));
  }
  nav.append(langSwitch());
  host.append(el('div', { class: 'wrap header-inner' }, brand, nav));
}

// A status box (role=alert for errors so screen readers announce it).
export function notice(host, kind, text) {
  clear(host);
  if (!text) { host.hidden = true; return; }
  host.hidden = false;
  host.classList.remove('notice-error', 'notice-ok', 'notice-info');
  host.classList.add('notice', `notice-${kind}`);
  host.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  setText(host, text);
}

// Shows an API error next to the field it names (an element
// [data-error-for=FIELD] inside form), or in the form's general box.
export function showFormError(form, err) {
  clearFormErrors(form);
  const text = errorText(err);
  const slot = err && err.field ? form.querySelector(`[data-error-for="${CSS.escape(err.field)}"]`) : null;
  if (slot) {
    fieldError(form, err.field, text);
    const input = form.querySelector(`[name="${CSS.escape(err.field)}"]`);
    if (input) input.focus();
  } else {
    const box = form.querySelector('.form-error');
    if (box) notice(box, 'error', err && err.field ? `${err.field}: ${text}` : text);
  }
}

export function fieldError(form, field, text) {
  const slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
  if (!slot) return;
  setText(slot, text);
  slot.hidden = false;
  const input = form.querySelector(`[name="${CSS.escape(field)}"]`);
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    if (slot.id) input.setAttribute('aria-errormessage', slot.id);
  }
}

export function clearFormErrors(form) {
  for (const s of form.querySelectorAll('[data-error-for]')) { setText(s, ''); s.hidden = true; }
  for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  const box = form.querySelector('.form-error');
  if (box) notice(box, 'error', '');
}

// Clears a field's error as soon as the user edits that field.
export function clearErrorsOnInput(form) {
  const handler = (ev) => {
    const name = ev.target && ev.target.name;
    if (!name) return;
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (slot) { setText(slot, ''); slot.hidden = true; }
    for (const i of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) i.removeAttribute('aria-invalid');
  };
  form.addEventListener('input', handler);
  form.addEventListener('change', handler);
}

// Live "n / max" counter for an input; marks it when over the limit.
export function attachCounter(input, counter, max) {
  const update = () => {
    const n = charCount(input.value);
    setText(counter, `${n} / ${max}`);
    counter.classList.toggle('over', n > max);
  };
  input.addEventListener('input', update);
  update();
  return update;
}

export function badge(state) {
  return el('span', { class: `badge state-${state}` }, STATE_LABEL[state] || state);
}

// The spam detector's signals (hold_reason.spam.signals, comma-separated).
const SPAM_SIGNAL = {
  url: t('common.contains_a_web_address'), contact: t('common.contains_wechat_qq_or_similar'), sales: t('common.contains_sales_language'), phone_ad: t('common.phone_number_together_with_sales'),
  stuffing: t('common.heavy_word_repetition'), mismatch: t('common.title_unrelated_to_the_body'), gibberish: t('common.contains_gibberish'), model: t('common.judged_spam_by_the_model'),
  flood: t('common.many_messages_from_one_source'),
};

// "疑似垃圾信息（评分 0.93：含网址、含推销用语）" for a hold reason's spam part.
export function spamText(spam, score) {
  const s = spam && typeof spam === 'object' ? spam : {};
  const v = Number(s.score !== undefined ? s.score : score) || 0;
  const signals = String(s.signals || '').split(',').filter(Boolean).map((x) => SPAM_SIGNAL[x] || x);
  return t('common.suspected_spam_score', v.toFixed(2), signals.length ? t('common.colon') + signals.join(t('common.list_separator')) : '');
}

export function moderationBadge(state) {
  return el('span', { class: `badge mod-${state}` }, MODERATION_LABEL[state] || state);
}

// The site's own settings (GET /api/v1/site): name, footer lines, 留言须知.
// Fetched once per page; pages that need it (the message form) await it.
let siteInfo = null;
export function site() {
  if (!siteInfo) siteInfo = api('GET', '/api/v1/site').catch(() => ({}));
  return siteInfo;
}

export function footer() {
  const host = document.getElementById('site-footer');
  if (!host) return;
  const draw = (s) => {
    clear(host);
    const line = [s.host ? t('common.run_by', s.host) : '', s.contact ? t('common.contact', s.contact) : ''].filter(Boolean).join(t('common.wide_space'));
    const reg = [s.icp, s.psb, s.site_code ? t('common.site_identifier', s.site_code) : ''].filter(Boolean).join(t('common.wide_space'));
    host.append(el('div', { class: 'wrap' },
      el('p', { id: 'site-name' }, s.name && !s.name_is_default ? s.name : t('common.minyi_citizens_platform')),
      line ? el('p', { id: 'site-host' }, line) : null,
      reg ? el('p', { class: 'muted', id: 'site-reg' }, reg) : null,
      el('p', { class: 'muted' }, t('common.a_tracking_code_shows_a'))));
  };
  draw({});
  site().then(draw);
}
