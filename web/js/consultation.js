// Consultation page: the consultation's text and the citizen's message form.
// Limits mirror docs/api.md; the server checks them again and its errors are
// shown next to the field named in error.field.
import {
  api, el, clear, setText, errorText, renderHeader, footer, param, paragraphs,
  attachCounter, charCount, showFormError, fieldError, clearFormErrors, clearErrorsOnInput, TYPES, KIND_LABEL, fmtTime, site,
} from './common.js';

renderHeader(null);
footer();

const LIMITS = { title: 100, body: 5000, region: 50 };
// As the server (src/app/validate.c): digits, spaces, + - ( ); <= 20 characters, >= 5 digits.
const PHONE_RE = /^[0-9 +\-()]{1,20}$/;

const id = param('id');
const box = document.getElementById('consultation');
const formSection = document.getElementById('form-section');
const form = document.getElementById('message-form');
const done = document.getElementById('done');

function typeChoices() {
  const row = document.getElementById('type-choices');
  clear(row);
  TYPES.forEach((t, i) => {
    row.append(el('label', { class: 'choice' },
      el('input', { type: 'radio', name: 'type', value: t, checked: i === 0, id: `type-${i}` }),
      el('span', null, t)));
  });
}

// Is the consultation taking messages now (as the server decides it:
// status open, and now within opens_at .. closes_at when they are set)?
function openState(c) {
  const now = Date.now();
  if (c.status === 'closed') return { open: false, why: '本次征集已结束，不再接收新的留言。' };
  if (c.opens_at && now < Date.parse(c.opens_at)) return { open: false, why: `本次征集将于 ${fmtTime(c.opens_at)} 开始，届时欢迎参与。`, soon: true };
  if (c.closes_at && now >= Date.parse(c.closes_at)) return { open: false, why: `本次征集已于 ${fmtTime(c.closes_at)} 结束，不再接收新的留言。` };
  return { open: true };
}

// The section the form comments on (0 = the whole draft).
let section = 0;
const sectionTitles = {};

function chooseSection(no) {
  section = no;
  const label = document.getElementById('section-choice');
  if (label) setText(label, no ? `针对：第 ${no} 部分 ${sectionTitles[no] || ''}` : '针对：征求意见稿全文');
  document.getElementById('section-clear').hidden = !no;
  if (no) { formSection.scrollIntoView({ block: 'start' }); document.getElementById('f-title').focus(); }
}

function renderSections(c, open) {
  if (!c.sections || !c.sections.length) return null;
  const list = el('ol', { class: 'draft-sections' });
  for (const s of c.sections) {
    sectionTitles[s.no] = s.title;
    const btn = open ? el('button', { type: 'button', class: 'btn btn-sm', 'data-section': s.no }, '对本部分提意见') : null;
    if (btn) btn.addEventListener('click', () => chooseSection(s.no));
    list.append(el('li', { class: 'draft-section', id: `section-${s.no}` },
      el('h3', null, `${s.no}. ${s.title}`),
      el('div', { class: 'doc-body' }, paragraphs(s.text)),
      el('div', { class: 'meta' }, el('span', { class: 'section-count' }, `已有意见 ${Number(s.comment_count) || 0} 条`), btn)));
  }
  return el('section', { class: 'draft', 'aria-label': '征求意见稿' }, el('h2', null, '征求意见稿'), list);
}

function renderConsultation(c) {
  clear(box);
  const kind = c.kind === 'board' ? 'board' : 'consultation';
  const state = openState(c);
  const open = state.open;
  document.title = `${c.title} · 民意`;
  setText(document.getElementById('crumb'), c.title);
  box.append(
    el('header', { class: 'doc-head' },
      el('h1', null, c.title),
      el('div', { class: 'meta' },
        el('span', { class: 'badge kind' }, KIND_LABEL[kind]),
        el('span', { class: `badge ${open ? 'open' : 'closed'}` }, open ? '征集中' : state.soon ? '未开始' : '已结束'),
        c.created_at ? el('span', null, `发布于 ${fmtTime(c.created_at).slice(0, 10)}`) : null,
        c.opens_at || c.closes_at ? el('span', { id: 'period' }, `征集时间 ${c.opens_at ? fmtTime(c.opens_at) : '即日'} 至 ${c.closes_at ? fmtTime(c.closes_at) : '另行通知'}`) : null,
        el('span', null, `已收到留言 ${Number(c.message_count) || 0} 条`))),
    el('div', { class: 'doc-body' }, c.description ? paragraphs(c.description) : (c.sections && c.sections.length ? null : el('p', { class: 'muted' }, '（暂无说明）'))),
    c.preamble ? el('div', { class: 'doc-body preamble' }, paragraphs(c.preamble)) : null,
    renderSections(c, open));
  if (!open) box.append(el('p', { class: 'closed-note', id: 'closed-note' }, state.why));
  if (c.feedback_published_at) {
    box.append(el('p', { class: 'feedback-link' }, el('a', { class: 'btn', href: `/feedback.html?id=${encodeURIComponent(c.id)}` }, '查看意见采纳情况反馈')));
  }
  const chooser = document.getElementById('section-row');
  if (chooser) chooser.hidden = !(c.sections && c.sections.length);
  formSection.hidden = !open;
  setText(document.getElementById('form-title'), kind === 'board' ? '我要留言' : '我要建言');
}

