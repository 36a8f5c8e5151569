// Message search for officials: GET /api/v1/search (docs/api.md), 20 a
// page, best matches first. Every official role may search; a handler's
// results are their own department's messages. The query and page live in
// the URL (?q=..&offset=..), so a search can be bookmarked, shared and
// walked back with the browser's back button.
//
// The server marks each match in `snippet` with U+0002 (open) and U+0003
// (close); they become <mark> elements holding text nodes, never HTML.
import { t } from './i18n.js';
import {
  api, el, clear, setText, notice, errorText, requireOfficial, footer, param, badge, fmtTime, charCount,
  fieldError, clearFormErrors, clearErrorsOnInput,
} from './common.js';

footer();

const PAGE = 20;
const MAX_Q = 200;   // characters, as the server counts them
const OPEN = '\u0002';
const CLOSE = '\u0003';
const ELLIPSIS = '…';   // what the server puts where it cut the text
const ALNUM = /^[a-z0-9]$/;

const form = document.getElementById('search-form');
const input = document.getElementById('q');
const host = document.getElementById('results');
const noticeBox = document.getElementById('notice');
const summary = document.getElementById('summary');
const pager = document.getElementById('pager');

let q = '';
let offset = 0;
let seq = 0;   // answers to older requests are dropped

const Q_ERROR = {
  missing: t('search.please_enter_search_terms'),
  too_long: t('search.search_terms_can_have_at', MAX_Q),
  invalid: t('search.nothing_in_the_search_terms'),
};

// ---------- snippets ----------

// The snippet as [{text, hit}] runs; a match that closes and at once opens
// again (one per character) is one run. Unbalanced markers are tolerated:
// an unclosed match runs to the end, a stray close is dropped.
function snippetRuns(s) {
  const runs = [];
  let hit = false;
  let buf = '';
  const push = () => {
    if (!buf) return;
    const last = runs[runs.length - 1];
    if (last && last.hit === hit) last.text += buf; else runs.push({ text: buf, hit });
    buf = '';
  };
  for (const ch of String(s == null ? '' : s)) {
    if (ch === OPEN || ch === CLOSE) {
      push();
      hit = ch === OPEN;
    } else {
      buf += ch;
    }
  }
  push();
  return runs;
}

function runsInto(node, runs) {
  for (const r of runs) {
    node.appendChild(r.hit ? el('mark', { class: 'hit' }, r.text) : document.createTextNode(r.text));
  }
  return node;
}

// The snippet without the server's ellipses at its ends (for finding it in
// the title); returns null when nothing is left.
function trimRuns(runs) {
  const out = runs.map((r) => ({ ...r }));
  if (out.length && !out[0].hit && out[0].text.startsWith(ELLIPSIS)) out[0].text = out[0].text.slice(ELLIPSIS.length);
  const last = out[out.length - 1];
  if (last && !last.hit && last.text.endsWith(ELLIPSIS)) last.text = last.text.slice(0, -ELLIPSIS.length);
  const kept = out.filter((r) => r.text);
  return kept.length ? kept : null;
}

// The title as runs with the query's terms marked. The server sends no
// highlight for the title when it took the snippet from the body, so the
// terms are found here the way the server matches them: where their
// characters stand together (Latin letters and digits as whole runs),
// regardless of case and width (NFKC + lower case, one character at a
// time so indices map back).
function titleRuns(title, query) {
  const terms = query.split(/\s+/).filter((t) => /[\p{L}\p{N}]/u.test(t))
    .map((t) => t.normalize('NFKC').toLowerCase());
  let folded = '';
  const from = [];   // folded index -> [start, end) in title
  let i = 0;
  for (const ch of title) {
    const f = ch.normalize('NFKC').toLowerCase();
    for (let k = 0; k < f.length; k++) from.push([i, i + ch.length]);
    folded += f;
    i += ch.length;
  }
  const hits = [];
  for (const t of terms) {
    for (let k = folded.indexOf(t); k >= 0 && t; k = folded.indexOf(t, k + 1)) {
      // A run of Latin letters and digits is one word to the server: "a"
      // does not match inside "a3".
      if (ALNUM.test(t[0]) && ALNUM.test(folded[k - 1] || '')) continue;
      if (ALNUM.test(t[t.length - 1]) && ALNUM.test(folded[k + t.length] || '')) continue;
      hits.push([from[k][0], from[k + t.length - 1][1]]);
    }
  }
  hits.sort((a, b) => a[0] - b[0]);
  const runs = [];
  let pos = 0;
  for (const [a, b] of hits) {
    if (b <= pos) continue;
    const start = Math.max(a, pos);
    if (start > pos) runs.push({ text: title.slice(pos, start), hit: false });
    const last = runs[runs.length - 1];
    if (last && last.hit && start === pos) last.text += title.slice(start, b);
    else runs.push({ text: title.slice(start, b), hit: true });
    pos = b;
  }
  if (pos < title.length) runs.push({ text: title.slice(pos), hit: false });
  return runs;
}

