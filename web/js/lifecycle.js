// The lifecycle part of the official message page: deadline and urgings,
// the actions this official may take now (the server lists them in
// m.actions, from its one table of transitions), pending extensions and
// replies awaiting approval, corrections of published replies, and the
// audit-trail wording of these steps. Contract: docs/api.md, Lifecycle.
import { api, el, clear, setText, fmtTime, notice, errorText } from './common.js';

// "剩余 3 个工作日" / "今日到期" / "已超期 2 个工作日"; '' when not open.
export function deadlineText(m) {
  if (m.days_left === null || m.days_left === undefined) return '';
  const n = Number(m.days_left);
  if (m.overdue || n < 0) return `已超期 ${-n} 个工作日`;
  if (n === 0) return '今日到期';
  return `剩余 ${n} 个工作日`;
}

export function deadlineBadge(m) {
  const text = deadlineText(m);
  if (!text) return null;
  const n = Number(m.days_left);
  const kind = m.overdue || n < 0 ? 'overdue' : n <= 2 ? 'soon' : 'ok';
  return el('span', { class: `due-badge due-${kind}` }, text);
}

const ACTIONS = [
  // action, title, field (label, required), button, what the notice says
  ['close', '办结', ['note', '办结说明（公开）', false], '办结', '已办结。'],
  ['return', '退回', ['reason', '退回理由', true], '退回待分办', '已退回待分办。'],
  ['decline', '不予受理', ['reason', '不予受理理由（留言人可见）', true], '不予受理', '已标记为不予受理。'],
  ['extension', '申请延期', ['reason', '延期理由', true], '提交延期申请', '延期申请已提交，等待负责人审批。'],
  ['urge', '督办', ['note', '督办意见', false], '督办', '已督办。'],
  ['assign', '分派承办人', ['user', '承办人账号', true], '分派', '已分派。'],
];

// Draws the action forms into host; reload() re-reads the message afterwards.
export function renderActions(m, host, noticeBox, reload) {
  clear(host);
  const allowed = new Set(m.actions || []);
  const forms = [];
  for (const [action, title, [field, label, required], button, done] of ACTIONS) {
    if (!allowed.has(action)) continue;
    const input = el('input', { type: 'text', id: `f-${action}-${field}`, name: field, required: required ? '' : null });
    const err = el('p', { class: 'field-error', hidden: '' });
    const days = action === 'extension'
      ? el('input', { type: 'number', id: 'f-extension-days', name: 'days', min: '1', max: '60', value: '5', required: '' }) : null;
    const btn = el('button', { class: 'btn', type: 'submit', id: `act-${action}` }, button);
    const form = el('form', { class: 'action-form', id: `form-${action}`, novalidate: '' },
      el('h3', null, title),
      days ? el('div', { class: 'field' }, el('label', { for: 'f-extension-days' }, '延期天数（工作日）'), days) : null,
      el('div', { class: 'field' }, el('label', { for: input.id }, label), input, err),
      el('div', { class: 'actions' }, btn));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      const value = input.value.trim();
      if (required && !value) { setText(err, `请填写${label}`); err.hidden = false; input.focus(); return; }
      const body = value ? { [field]: value } : {};
      if (days) body.days = Number(days.value);
      btn.disabled = true;
      try {
        const path = action === 'extension' ? `/api/v1/messages/${m.id}/extensions` : `/api/v1/messages/${m.id}/${action}`;
        await api('POST', path, body);
        notice(noticeBox, 'ok', done);
        await reload();
      } catch (e) {
        if (e.redirecting) return;
        setText(err, errorText(e));
        err.hidden = false;
      } finally {
        btn.disabled = false;
      }
    });
    forms.push(form);
  }
  // Pending extensions the head may decide.
  if (allowed.has('extension_decision')) {
    for (const x of (m.extensions || []).filter((e) => e.status === 'pending')) {
      const row = el('div', { class: 'pending-extension', id: `ext-${x.id}` },
        el('p', null, `${x.requested_by} 申请延期 ${x.days} 个工作日：`, el('span', null, x.reason)));
      for (const [approve, label] of [[true, '同意延期'], [false, '不同意']]) {
        const b = el('button', { type: 'button', class: approve ? 'btn btn-primary' : 'btn', 'data-approve': String(approve) }, label);
        b.addEventListener('click', async () => {
          b.disabled = true;
          try {
            await api('POST', `/api/v1/extensions/${x.id}/decision`, { approve });
            notice(noticeBox, 'ok', approve ? '已同意延期，办理期限已顺延。' : '已不同意延期。');
            await reload();
          } catch (e) { if (!e.redirecting) notice(noticeBox, 'error', errorText(e)); } finally { b.disabled = false; }
        });
        row.append(b, ' ');
      }
      forms.unshift(row);
    }
  }
  host.hidden = !forms.length;
  if (forms.length) host.append(el('h2', null, '办理'), ...forms);
}

