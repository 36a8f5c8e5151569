// Official view of one message (unmasked, for its department or an admin):
// the analysis (label, confidence, near-duplicate group), the moderation
// state with the sensitive words highlighted, the replies, the public reply
// form, the transfer form and the audit trail.
import {
  api, el, clear, setText, notice, errorText, requireOfficial, footer, param, badge, moderationBadge,
  fmtTime, fmtPercent, attachCounter, charCount, showFormError, fieldError, clearFormErrors, clearErrorsOnInput,
  highlighted, highlightedParagraphs, spansOf, spamText,
} from './common.js';
import { deadlineBadge, renderActions, replyExtras, describeLife, urgeBanner, setupDesk, desk } from './lifecycle.js';

footer();

const REPLY_MAX = 5000;
const REASON_MAX = 500;
const id = param('id');
const box = document.getElementById('message');
const noticeBox = document.getElementById('notice');
const form = document.getElementById('reply-form');
const tform = document.getElementById('transfer-form');
const repliesSection = document.getElementById('replies-section');
const replySection = document.getElementById('reply-section');
const transferSection = document.getElementById('transfer-section');
const holdSection = document.getElementById('hold-section');
const eventsSection = document.getElementById('events-section');
const actionsSection = document.getElementById('actions-section');

let me = null;
let departments = [];     // [{id, name}]
let current = null;       // the message as last loaded

function deptName(deptId) {
  const d = departments.find((x) => Number(x.id) === Number(deptId));
  return d ? d.name : `#${deptId}`;
}

function fact(dl, label, value) {
  if (value === undefined || value === null || value === '') return;
  dl.append(el('dt', null, label), el('dd', null, value));
}

function labelFact(m) {
  if (m.label) {
    return el('span', null,
      el('span', { class: 'label-tag', id: 'm-label' }, m.label),
      m.confidence !== null && m.confidence !== undefined
        ? el('span', { class: 'muted', id: 'm-confidence' }, `置信度 ${fmtPercent(m.confidence)}`) : null);
  }
  return el('span', { class: 'muted', id: 'm-label-none' }, m.analyzed ? '未分类（未启用分类模型）' : '正在分析…');
}

// Distinct sensitive words of a hold reason, in order of first appearance.
function heldWords(hr) {
  const seen = new Set();
  for (const s of (hr && Array.isArray(hr.sensitive) ? hr.sensitive : [])) if (s && s.word) seen.add(String(s.word));
  return [...seen];
}

function renderHold(m) {
  const host = document.getElementById('hold');
  clear(host);
  const words = heldWords(m.hold_reason);
  const held = m.moderation && m.moderation !== 'none';
  holdSection.hidden = !held && !words.length;
  if (holdSection.hidden) return;
  const what = {
    held: '此留言因下列原因暂缓处理，审核通过后才会进入承办部门的待办。',
    approved: '此留言经审核通过，已转入正常办理。',
    rejected: '此留言未通过审核，不予办理。',
  }[m.moderation] || '';
  host.append(el('p', null, el('span', null, '审核状态：'), moderationBadge(m.moderation || 'none')));
  if (what) host.append(el('p', { class: 'muted' }, what));
  const ul = el('ul', { class: 'reason-list', id: 'hold-reasons' });
  if (words.length) {
    ul.append(el('li', null, '含敏感词：', words.map((w) => el('mark', { class: 'hit' }, w))));
  }
  if (m.hold_reason && m.hold_reason.spam) {
    ul.append(el('li', null, spamText(m.hold_reason.spam, m.spam_score)));
  }
  if (ul.childNodes.length) host.append(ul);
  if (m.moderation === 'held' && me && (me.role === 'moderator' || me.role === 'admin')) {
    host.append(el('p', null, el('a', { href: '/moderation.html' }, '前往内容审核')));
  }
}

