// Checker of the web pages' languages (web/i18n/, docs/i18n.md): both
// catalogs have the same keys with the same {placeholders}; every key the
// pages use (data-i18n, data-i18n-attr, t('...')) is in both; every catalog
// key is used; the English catalog holds no Chinese; and no Chinese text is
// left hard-coded in web/ (scripts/i18n-convert.mjs --check: comments,
// <noscript>, value="" attributes and lines marked i18n-ok excepted).
import { readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const WEB = join(ROOT, 'web');
let passed = 0;
let failed = 0;
function test(name, fn) {
  try { fn(); passed++; console.log(`ok   i18n: ${name}`); } catch (e) { failed++; console.log(`FAIL i18n: ${name}: ${e.message}`); }
}
function check(cond, msg) { if (!cond) throw new Error(msg); }
const list = (xs, n = 8) => xs.slice(0, n).join(', ') + (xs.length > n ? ` and ${xs.length - n} more` : '');

const zh = JSON.parse(readFileSync(join(WEB, 'i18n/zh-CN.json'), 'utf8'));
const en = JSON.parse(readFileSync(join(WEB, 'i18n/en.json'), 'utf8'));
const files = [
  ...readdirSync(WEB).filter((f) => f.endsWith('.html')).map((f) => join(WEB, f)),
  ...readdirSync(join(WEB, 'js')).filter((f) => f.endsWith('.js')).map((f) => join(WEB, 'js', f)),
];
const src = Object.fromEntries(files.map((f) => [f, readFileSync(f, 'utf8')]));
const CJK = /[\u3400-\u9fff]/;
const holes = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');

test('both catalogs have the same keys', () => {
  const onlyZh = Object.keys(zh).filter((k) => !(k in en));
  const onlyEn = Object.keys(en).filter((k) => !(k in zh));
  check(!onlyZh.length, `missing in en.json: ${list(onlyZh)}`);
  check(!onlyEn.length, `missing in zh-CN.json: ${list(onlyEn)}`);
  check(Object.keys(zh).length > 500, `only ${Object.keys(zh).length} keys: the catalogs were not read`);
});

test('each text has the same {placeholders} in both languages', () => {
  const bad = Object.keys(zh).filter((k) => k in en && holes(zh[k]) !== holes(en[k]));
  check(!bad.length, list(bad));
});

test('the English catalog holds no Chinese and no empty text where Chinese has words', () => {
  const cjk = Object.keys(en).filter((k) => CJK.test(en[k]));
  check(!cjk.length, `Chinese in en.json: ${list(cjk)}`);
  const empty = Object.keys(en).filter((k) => !String(en[k]).trim() && CJK.test(zh[k] || '') && !/_after$/.test(k));
  check(!empty.length, `empty in en.json: ${list(empty)}`);
});

const used = new Map();   // key -> first file using it
function use(k, f) { if (!used.has(k)) used.set(k, f); }
for (const [f, s] of Object.entries(src)) {
  if (f.endsWith('/i18n.js')) continue;   // the mechanism: its comments show the syntax
  for (const m of s.matchAll(/data-i18n="([^"]*)"/g)) use(m[1], f);
  for (const m of s.matchAll(/data-i18n-attr="([^"]*)"/g)) for (const p of m[1].split(';')) use(p.slice(p.indexOf(':') + 1).trim(), f);
  for (const m of s.matchAll(/\bt\(\s*'([^']+)'/g)) use(m[1], f);
  for (const m of s.matchAll(/\bi18n\s*:\s*'([^']+)'/g)) use(m[1], f);
}

test('every key the pages use is in both catalogs', () => {
  const missing = [...used].filter(([k]) => !(k in zh) || !(k in en)).map(([k, f]) => `${k} (${f.slice(ROOT.length + 1)})`);
  check(used.size > 500, `only ${used.size} keys found in the pages`);
  check(!missing.length, list(missing));
});

test('every catalog key is used by some page', () => {
  const all = Object.values(src).join('\n');
  const unused = Object.keys(zh).filter((k) => !used.has(k) && !all.includes(`'${k}'`));
  check(!unused.length, list(unused));
});

test('no Chinese text is hard-coded in web/ outside the zh-CN catalog', () => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/i18n-convert.mjs'), '--check', ...files], { encoding: 'utf8' });
  check(r.status === 0, `left in the pages (move them with scripts/i18n-convert.mjs): ${list(r.stdout.trim().split('\n'))}${r.stderr}`);
  // The checker itself sees a planted text (it could otherwise pass by reading nothing).
  const probe = spawnSync(process.execPath, [join(ROOT, 'scripts/i18n-convert.mjs'), '--check', join(ROOT, 'tests/web/probe.html')], { encoding: 'utf8' });
  check(probe.status === 1 && probe.stdout.includes('\u63d0\u4ea4'), `the checker missed the probe's text: ${probe.stdout}`);
});

test('every page loads the language module (directly or through common.js)', () => {
  const pages = files.filter((f) => f.endsWith('.html'));
  const bad = pages.filter((f) => {
    const m = /<script type="module" src="\/js\/([\w-]+\.js)"/.exec(src[f]);
    if (!m) return true;
    const js = src[join(WEB, 'js', m[1])] || '';
    return !/from '\.\/(i18n|common)\.js'/.test(js);
  });
  check(!bad.length, list(bad.map((f) => f.slice(ROOT.length + 1))));
});

test('every API error carries a machine-readable code, and each code has a text in the pages', () => {
  const dirs = ['src/app', 'src/http'].map((d) => join(ROOT, d));
  const c = dirs.flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.c')).map((f) => readFileSync(join(d, f), 'utf8'))).join('\n');
  const calls = [...c.matchAll(/http_error\([^,]+,\s*\d+,\s*([^,]+),/g)].map((m) => m[1].trim());
  check(calls.length > 100, `only ${calls.length} http_error calls found`);
  const bad = calls.filter((x) => x === 'NULL' || x === '""');
  check(!bad.length, `${bad.length} errors without a code`);
  const codes = [...new Set(calls.flatMap((x) => [...x.matchAll(/"([a-z_0-9]+)"/g)].map((m) => m[1])))];
  const common = src[join(WEB, 'js/common.js')];
  const table = common.slice(common.indexOf('const ERROR_TEXT'), common.indexOf('};', common.indexOf('const ERROR_TEXT')));
  const untexted = codes.filter((k) => !new RegExp(`\\b${k}:`).test(table));
  check(!untexted.length, `codes without a text in ERROR_TEXT (web/js/common.js): ${list(untexted)}`);
});

const { pickLang, matchLang } = await import(join(WEB, 'js/lang.js'));
test('the language: a remembered choice, else the browser\'s preference order, else Chinese', () => {
  const cases = [
    [null, ['en-GB', 'zh-CN'], 'en'], [null, ['zh-TW', 'en'], 'zh-CN'], [null, ['fr-FR', 'de', 'en-US'], 'en'],
    [null, ['fr-FR'], 'zh-CN'], [null, [], 'zh-CN'], [null, undefined, 'zh-CN'], ['en', ['zh-CN'], 'en'],
    ['zh-CN', ['en-US'], 'zh-CN'], ['klingon', ['en'], 'en'], ['', ['EN'], 'en'], [' zh ', [], 'zh-CN'],
  ];
  for (const [stored, prefs, want] of cases) {
    const got = pickLang(stored, prefs);
    check(got === want, `pickLang(${JSON.stringify(stored)}, ${JSON.stringify(prefs)}) = ${got}, want ${want}`);
  }
  check(matchLang('english') === null && matchLang('enx') === null && matchLang('zhx') === null, 'a tag that only starts like a language matched');
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
