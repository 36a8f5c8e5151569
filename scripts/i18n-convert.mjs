// i18n-convert: moves hard-coded Chinese UI text of web pages into the
// catalogs (web/i18n/zh-CN.json, en.json), rewriting the sources to use them:
// HTML text becomes data-i18n / data-i18n-attr, JS string and template
// literals become t('key', ...). Comments, <script>/<style>, <noscript> and
// lines marked "i18n-ok" (API values such as the message types) are left.
//   node scripts/i18n-convert.mjs --list FILE...        new texts as a JSON {zh: ""} to fill in
//   node scripts/i18n-convert.mjs --apply MAP.json FILE... rewrite FILEs; MAP is {zh: en}
//   node scripts/i18n-convert.mjs --check FILE...       lists any Chinese text left; exit 1 if some
//   node scripts/i18n-convert.mjs --prune FILE...       drops catalog keys none of FILEs (all pages) uses
// A text already in the zh-CN catalog reuses its key; new keys are
// page.slug-of-the-English. Templates' ${...} become {0}, {1}... in both catalogs.
import fs from 'node:fs';
import path from 'node:path';

const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;
const CAT_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'web', 'i18n');

const [mode, ...rest] = process.argv.slice(2);
let map = {};
let files = rest;
if (mode === '--apply') { map = JSON.parse(fs.readFileSync(rest[0], 'utf8')); files = rest.slice(1); }
else if (mode !== '--list' && mode !== '--check' && mode !== '--prune') { console.error('usage: i18n-convert.mjs --list FILE... | --apply MAP.json FILE...'); process.exit(2); }

const zhCat = readCat('zh-CN');
const enCat = readCat('en');
const byZh = new Map();
for (const [k, v] of Object.entries(zhCat)) if (!byZh.has(v) || k.startsWith('common.')) byZh.set(v, k);
const wanted = {};
const missing = new Set();

function readCat(l) {
  try { return JSON.parse(fs.readFileSync(path.join(CAT_DIR, `${l}.json`), 'utf8')); } catch (e) { return {}; }
}

function slug(en) {
  const words = String(en).toLowerCase().replace(/\{\w+\}/g, ' ').replace(/[^a-z0-9]+/g, ' ').trim().split(/\s+/).filter(Boolean);
  return words.slice(0, 5).join('_') || 'text';
}

// The key for a Chinese text in namespace ns, creating it (from MAP) if new.
let current = '';
const left = [];
function keyFor(zh, ns) {
  if (mode === '--check') { left.push(`${current}: ${JSON.stringify(zh)}`); return null; }
  if (byZh.has(zh)) return byZh.get(zh);
  if (mode === '--list' || !(zh in map) || !map[zh]) { wanted[zh] = map[zh] || ''; missing.add(zh); return null; }
  const base = `${ns}.${slug(map[zh])}`;
  let k = base;
  for (let n = 2; k in zhCat; n++) k = `${base}_${n}`;
  zhCat[k] = zh;
  enCat[k] = map[zh];
  byZh.set(zh, k);
  return k;
}

// ---------- JS ----------

function lineAt(src, i) {
  const a = src.lastIndexOf('\n', i - 1) + 1;
  const b = src.indexOf('\n', i);
  return src.slice(a, b < 0 ? src.length : b);
}

function readQuoted(src, i) {       // src[i] is the quote; returns index after the closing one
  const q = src[i];
  let j = i + 1;
  while (j < src.length && src[j] !== q) { if (src[j] === '\\') j++; j++; }
  return j + 1;
}