function render(m) {
  current = m;
  clear(box);
  document.title = `${m.title} · 留言办理`;
  const hr = m.hold_reason;
  const dl = el('dl', { class: 'facts' });
  fact(dl, '编号', String(m.id));
  fact(dl, '查询码', m.tracking_code);
  fact(dl, '留言类型', m.type);
  fact(dl, '承办部门', m.department || '待分办');
  fact(dl, '自动分类', labelFact(m));
  if (Number(m.group_size) > 1) {
    fact(dl, '相似留言', el('a', { id: 'm-group', href: `/inbox.html?group=${encodeURIComponent(m.group_id)}` },
      `此留言及另外 ${Number(m.group_size) - 1} 条相似留言`));
  }
  if (m.moderation && m.moderation !== 'none') fact(dl, '审核状态', moderationBadge(m.moderation));
  if (Number(m.spam_score) > 0) fact(dl, '垃圾信息评分', Number(m.spam_score).toFixed(2));
  fact(dl, '所在区域', m.region);
  fact(dl, '联系电话', m.phone);
  fact(dl, '留言时间', fmtTime(m.created_at));
  if (m.due_at) fact(dl, '办理期限', el('span', { id: 'm-due' }, fmtTime(m.due_at), ' ', deadlineBadge(m)));
  fact(dl, '承办人', m.assignee);
  if (m.resolution) fact(dl, m.state === 'declined' ? '不予受理理由' : '办结说明', el('span', { id: 'm-resolution' }, m.resolution));
  if (m.followup) fact(dl, '留言人追问', el('span', { id: 'm-followup' }, m.followup.body));
  const urged = urgeBanner(m);
  if (urged) box.append(urged);
  box.append(
    el('header', { class: 'doc-head' },
      el('h1', { id: 'm-title' }, highlighted(m.title, spansOf(hr, 'title'))),
      el('div', { class: 'meta' }, el('span', null, '办理状态：'), badge(m.state))),
    dl,
    el('h2', null, '留言内容'),
    el('div', { class: 'doc-body', id: 'm-body' }, highlightedParagraphs(m.body, spansOf(hr, 'body'))));
  renderHold(m);

  const list = document.getElementById('replies');
  clear(list);
  const replies = m.replies || [];
  if (!replies.length) list.append(el('p', { class: 'empty' }, '尚未答复。'));
  for (const r of replies) {
    list.append(el('div', { class: 'reply' },
      el('div', { class: 'reply-head' },
        el('strong', null, r.department || r.author || '答复'),
        el('span', null, [r.author ? `答复人：${r.author}　` : '', `时间：${fmtTime(r.created_at)}`].join(''))),
      el('div', { class: 'doc-body' }, highlightedParagraphs(r.body, [])),
      el('div', { class: 'reply-extra', id: `reply-${r.id}` }, ...replyExtras(m, r, noticeBox, load))));
  }
  renderActions(m, actionsSection, noticeBox, load);
  desk(m);
  repliesSection.hidden = false;
  // can_reply is the server's answer for this user; older servers lack it.
  replySection.hidden = m.can_reply === false || !(m.actions || []).includes('reply');
  transferSection.hidden = m.can_reply !== true || !(m.actions || []).includes('transfer');
  // One answer for a campaign: offered when the message has near-duplicates.
  const wg = document.getElementById('whole-group-field');
  wg.hidden = !(Number(m.group_size) > 1);
  if (!wg.hidden) setText(document.getElementById('whole-group-label'), `同时答复相似留言（本组共 ${Number(m.group_size)} 条）`);
  fillDepartments(m);

  const events = m.events || [];
  const evBox = document.getElementById('events');
  clear(evBox);
  eventsSection.hidden = !events.length;
  for (const e of events) {
    const [what, detail] = describe(e);
    evBox.append(el('li', { class: `ev-${e.kind}` },
      el('span', { class: 'when' }, fmtTime(e.at)),
      el('strong', { class: 'ev-kind' }, what),
      detail ? el('span', { class: 'ev-detail' }, detail) : null,
      el('span', { class: 'muted' }, e.actor || '系统')));
  }
}

