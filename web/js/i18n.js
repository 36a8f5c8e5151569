// Languages of the web pages: zh-CN (default) and en. Every UI string lives
// in web/i18n/<lang>.json; pages mark static text with data-i18n="key" (the
// element's text) and data-i18n-attr="attr:key;attr:key" (placeholder,
// aria-label, title...), and scripts call t(key, ...args). Design notes:
// docs/i18n.md.
//
// The language is chosen here, in the browser, before any page script runs
// (this module's top-level await holds every importer until the catalog is
// loaded): the visitor's remembered choice (localStorage, mirrored in the
// minyi_lang cookie), else the first of navigator.languages we support,
// which the browser builds from the same preference list it sends as
// Accept-Language. The pages are static files, so the client choosing keeps
// them cacheable by anyone (no Vary: Accept-Language on every page).

import { LANGS, DEFAULT_LANG, matchLang, pickLang } from './lang.js';

export { LANGS, DEFAULT_LANG, matchLang, pickLang };
const STORE_KEY = 'minyi.lang';
const COOKIE = 'minyi_lang';

function storedLang() {
  try {
    const s = localStorage.getItem(STORE_KEY);
    if (s) return s;
  } catch (e) { /* storage disabled: fall back to the cookie */ }
  const m = /(?:^|;\s*)minyi_lang=([^;]*)/.exec(document.cookie || '');
  return m ? decodeURIComponent(m[1]) : null;
}

function browserLangs() {
  if (Array.isArray(navigator.languages) && navigator.languages.length) return navigator.languages;
  return navigator.language ? [navigator.language] : [];
}

export const lang = pickLang(storedLang(), browserLangs());

async function loadCatalog(l) {
  try {
    const res = await fetch(`/i18n/${l}.json`, { credentials: 'same-origin' });
    if (res.ok) return await res.json();
  } catch (e) { /* shown as keys below: a missing catalog must not stop the page */ }
  return {};
}

const catalog = await loadCatalog(lang);

// The text of key in the current language, with {0}, {1}... replaced by the
// arguments (and {name} by the fields of an object argument). A key missing
// from the catalog shows as itself, so the checker test and a reader both see it.
export function t(key, ...args) {
  const s = Object.prototype.hasOwnProperty.call(catalog, key) ? catalog[key] : key;
  if (!args.length) return s;
  const named = args.length === 1 && args[0] && typeof args[0] === 'object' ? args[0] : null;
  return s.replace(/\{(\w+)\}/g, (m, k) => {
    const v = named ? named[k] : args[Number(k)];
    return v === undefined || v === null ? '' : String(v);
  });
}

// Whether the catalog has key (for labels of values that may be new).
export function has(key) {
  return Object.prototype.hasOwnProperty.call(catalog, key);
}

// Translates the marked static text under root (the document by default).
export function apply(root = document) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.getAttribute('data-i18n'));
  for (const node of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of node.getAttribute('data-i18n-attr').split(';')) {
      const k = pair.indexOf(':');
      if (k > 0) node.setAttribute(pair.slice(0, k).trim(), t(pair.slice(k + 1).trim()));
    }
  }
}

// Remembers the visitor's choice (localStorage, and a cookie for a year so
// the server could see it too) and redraws the page in that language.
export function setLang(l) {
  const m = matchLang(l) || DEFAULT_LANG;
  try { localStorage.setItem(STORE_KEY, m); } catch (e) { /* cookie only */ }
  document.cookie = `${COOKIE}=${encodeURIComponent(m)}; path=/; max-age=31536000; SameSite=Lax`;
  location.reload();
}

// A button offering the other language, labelled in that language.
export function langSwitch() {
  const other = lang === 'en' ? 'zh-CN' : 'en';
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'btn btn-ghost lang-switch';
  b.id = 'lang-switch';
  b.lang = other;
  b.textContent = other === 'en' ? 'English' : '\u4e2d\u6587';   // i18n-ok: each language named in itself
  b.setAttribute('aria-label', t('common.switch_language'));
  b.addEventListener('click', () => setLang(other));
  return b;
}

// Dates and numbers in the page's language.
const dateTime = new Intl.DateTimeFormat(lang, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
const dateOnly = new Intl.DateTimeFormat(lang, { year: 'numeric', month: '2-digit', day: '2-digit' });
const number = new Intl.NumberFormat(lang);

function toDate(s) {
  if (s instanceof Date) return s;
  // "YYYY-MM-DD" alone is a calendar day, not UTC midnight.
  if (typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s)) return new Date(`${s}T00:00:00`);
  return new Date(s);
}

// Chinese pages keep the numeric YYYY-MM-DD HH:mm of GB/T 7408 (what the
// officials' tables and exports use); other languages take Intl's own order.
function numeric(fmt, d, withTime) {
  const p = Object.fromEntries(fmt.formatToParts(d).map((x) => [x.type, x.value]));
  const day = `${p.year}-${p.month}-${p.day}`;
  return withTime ? `${day} ${p.hour === '24' ? '00' : p.hour}:${p.minute}` : day;
}

export function fmtDateTime(s) {
  if (!s) return '';
  const d = toDate(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return lang === 'zh-CN' ? numeric(dateTime, d, true) : dateTime.format(d);
}

export function fmtDate(s) {
  if (!s) return '';
  const d = toDate(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return lang === 'zh-CN' ? numeric(dateOnly, d, false) : dateOnly.format(d);
}

export function fmtNumber(x) {
  const n = Number(x);
  return x === null || x === undefined || Number.isNaN(n) ? '' : number.format(n);
}

document.documentElement.lang = lang;
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => apply());
else apply();