function regexAllowed(src, i) {
  let j = i - 1;
  while (j >= 0 && /\s/.test(src[j])) j--;
  if (j < 0) return true;
  if (/[(,=:[!&|?{};+\-*%<>~^]/.test(src[j])) return true;
  const word = /([A-Za-z_$]+)$/.exec(src.slice(Math.max(0, j - 10), j + 1));
  return !!word && ['return', 'typeof', 'case', 'of', 'in', 'else'].includes(word[1]);
}

function readRegex(src, i) {
  let j = i + 1;
  let cls = false;
  while (j < src.length) {
    const c = src[j];
    if (c === '\\') { j += 2; continue; }
    if (c === '[') cls = true; else if (c === ']') cls = false;
    else if (c === '/' && !cls) break;
    j++;
  }
  j++;
  while (/[a-z]/.test(src[j] || '')) j++;
  return j;
}

// Reads a template literal at i; returns {end, quasis, exprs} (exprs as source).
function readTemplate(src, i) {
  const quasis = [];
  const exprs = [];
  let j = i + 1;
  let cur = '';
  while (j < src.length) {
    const c = src[j];
    if (c === '\\') { cur += src.slice(j, j + 2); j += 2; continue; }
    if (c === '`') { quasis.push(cur); return { end: j + 1, quasis, exprs }; }
    if (c === '$' && src[j + 1] === '{') {
      quasis.push(cur); cur = '';
      const e = skipCode(src, j + 2, '}');
      exprs.push(src.slice(j + 2, e));
      j = e + 1;
      continue;
    }
    cur += c; j++;
  }
  throw new Error(`unterminated template at ${i}`);
}

// Skips code from i to the unmatched closer; returns its index.
function skipCode(src, i, closer) {
  let depth = 0;
  let j = i;
  while (j < src.length) {
    const c = src[j];
    if (c === '/' && src[j + 1] === '/') { j = src.indexOf('\n', j); if (j < 0) return src.length; continue; }
    if (c === '/' && src[j + 1] === '*') { j = src.indexOf('*/', j) + 2; continue; }
    if (c === '\'' || c === '"') { j = readQuoted(src, j); continue; }
    if (c === '`') { j = readTemplate(src, j).end; continue; }
    if (c === '/' && regexAllowed(src, j)) { j = readRegex(src, j); continue; }
    if (c === '{' || c === '(' || c === '[') depth++;
    if (c === '}' || c === ')' || c === ']') { if (depth === 0 && c === closer) return j; depth--; }
    j++;
  }
  return j;
}

const unescapeJs = (raw, q) => Function(`"use strict"; return ${q}${raw}${q};`)();
const lit = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, '\\\'')}'`;

function rewriteJs(src, ns) {
  let out = '';
  let j = 0;
  while (j < src.length) {
    const c = src[j];
    if (c === '/' && src[j + 1] === '/') { const e = src.indexOf('\n', j); const end = e < 0 ? src.length : e; out += src.slice(j, end); j = end; continue; }
    if (c === '/' && src[j + 1] === '*') { const e = src.indexOf('*/', j) + 2; out += src.slice(j, e); j = e; continue; }
    if (c === '\'' || c === '"') {
      const e = readQuoted(src, j);
      const val = unescapeJs(src.slice(j + 1, e - 1), c);
      const k = CJK.test(val) && !/i18n-ok/.test(lineAt(src, j)) ? keyFor(val, ns) : null;
      out += k ? `t(${lit(k)})` : src.slice(j, e);
      j = e; continue;
    }
    if (c === '`') {
      const tpl = readTemplate(src, j);
      const exprs = tpl.exprs.map((x) => rewriteJs(x, ns));
      const cooked = tpl.quasis.map((q) => unescapeJs(q, '`'));
      if (cooked.some((q) => CJK.test(q)) && !/i18n-ok/.test(lineAt(src, j))) {
        let zh = cooked[0];
        for (let n = 0; n < exprs.length; n++) zh += `{${n}}${cooked[n + 1]}`;
        const k = keyFor(zh, ns);
        out += k ? `t(${[lit(k), ...exprs].join(', ')})` : src.slice(j, tpl.end);
      } else {
        let s = '`' + tpl.quasis[0];
        for (let n = 0; n < exprs.length; n++) s += '${' + exprs[n] + '}' + tpl.quasis[n + 1];
        out += s + '`';
      }
      j = tpl.end; continue;
    }
    if (c === '/' && regexAllowed(src, j)) { const e = readRegex(src, j); out += src.slice(j, e); j = e; continue; }
    out += c; j++;
  }
  return out;
}

function ensureImport(src) {
  if (!/\bt\(/.test(src) || /import\s*\{[^}]*\bt\b[^}]*\}\s*from\s*'\.\/i18n\.js'/.test(src)) return src;
  const m = /^import .*$/m.exec(src);
  const line = "import { t } from './i18n.js';\n";
  if (m) return src.slice(0, m.index) + line + src.slice(m.index);
  const body = /^(?!\/\/).*$/m.exec(src);
  return src.slice(0, body.index) + line + src.slice(body.index);
}

// ---------- HTML ----------