// An audit event as [what, detail] in plain Chinese. Details are built as
// strings and inserted as text: a reason is whatever the official typed.
function describe(e) {
  const life = describeLife(e);
  if (life) return life;
  const d = (e && typeof e.detail === 'object' && e.detail) || {};
  const has = (k) => Object.prototype.hasOwnProperty.call(d, k);
  switch (e.kind) {
    case 'created':
      return ['留言提交', Number(d.department_id) > 0 ? `按关键词分办至「${deptName(d.department_id)}」` : ''];
    case 'analyzed': {
      const parts = [];
      if (d.label) parts.push(`分类为「${d.label}」（置信度 ${fmtPercent(d.confidence)}）`);
      if (has('department_id')) {
        parts.push(Number(d.department_id) > 0 ? `分办至「${deptName(d.department_id)}」` : '转入待分办');
      }
      if (Number(d.group_id) > 0) parts.push(`归入相似留言组 #${d.group_id}`);
      return ['自动分析', parts.join('，')];
    }
    case 'held': {
      const hold = d.hold && typeof d.hold === 'object' ? d.hold : {};
      const parts = [];
      const words = heldWords(hold);
      if (words.length) parts.push(`含敏感词${words.map((w) => `「${w}」`).join('')}`);
      if (hold.spam) parts.push(spamText(hold.spam, d.spam_score));
      // Analysed again after an approval: the server logs "held" although
      // the message stays approved (see the moderation state).
      if (approvedBefore(e)) return ['重新分析', `${parts.join('；')}（已审核通过，不再暂缓）`];
      return ['暂缓处理，等待审核', parts.join('；')];
    }
    case 'transfer': {
      const from = Number(d.from_department_id) > 0 ? `「${deptName(d.from_department_id)}」` : '待分办';
      const to = `「${deptName(d.to_department_id)}」`;
      return ['转办', `${from} → ${to}${d.reason ? `，理由：${d.reason}` : ''}`];
    }
    case 'reply':
      return ['发布答复', ''];
    case 'moderate': {
      const what = { approve: '审核通过', reject: '审核驳回', spam: '标记为垃圾信息' }[d.decision] || '审核';
      return [what, d.reason ? `理由：${d.reason}` : ''];
    }
    default:
      return [e.kind || '记录', ''];
  }
}

// Whether an approval precedes event e in the current message's trail.
function approvedBefore(e) {
  for (const x of (current && current.events) || []) {
    if (x === e) return false;
    if (x.kind === 'moderate' && x.detail && x.detail.decision === 'approve') return true;
  }
  return false;
}

function fillDepartments(m) {
  const sel = tform.elements.department;
  const keep = sel.value;
  clear(sel);
  sel.append(el('option', { value: '' }, '请选择部门'));
  for (const d of departments) {
    if (Number(d.id) === Number(m.department_id)) continue;
    sel.append(el('option', { value: d.name }, d.name));
  }
  sel.value = [...sel.options].some((o) => o.value === keep) ? keep : '';
}

async function load() {
  if (!id || !/^\d+$/.test(id)) {
    clear(box);
    box.append(el('p', null, '缺少留言编号。'), el('p', null, el('a', { href: '/inbox.html' }, '返回待办留言')));
    box.setAttribute('aria-busy', 'false');
    return;
  }
  box.setAttribute('aria-busy', 'true');
  try {
    render(await api('GET', `/api/v1/messages/${id}`));
  } catch (e) {
    if (e.redirecting) return;
    refused(e.status === 403 ? '这条留言不属于您所在的部门，无权查看。'
      : e.status === 404 ? '未找到该留言。' : `加载失败：${errorText(e)}`);
  } finally {
    box.setAttribute('aria-busy', 'false');
  }
}

function refused(text) {
  clear(box);
  box.append(el('p', null, text), el('p', null, el('a', { href: '/inbox.html' }, '返回待办留言')));
  for (const s of [repliesSection, replySection, transferSection, holdSection, eventsSection, actionsSection,
    document.getElementById('notes-section')]) s.hidden = true;
}

// ---- the reply draft: kept in this browser until it is published, so a
// session that expires while the handler writes costs them nothing (the
// 401 sends them to the login page, which brings them back here).
const DRAFT_KEY = `minyi.reply-draft.${id}`;
function saveDraft() {
  try {
    const v = form.elements.body.value;
    if (v.trim()) localStorage.setItem(DRAFT_KEY, v); else localStorage.removeItem(DRAFT_KEY);
  } catch (e) { /* storage disabled: nothing to keep it in */ }
}
function dropDraft() { try { localStorage.removeItem(DRAFT_KEY); } catch (e) { /* disabled */ } }
function restoreDraft() {
  let v = null;
  try { v = localStorage.getItem(DRAFT_KEY); } catch (e) { v = null; }
  if (!v || form.elements.body.value.trim() || replySection.hidden) return;
  form.elements.body.value = v;
  updateCounter();
  const note = document.getElementById('reply-draft-note');
  setText(note, '已恢复您上次未发布的答复草稿（仅保存在本浏览器中，发布后清除）。');
  note.hidden = false;
  previewSoon();
}