// Under a reply: its state (待审核 / 未通过 / 已修改) and, when this official
// may, the approval buttons or the correction form.
export function replyExtras(m, r, noticeBox, reload) {
  const out = [];
  const allowed = new Set(m.actions || []);
  if (r.status === 'pending') out.push(el('span', { class: 'badge badge-pending' }, '待审核'));
  if (r.status === 'refused') out.push(el('span', { class: 'badge' }, '未通过审核（不公开）'));
  if (r.edited_at) out.push(el('span', { class: 'muted edited' }, `已修改 ${fmtTime(r.edited_at)}`));
  if (r.status === 'pending' && allowed.has('reply_decision')) {
    for (const [approve, label] of [[true, '批准发布'], [false, '退回修改']]) {
      const b = el('button', { type: 'button', class: approve ? 'btn btn-primary' : 'btn', id: `reply-${r.id}-${approve ? 'approve' : 'refuse'}` }, label);
      b.addEventListener('click', async () => {
        b.disabled = true;
        try {
          await api('POST', `/api/v1/replies/${r.id}/decision`, { approve });
          notice(noticeBox, 'ok', approve ? '答复已批准发布。' : '答复已退回，不予公开。');
          await reload();
        } catch (e) { if (!e.redirecting) notice(noticeBox, 'error', errorText(e)); } finally { b.disabled = false; }
      });
      out.push(b);
    }
  }
  if (r.status === 'published' && allowed.has('reply_correct')) {
    const body = el('textarea', { rows: '4', name: 'body', 'aria-label': '更正后的答复' });
    body.value = r.body;
    const reason = el('input', { type: 'text', name: 'reason', 'aria-label': '更正理由', placeholder: '更正理由' });
    const err = el('p', { class: 'field-error', hidden: '' });
    const form = el('form', { class: 'correct-form', hidden: '', novalidate: '' }, body, reason, err,
      el('button', { class: 'btn', type: 'submit' }, '保存更正'));
    const open = el('button', { type: 'button', class: 'btn btn-ghost' }, '更正');
    open.addEventListener('click', () => { form.hidden = !form.hidden; });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!reason.value.trim()) { setText(err, '请填写更正理由'); err.hidden = false; return; }
      try {
        await api('PUT', `/api/v1/replies/${r.id}`, { body: body.value, reason: reason.value.trim() });
        notice(noticeBox, 'ok', '答复已更正，公开页面标注“已修改”。');
        await reload();
      } catch (e) { if (!e.redirecting) { setText(err, errorText(e)); err.hidden = false; } }
    });
    out.push(open, form);
  }
  return out;
}