const ENT = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&nbsp;': '\u00a0', '&#39;': '\'' };
const decode = (s) => s.replace(/&(amp|lt|gt|quot|nbsp|#39);/g, (m) => ENT[m]);
const ATTRS = ['placeholder', 'aria-label', 'title', 'alt', 'content', 'data-label'];

function rewriteTag(tag, ns) {
  const add = [];
  let t = tag;
  // A value attribute is data the API receives (a message type), not UI text.
  if (mode === '--check') for (const m of tag.matchAll(/\s([\w-]+)="([^"]*)"/g)) if (m[1] !== 'value' && !ATTRS.includes(m[1]) && CJK.test(m[2])) keyFor(m[2], ns);
  for (const a of ATTRS) {
    const re = new RegExp(`\\s${a}="([^"]*)"`);
    const m = re.exec(t);
    if (!m || !CJK.test(m[1])) continue;
    const k = keyFor(decode(m[1]), ns);
    if (!k) continue;
    t = t.slice(0, m.index) + t.slice(m.index + m[0].length);
    add.push(`${a}:${k}`);
  }
  if (!add.length) return t;
  return t.replace(/\s*(\/?)>$/, (m, slash) => ` data-i18n-attr="${add.join(';')}"${slash}>`);
}

function rewriteHtml(src, ns) {
  const tokens = src.split(/(<!--[\s\S]*?-->|<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>|<noscript[\s\S]*?<\/noscript>|<[^>]+>)/);
  for (let n = 0; n < tokens.length; n++) {
    const tok = tokens[n];
    if (!tok) continue;
    if (tok.startsWith('<!--') || tok.startsWith('<script') || tok.startsWith('<style') || tok.startsWith('<noscript')) continue;
    if (tok.startsWith('<')) { if (!tok.startsWith('</')) tokens[n] = rewriteTag(tok, ns); continue; }
    if (!CJK.test(tok)) continue;
    const lead = /^\s*/.exec(tok)[0];
    const trail = /\s*$/.exec(tok)[0];
    const text = decode(tok.trim());
    const k = keyFor(text, ns);
    if (!k) continue;
    // Sole child of its element: the element carries the key; otherwise a span.
    const prev = n >= 2 && tokens[n - 1];
    const next = tokens[n + 1];
    const open = prev && /^<([a-zA-Z0-9]+)[\s>]/.exec(prev);
    if (open && next && next.toLowerCase() === `</${open[1].toLowerCase()}>` && !/data-i18n=/.test(prev)) {
      tokens[n - 1] = prev.replace(/\s*>$/, ` data-i18n="${k}">`);
      tokens[n] = '';
    } else {
      tokens[n] = `${lead}<span data-i18n="${k}"></span>${trail}`;
    }
  }
  return tokens.join('');
}

if (mode === '--prune') {
  const all = files.map((f) => fs.readFileSync(f, 'utf8')).join('\n');
  for (const k of Object.keys(zhCat)) {
    if (all.includes(`'${k}'`) || all.includes(`"${k}"`) || all.includes(`:${k};`) || all.includes(`:${k}"`)) continue;
    delete zhCat[k];
    delete enCat[k];
    console.log(`dropped ${k}`);
  }
}
for (const f of mode === '--prune' ? [] : files) {
  current = f;
  const src = fs.readFileSync(f, 'utf8');
  const base = path.basename(f).replace(/\.(html|js)$/, '');
  const ns = base === 'index' ? 'home' : base;
  const out = f.endsWith('.html') ? rewriteHtml(src, ns) : ensureImport(rewriteJs(src, ns));
  if (mode === '--apply' && out !== src) fs.writeFileSync(f, out);
}

const sorted = (o) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
if (mode === '--apply' || mode === '--prune') {
  fs.mkdirSync(CAT_DIR, { recursive: true });
  fs.writeFileSync(path.join(CAT_DIR, 'zh-CN.json'), JSON.stringify(sorted(zhCat), null, 1) + '\n');
  fs.writeFileSync(path.join(CAT_DIR, 'en.json'), JSON.stringify(sorted(enCat), null, 1) + '\n');
  if (missing.size) console.error(`${missing.size} texts had no English in the map and were left as they were`);
} else if (mode === '--check') {
  for (const l of left) console.log(l);
  process.exit(left.length ? 1 : 0);
} else {
  console.log(JSON.stringify(wanted, null, 1));
}