// ---- personal data in the reply: the server's masker says what it finds
// and what the public will see; publishing such a reply needs a second click.
const piiBox = document.getElementById('reply-pii');
const PII_NAMES = {
  mobile: '手机号', landline: '固定电话', idcard: '身份证号', bankcard: '银行卡号', email: '电子邮箱', plate: '车牌号', address: '详细地址',
};
let piiSeen = null;        // {text, count} of the last preview
let piiConfirmed = null;   // the text the handler chose to publish anyway
let previewTimer = 0;

// stay: while typing, an expired session must not send the handler away
// (the draft is safe either way); on submit it may.
async function preview(text, stay = true) {
  if (!text.trim()) { piiSeen = { text, count: 0 }; piiBox.hidden = true; return piiSeen; }
  const r = await api('POST', '/api/v1/pii', { text }, { stay });
  if (form.elements.body.value !== text) return { text, count: r.count };   // typed on meanwhile
  piiSeen = { text, count: r.count };
  piiBox.hidden = !r.count;
  if (r.count) {
    const kinds = [...new Set(r.spans.map((x) => PII_NAMES[x.type] || x.type))];
    setText(document.getElementById('reply-pii-what'),
      `答复中含有个人信息（${kinds.join('、')}，共 ${r.count} 处），公开时将自动遮挡。请确认是否需要写入答复。`);
    const m = document.getElementById('reply-pii-masked');
    clear(m);
    m.append(highlightedParagraphs(r.masked, []));
  }
  return piiSeen;
}
// ---- reply quality: a hint while the handler types (docs/reply-quality.md);
// never a block: the reply is published as written whatever the score.
const rqBox = document.getElementById('reply-quality');
const RQ_MISSING = {
  relevance: '答复与留言内容关联不大，请针对留言反映的具体问题作答',
  questions: '留言中的提问或诉求尚未逐一回应',
  action: '未写明已采取或将采取的具体措施',
  time: '未写明办理时间或时限',
  unit: '未写明责任单位',
  contact: '未提供联系方式',
  boilerplate: '答复大部分是通用模板语句，请补充针对性内容',
  late: '已超过办理时限',
};
const pct = (x) => `${Math.round(x * 100)}%`;
let rqTimer = 0;
async function quality(text) {
  if (!text.trim()) { rqBox.hidden = true; return; }
  const r = await api('POST', '/api/v1/reply-quality', { message_id: id, body: text }, { stay: true });
  if (form.elements.body.value !== text) return;   // typed on meanwhile
  setText(document.getElementById('rq-score'), `${Math.round(r.score)} 分`);
  setText(document.getElementById('rq-parts'),
    `相关性 ${pct(r.relevance)} · 完整性 ${pct(r.completeness)} · 模板化 ${pct(r.boilerplate)}` +
    (r.timeliness === null ? '' : ` · 及时性 ${pct(r.timeliness)}`));
  const ul = document.getElementById('rq-missing');
  clear(ul);
  for (const k of r.missing) { const li = document.createElement('li'); li.dataset.missing = k; setText(li, RQ_MISSING[k] || k); ul.append(li); }
  rqBox.hidden = false;
}
function qualitySoon() {
  clearTimeout(rqTimer);
  rqTimer = setTimeout(() => { quality(form.elements.body.value).catch(() => {}); }, 600);
}