async function load() {
  if (!id || !/^\d+$/.test(id)) {
    clear(box);
    box.append(el('p', null, '链接不完整。请从', el('a', { href: '/' }, '首页'), '选择要参与的征求意见或留言板。'));
    box.setAttribute('aria-busy', 'false');
    return;
  }
  try {
    renderConsultation(await api('GET', `/api/v1/consultations/${id}`));
  } catch (e) {
    clear(box);
    box.append(el('p', null, e.status === 404 ? '未找到该征求意见或留言板，可能已被删除。' : `加载失败：${errorText(e)}`),
      el('p', null, el('a', { href: '/' }, '返回首页')));
  } finally {
    box.setAttribute('aria-busy', 'false');
  }
}

// Client-side checks, same rules as the server; returns true when all pass.
function check(v) {
  let ok = true;
  const bad = (f, t) => { if (ok) form.querySelector(`[name="${f}"]`)?.focus(); fieldError(form, f, t); ok = false; };
  if (!v.type) bad('type', '请选择留言类型');
  if (!v.title.trim()) bad('title', '请填写标题');
  else if (charCount(v.title) > LIMITS.title) bad('title', `标题不能超过 ${LIMITS.title} 个字`);
  if (!v.body.trim()) bad('body', '请填写留言内容');
  else if (charCount(v.body) > LIMITS.body) bad('body', `留言内容不能超过 ${LIMITS.body} 个字`);
  if (charCount(v.region) > LIMITS.region) bad('region', `区域不能超过 ${LIMITS.region} 个字`);
  if (v.phone && (!PHONE_RE.test(v.phone) || v.phone.replace(/\D/g, '').length < 5)) bad('phone', '请填写正确的电话号码（5–20 位，可含空格、+、-、括号）');
  return ok;
}

function fieldMessage(err) {
  const names = { title: '标题', body: '留言内容', type: '留言类型', region: '所在区域', phone: '联系电话', consultation_id: '征求意见' };
  const what = names[err.field] || '';
  if (err.code === 'missing') return `请填写${what}`;
  if (err.code === 'too_long') return `${what}超出字数限制`;
  if (err.code === 'invalid' && what) return `${what}填写不符合要求，请检查是否含有特殊字符`;
  return errorText(err);
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(form);
  const fd = new FormData(form);
  const v = {
    type: fd.get('type') || '',
    title: String(fd.get('title') || ''),
    body: String(fd.get('body') || ''),
    region: String(fd.get('region') || '').trim(),
    phone: String(fd.get('phone') || '').trim(),
  };
  if (!check(v)) return;
  const accept = document.getElementById('accept-notice');
  if (!document.getElementById('site-notice').hidden && !accept.checked) {
    fieldError(form, 'accept_notice', '请先阅读并同意留言须知');
    accept.focus();
    return;
  }
  const payload = { consultation_id: Number(id), title: v.title.trim(), body: v.body, type: v.type };
  if (v.region) payload.region = v.region;
  if (v.phone) payload.phone = v.phone;
  if (section) payload.section = section;
  payload.publish = fd.get('publish') !== '0';
  const btn = document.getElementById('submit');
  btn.disabled = true;
  setText(btn, '正在提交…');
  try {
    const r = await api('POST', '/api/v1/messages', payload);
    showDone(r.tracking_code);
  } catch (e) {
    const msg = fieldMessage(e);
    showFormError(form, Object.assign(e, { message: e.field ? msg : e.message }));
  } finally {
    btn.disabled = false;
    setText(btn, '提交留言');
  }
});

function showDone(code) {
  formSection.hidden = true;
  setText(document.getElementById('done-code'), code);
  const link = document.getElementById('done-link');
  link.setAttribute('href', `/track.html?code=${encodeURIComponent(code)}`);
  document.getElementById('again').setAttribute('href', location.pathname + location.search);
  done.hidden = false;
  done.focus();
  done.scrollIntoView({ block: 'start' });
  form.reset();
}

document.getElementById('copy-code').addEventListener('click', async (ev) => {
  const code = document.getElementById('done-code').textContent;
  try {
    await navigator.clipboard.writeText(code);
    setText(ev.currentTarget, '已复制');
  } catch (e) {
    // Clipboard blocked (http, old browser): select the code for manual copy.
    const r = document.createRange();
    r.selectNodeContents(document.getElementById('done-code'));
    const s = getSelection(); s.removeAllRanges(); s.addRange(r);
  }
});

typeChoices();
site().then((s) => {
  if (!s.notice) return;
  const box = document.getElementById('site-notice-text');
  clear(box);
  box.append(paragraphs(s.notice));
  document.getElementById('site-notice').hidden = false;
});
document.getElementById('section-clear').addEventListener('click', () => chooseSection(0));
attachCounter(document.getElementById('f-title'), document.getElementById('cnt-title'), LIMITS.title);
attachCounter(document.getElementById('f-body'), document.getElementById('cnt-body'), LIMITS.body);
attachCounter(document.getElementById('f-region'), document.getElementById('cnt-region'), LIMITS.region);
load();
clearErrorsOnInput(form);
