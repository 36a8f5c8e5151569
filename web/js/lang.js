// The languages the pages speak and how one is chosen (no DOM, so
// tests/web/i18n.test.mjs runs it in Node). Used by i18n.js.

export const LANGS = ['zh-CN', 'en'];
export const DEFAULT_LANG = 'zh-CN';

// The supported language for a tag such as "en-GB", "zh", "zh-Hans-CN"; null
// for one we do not have.
export function matchLang(tag) {
  const t = String(tag || '').trim().toLowerCase();
  if (!t) return null;
  if (t === 'en' || t.startsWith('en-')) return 'en';
  if (t === 'zh' || t.startsWith('zh-')) return 'zh-CN';
  return null;
}

// The language to use: a remembered choice first, then the browser's list in
// its order of preference, then the default.
export function pickLang(stored, preferred) {
  const s = matchLang(stored);
  if (s) return s;
  for (const p of preferred || []) {
    const m = matchLang(p);
    if (m) return m;
  }
  return DEFAULT_LANG;
}