// Audit-trail wording of the lifecycle events; null for other kinds.
export function describeLife(e) {
  const d = (e && typeof e.detail === 'object' && e.detail) || {};
  const why = d.reason ? `：${d.reason}` : '';
  switch (e.kind) {
    case 'close': return ['办结', d.reason ? `说明${why}` : ''];
    case 'return': return ['退回待分办', `理由${why}`];
    case 'decline': return ['不予受理', `理由${why}`];
    case 'assign': return ['分派承办人', ''];
    case 'urge': return ['督办', d.reason ? `意见${why}` : ''];
    case 'extension_request': return ['申请延期', `${d.days} 个工作日${d.reason ? `，理由${why}` : ''}`];
    case 'extension_approved': return ['同意延期', `期限顺延至 ${fmtTime(d.due_after)}`];
    case 'extension_refused': return ['不同意延期', d.reason ? `理由${why}` : ''];
    case 'reopen': return ['重办', d.by === 'rating' ? `留言人评价 ${d.score} 星${d.reason ? `：${d.reason}` : ''}` : `留言人追问${why}`];
    case 'reply_pending': return ['答复待审核', ''];
    case 'reply_refused': return ['答复退回修改', d.reason ? `理由${why}` : ''];
    case 'reply_correct': return ['更正答复', d.reason ? `理由${why}` : ''];
    case 'rating': return ['留言人评价', `${d.score} 星`];
    default: return null;
  }
}

// The urgings, shown at the top of the message.
export function urgeBanner(m) {
  if (!Number(m.urge_count)) return null;
  const latest = (m.urges || [])[0];
  return el('p', { class: 'notice notice-error urge-banner', id: 'm-urged', role: 'note' },
    `领导督办 ${m.urge_count} 次`, latest ? `（最近：${fmtTime(latest.created_at)} ${latest.by}${latest.note ? `：${latest.note}` : ''}）` : '');
}

// The writing desk: templates (already filled by the server), the own
// draft, internal notes. Wired once; render() calls desk(m) on each load.
export function setupDesk(getMessage, noticeBox, reload) {
  const sel = document.getElementById('f-template');
  const body = document.getElementById('f-reply');
  const status = document.getElementById('draft-status');
  sel.addEventListener('change', () => {
    const t = ((getMessage() || {}).templates || []).find((x) => String(x.id) === sel.value);
    if (t && (!body.value.trim() || body.value === body.dataset.fromTemplate)) { body.value = t.body; body.dataset.fromTemplate = t.body; }
    else if (t) { body.value += `\n${t.body}`; }
    body.dispatchEvent(new Event('input'));
  });
  document.getElementById('draft-save').addEventListener('click', async () => {
    const m = getMessage();
    if (!m) return;
    try {
      const r = await api('PUT', `/api/v1/messages/${m.id}/draft`, { body: body.value });
      setText(status, r.draft ? `草稿已保存 ${fmtTime(r.draft.updated_at)}` : '草稿已清除');
    } catch (e) { if (!e.redirecting) setText(status, errorText(e)); }
  });
  const form = document.getElementById('note-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const m = getMessage();
    const input = document.getElementById('f-note');
    const err = document.getElementById('err-note');
    err.hidden = true;
    if (!input.value.trim()) { setText(err, '请填写备注内容'); err.hidden = false; return; }
    try {
      await api('POST', `/api/v1/messages/${m.id}/notes`, { body: input.value.trim() });
      input.value = '';
      notice(noticeBox, 'ok', '备注已添加（不公开）。');
      await reload();
    } catch (e) { if (!e.redirecting) { setText(err, errorText(e)); err.hidden = false; } }
  });
}

export function desk(m) {
  const sel = document.getElementById('f-template');
  clear(sel);
  sel.append(el('option', { value: '' }, '不使用模板'));
  for (const t of m.templates || []) sel.append(el('option', { value: String(t.id) }, t.name));
  document.getElementById('template-field').hidden = !(m.templates || []).length;
  const body = document.getElementById('f-reply');
  if (m.draft && !body.value.trim()) {
    body.value = m.draft.body;
    body.dispatchEvent(new Event('input'));
    setText(document.getElementById('draft-status'), `已载入草稿（${fmtTime(m.draft.updated_at)}）`);
  }
  const notes = document.getElementById('notes');
  clear(notes);
  for (const n of m.notes || []) {
    notes.append(el('li', null, el('span', { class: 'muted' }, `${fmtTime(n.created_at)} ${n.author}：`), n.body));
  }
  const mayWrite = m.can_reply === true;
  document.getElementById('note-form').hidden = !mayWrite;
  document.getElementById('notes-section').hidden = !mayWrite && !(m.notes || []).length;
}