// Title and snippet nodes of one result. When the server took the snippet
// from the title, the title itself carries the server's highlight and no
// snippet line repeats it.
function titleAndSnippet(m) {
  const title = String(m.title == null ? '' : m.title);
  const runs = snippetRuns(m.snippet);
  const core = trimRuns(runs);
  if (core && core.some((r) => r.hit)) {
    const plain = core.map((r) => r.text).join('');
    const k = title.indexOf(plain);
    if (k >= 0) {
      const t = document.createDocumentFragment();
      if (k > 0) t.append(title.slice(0, k));
      runsInto(t, core);
      if (k + plain.length < title.length) t.append(title.slice(k + plain.length));
      return { title: t, snippet: null };
    }
  }
  return {
    title: runsInto(document.createDocumentFragment(), titleRuns(title, q)),
    snippet: runs.length ? runsInto(el('p', { class: 'snippet' }), runs) : null,
  };
}

// ---------- results ----------

function result(m) {
  const href = `/message.html?id=${encodeURIComponent(m.id)}`;
  const { title, snippet } = titleAndSnippet(m);
  return el('li', { class: 'result', 'data-id': String(m.id) },
    el('h2', { class: 'result-title' }, el('a', { href }, title)),
    snippet,
    el('p', { class: 'meta' },
      badge(m.state),
      el('span', { class: 'dept' }, m.department || t('common.to_be_routed')),
      el('time', { datetime: m.created_at || null }, fmtTime(m.created_at)),
      el('span', { class: 'ids' }, t('search.no', m.id), el('span', { class: 'code' }, t('common.tracking_code_3', m.tracking_code || '')))));
}

function syncUrl(push) {
  const u = new URLSearchParams();
  if (q) u.set('q', q);
  if (offset) u.set('offset', String(offset));
  const s = u.toString();
  const url = `${location.pathname}${s ? '?' + s : ''}`;
  if (url === location.pathname + location.search) return;
  if (push) history.pushState(null, '', url); else history.replaceState(null, '', url);
}

function showQError(code) {
  fieldError(form, 'q', Q_ERROR[code] || Q_ERROR.invalid);
  input.focus();
}

function reset() {
  clear(host);
  setText(summary, '');
  pager.hidden = true;
  document.title = t('search.search_messages_minyi');
}

async function load() {
  const my = ++seq;
  notice(noticeBox, 'error', '');
  clearFormErrors(form);
  if (!q) { reset(); return; }
  host.setAttribute('aria-busy', 'true');
  document.title = t('search.search_messages_minyi_2', q);
  const params = new URLSearchParams({ q, limit: String(PAGE), offset: String(offset) });
  try {
    const data = await api('GET', `/api/v1/search?${params}`);
    if (my !== seq) return;
    const list = Array.isArray(data.results) ? data.results : [];
    const total = Number(data.total) || 0;
    if (!list.length && total > 0 && offset > 0) {
      // Past the last page (a stale link): show the first.
      offset = 0;
      syncUrl(false);
      load();
      return;
    }
    clear(host);
    if (!list.length) {
      setText(summary, '');
      host.append(el('p', { class: 'empty' }, t('search.no_message_contains', q)));
    } else {
      /* Broad queries get an estimate, newest first (docs/api.md). */
      /* Broad queries: an estimate, the newest matches ranked (docs/api.md). */
      const count = data.total_approx ? t('search.about_matching_messages_ranked', total, data.window) : t('search.matching_messages', total);
      setText(summary, total > list.length
        ? t('search.found_showing', count, offset + 1, offset + list.length)
        : t('search.found', count));
      host.append(el('ol', { class: 'result-list', id: 'result-list', start: String(offset + 1) }, list.map(result)));
    }
    const shown = Math.min(total, Number(data.window ?? total));   /* pages end at the ranked window */
    pager.hidden = shown <= PAGE;
    document.getElementById('prev').disabled = offset <= 0;
    document.getElementById('next').disabled = offset + list.length >= shown;
    setText(document.getElementById('page-info'),
      t('common.page_of', Math.floor(offset / PAGE) + 1, Math.max(1, Math.ceil(shown / PAGE))));
  } catch (e) {
    if (my !== seq || e.redirecting) return;
    reset();
    if (e.status === 422 && e.field === 'q') showQError(e.code);
    else notice(noticeBox, 'error', t('search.search_failed', errorText(e)));
  } finally {
    if (my === seq) host.setAttribute('aria-busy', 'false');
  }
}

function fromUrl() {
  q = (param('q') || '').trim();
  offset = Math.max(0, parseInt(param('offset') || '0', 10) || 0);
  input.value = q;
}

function scope(user) {
  const box = document.getElementById('search-scope');
  if (user.role === 'handler') {
    setText(box, t('search.searching_messages_of_your_department', user.department ? t('common.parenthesized', user.department) : ''));
  } else {
    setText(box, t('search.searching_messages_of_all_departments'));
  }
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  clearFormErrors(form);
  const v = input.value.trim();
  if (!v) { showQError('missing'); return; }
  if (charCount(v) > MAX_Q) { showQError('too_long'); return; }
  q = v;
  offset = 0;
  syncUrl(true);
  load();
});
clearErrorsOnInput(form);

function page(newOffset) {
  offset = Math.max(0, newOffset);
  syncUrl(true);
  load().then(() => summary.scrollIntoView({ block: 'nearest' }));
}
document.getElementById('prev').addEventListener('click', () => page(offset - PAGE));
document.getElementById('next').addEventListener('click', () => page(offset + PAGE));
window.addEventListener('popstate', () => { fromUrl(); load(); });

fromUrl();
requireOfficial()
  .then((user) => {
    scope(user);
    if (!q) input.focus();
    return load();
  })
  .catch((e) => { if (!e.redirecting) notice(noticeBox, 'error', errorText(e)); });