function previewSoon() {
  qualitySoon();
  clearTimeout(previewTimer);
  previewTimer = setTimeout(() => { preview(form.elements.body.value).catch(() => {}); }, 400);
}
form.elements.body.addEventListener('input', () => {
  saveDraft();
  piiConfirmed = null;
  setText(document.getElementById('reply-submit'), '发布答复');
  previewSoon();
});

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(form);
  const body = form.elements.body.value;
  if (!body.trim()) { fieldError(form, 'body', '请填写答复内容'); form.elements.body.focus(); return; }
  if (charCount(body) > REPLY_MAX) { fieldError(form, 'body', `答复不能超过 ${REPLY_MAX} 个字`); return; }
  saveDraft();
  const btn = document.getElementById('reply-submit');
  btn.disabled = true;
  setText(btn, '正在发布…');
  try {
    clearTimeout(previewTimer);
    const seen = piiSeen && piiSeen.text === body ? piiSeen : await preview(body, false);
    if (seen.count && piiConfirmed !== body) {
      piiConfirmed = body;
      setText(btn, '确认发布（个人信息遮挡后公开）');
      btn.disabled = false;
      piiBox.scrollIntoView({ block: 'nearest' });
      return;
    }
    const wholeGroup = !document.getElementById('whole-group-field').hidden && form.elements.whole_group.checked;
    const res = await api('POST', `/api/v1/messages/${id}/replies`, wholeGroup ? { body, whole_group: true } : { body });
    form.reset();
    dropDraft();
    piiBox.hidden = true;
    piiSeen = null;
    clearTimeout(rqTimer);
    rqBox.hidden = true;
    piiConfirmed = null;
    document.getElementById('reply-draft-note').hidden = true;
    updateCounter();
    await load();
    const n = res && Number(res.replied);
    if (res && res.status === 'pending') notice(noticeBox, 'ok', '答复已提交，待部门负责人审核后公开。');
    else notice(noticeBox, 'ok', wholeGroup && n > 1 ? `答复已发布给 ${n} 条留言，留言人可凭各自的查询码查看。` : '答复已发布，留言人可凭查询码查看。');
    noticeBox.scrollIntoView({ block: 'nearest' });
  } catch (e) {
    if (e.redirecting) return;
    if (e.status === 403 && e.code === 'csrf') e.message = '页面已过期，请刷新页面后重试';
    else if (e.status === 403) e.message = '您无权答复这条留言';
    showFormError(form, e);
  } finally {
    btn.disabled = false;
    if (piiConfirmed !== body) setText(btn, '发布答复');
  }
});

tform.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearFormErrors(tform);
  const department = tform.elements.department.value;
  const reason = tform.elements.reason.value.trim();
  let ok = true;
  if (!department) { fieldError(tform, 'department', '请选择转至的部门'); tform.elements.department.focus(); ok = false; }
  if (charCount(reason) > REASON_MAX) { fieldError(tform, 'reason', `理由不能超过 ${REASON_MAX} 个字`); ok = false; }
  if (!ok) return;
  const btn = document.getElementById('transfer-submit');
  btn.disabled = true;
  setText(btn, '正在转办…');
  try {
    const payload = { department };
    if (reason) payload.reason = reason;
    await api('POST', `/api/v1/messages/${id}/transfer`, payload);
    tform.reset();
    updateReasonCounter();
    const done = `已转办至「${department}」。`;
    try {
      render(await api('GET', `/api/v1/messages/${id}`));
      notice(noticeBox, 'ok', done);
    } catch (e) {
      if (e.redirecting) return;
      // Transferred out of the handler's department: no longer theirs to see.
      refused(e.status === 403 ? '该留言已移出本部门待办。' : `加载失败：${errorText(e)}`);
      notice(noticeBox, 'ok', done);
    }
    noticeBox.scrollIntoView({ block: 'nearest' });
  } catch (e) {
    if (e.redirecting) return;
    if (e.status === 403 && e.code === 'csrf') e.message = '页面已过期，请刷新页面后重试';
    else if (e.status === 403) e.message = '您无权转办这条留言';
    else if (e.field === 'department' && e.code === 'invalid') {
      e.message = /already/.test(e.message) ? '该留言已由此部门承办' : '没有这个部门，请刷新页面后重新选择';
    }
    showFormError(tform, e);
  } finally {
    btn.disabled = false;
    setText(btn, '确认转办');
  }
});

const updateCounter = attachCounter(form.elements.body, document.getElementById('cnt-reply'), REPLY_MAX);
const updateReasonCounter = attachCounter(tform.elements.reason, document.getElementById('cnt-reason'), REASON_MAX);
requireOfficial()
  .then(async (user) => {
    me = user;
    // Department names for the transfer form and the audit trail; the page
    // stands without them.
    try { departments = (await api('GET', '/api/v1/departments')).departments || []; } catch (e) { departments = []; }
    await load();
    restoreDraft();
  })
  .catch((e) => { if (!e.redirecting) notice(noticeBox, 'error', errorText(e)); });
clearErrorsOnInput(form);
clearErrorsOnInput(tform);
setupDesk(() => current, noticeBox, load);
