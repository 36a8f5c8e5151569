// The lifecycle part of the official message page: deadline and urgings,
// the actions this official may take now (the server lists them in
// m.actions, from its one table of transitions), pending extensions and
// replies awaiting approval, corrections of published replies, and the
// audit-trail wording of these steps. Contract: docs/api.md, Lifecycle.
import { t } from './i18n.js';
import { api, el, clear, setText, fmtTime, notice, errorText } from './common.js';

// "剩余 3 个工作日" / "今日到期" / "已超期 2 个工作日"; '' when not open.
export function deadlineText(m) {
  if (m.days_left === null || m.days_left === undefined) return '';
  const n = Number(m.days_left);
  if (m.overdue || n < 0) return t('lifecycle.working_days_overdue', -n);
  if (n === 0) return t('lifecycle.due_today');
  return t('lifecycle.working_days_left', n);
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
  ['close', t('common.close'), ['note', t('lifecycle.closing_note_public'), false], t('common.close'), t('lifecycle.closed')],
  ['return', t('lifecycle.return'), ['reason', t('lifecycle.reason_for_returning'), true], t('common.return_for_routing'), t('lifecycle.returned_for_routing')],
  ['decline', t('common.declined'), ['reason', t('lifecycle.reason_for_declining_the_writer'), true], t('common.declined'), t('lifecycle.marked_as_declined')],
  ['extension', t('lifecycle.ask_for_more_time'), ['reason', t('lifecycle.reason_for_the_extension'), true], t('lifecycle.ask_for_the_extension'), t('lifecycle.extension_requested_waiting_for_the')],
  ['urge', t('common.urged_by_a_leader'), ['note', t('lifecycle.follow_up_instruction'), false], t('common.urged_by_a_leader'), t('lifecycle.urged')],
  ['assign', t('lifecycle.assign_a_handler'), ['user', t('lifecycle.handler_s_login'), true], t('lifecycle.assign'), t('lifecycle.assigned')],
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
      days ? el('div', { class: 'field' }, el('label', { for: 'f-extension-days' }, t('lifecycle.extension_working_days')), days) : null,
      el('div', { class: 'field' }, el('label', { for: input.id }, label), input, err),
      el('div', { class: 'actions' }, btn));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      const value = input.value.trim();
      if (required && !value) { setText(err, t('common.please_fill_in', label)); err.hidden = false; input.focus(); return; }
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
        el('p', null, t('lifecycle.asks_for_more_working_days', x.requested_by, x.days), el('span', null, x.reason)));
      for (const [approve, label] of [[true, t('lifecycle.grant_the_extension')], [false, t('lifecycle.refuse')]]) {
        const b = el('button', { type: 'button', class: approve ? 'btn btn-primary' : 'btn', 'data-approve': String(approve) }, label);
        b.addEventListener('click', async () => {
          b.disabled = true;
          try {
            await api('POST', `/api/v1/extensions/${x.id}/decision`, { approve });
            notice(noticeBox, 'ok', approve ? t('lifecycle.extension_granted_the_deadline_has') : t('lifecycle.extension_refused'));
            await reload();
          } catch (e) { if (!e.redirecting) notice(noticeBox, 'error', errorText(e)); } finally { b.disabled = false; }
        });
        row.append(b, ' ');
      }
      forms.unshift(row);
    }
  }
  host.hidden = !forms.length;
  if (forms.length) host.append(el('h2', null, t('common.handling')), ...forms);
}

// Under a reply: its state (待审核 / 未通过 / 已修改) and, when this official
// may, the approval buttons or the correction form.
export function replyExtras(m, r, noticeBox, reload) {
  const out = [];
  const allowed = new Set(m.actions || []);
  if (r.status === 'pending') out.push(el('span', { class: 'badge badge-pending' }, t('common.awaiting_moderation')));
  if (r.status === 'refused') out.push(el('span', { class: 'badge' }, t('lifecycle.rejected_not_public')));
  if (r.edited_at) out.push(el('span', { class: 'muted edited' }, t('common.edited', fmtTime(r.edited_at))));
  if (r.status === 'pending' && allowed.has('reply_decision')) {
    for (const [approve, label] of [[true, t('lifecycle.approve_and_publish')], [false, t('lifecycle.send_back_for_changes')]]) {
      const b = el('button', { type: 'button', class: approve ? 'btn btn-primary' : 'btn', id: `reply-${r.id}-${approve ? 'approve' : 'refuse'}` }, label);
      b.addEventListener('click', async () => {
        b.disabled = true;
        try {
          await api('POST', `/api/v1/replies/${r.id}/decision`, { approve });
          notice(noticeBox, 'ok', approve ? t('lifecycle.reply_approved_and_published') : t('lifecycle.reply_sent_back_not_published'));
          await reload();
        } catch (e) { if (!e.redirecting) notice(noticeBox, 'error', errorText(e)); } finally { b.disabled = false; }
      });
      out.push(b);
    }
  }
  if (r.status === 'published' && allowed.has('reply_correct')) {
    const body = el('textarea', { rows: '4', name: 'body', 'aria-label': t('lifecycle.corrected_reply') });
    body.value = r.body;
    const reason = el('input', { type: 'text', name: 'reason', 'aria-label': t('lifecycle.reason_for_the_correction'), placeholder: t('lifecycle.reason_for_the_correction') });
    const err = el('p', { class: 'field-error', hidden: '' });
    const form = el('form', { class: 'correct-form', hidden: '', novalidate: '' }, body, reason, err,
      el('button', { class: 'btn', type: 'submit' }, t('lifecycle.save_correction')));
    const open = el('button', { type: 'button', class: 'btn btn-ghost' }, t('lifecycle.correct'));
    open.addEventListener('click', () => { form.hidden = !form.hidden; });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!reason.value.trim()) { setText(err, t('lifecycle.please_give_a_reason_for')); err.hidden = false; return; }
      try {
        await api('PUT', `/api/v1/replies/${r.id}`, { body: body.value, reason: reason.value.trim() });
        notice(noticeBox, 'ok', t('lifecycle.reply_corrected_the_public_page'));
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
  const why = d.reason ? t('lifecycle.colon_then', d.reason) : '';
  switch (e.kind) {
    case 'close': return [t('common.close'), d.reason ? t('lifecycle.note', why) : ''];
    case 'return': return [t('common.return_for_routing'), t('lifecycle.reason', why)];
    case 'decline': return [t('common.declined'), t('lifecycle.reason', why)];
    case 'assign': return [t('lifecycle.assign_a_handler'), ''];
    case 'urge': return [t('common.urged_by_a_leader'), d.reason ? t('lifecycle.instruction', why) : ''];
    case 'extension_request': return [t('lifecycle.ask_for_more_time'), t('lifecycle.working_days', d.days, d.reason ? t('lifecycle.reason_2', why) : '')];
    case 'extension_approved': return [t('lifecycle.grant_the_extension'), t('lifecycle.deadline_moved_to', fmtTime(d.due_after))];
    case 'extension_refused': return [t('lifecycle.extension_refused_2'), d.reason ? t('lifecycle.reason', why) : ''];
    case 'reopen': return [t('lifecycle.reopened'), d.by === 'rating' ? t('lifecycle.writer_rated_stars', d.score, d.reason ? t('lifecycle.colon_then', d.reason) : '') : t('lifecycle.writer_s_follow_up_question', why)];
    case 'reply_pending': return [t('lifecycle.reply_awaiting_approval'), ''];
    case 'reply_refused': return [t('lifecycle.reply_sent_back_for_changes'), d.reason ? t('lifecycle.reason', why) : ''];
    case 'reply_correct': return [t('lifecycle.reply_corrected'), d.reason ? t('lifecycle.reason', why) : ''];
    case 'rating': return [t('lifecycle.writer_s_rating'), t('lifecycle.stars', d.score)];
    default: return null;
  }
}

// The urgings, shown at the top of the message.
export function urgeBanner(m) {
  if (!Number(m.urge_count)) return null;
  const latest = (m.urges || [])[0];
  return el('p', { class: 'notice notice-error urge-banner', id: 'm-urged', role: 'note' },
    t('lifecycle.urged_by_leaders_times', m.urge_count), latest ? t('lifecycle.latest', fmtTime(latest.created_at), latest.by, latest.note ? t('lifecycle.colon_then', latest.note) : '') : '');
}

// The writing desk: templates (already filled by the server), the own
// draft, internal notes. Wired once; render() calls desk(m) on each load.
export function setupDesk(getMessage, noticeBox, reload) {
  const sel = document.getElementById('f-template');
  const body = document.getElementById('f-reply');
  const status = document.getElementById('draft-status');
  sel.addEventListener('change', () => {
    const tpl = ((getMessage() || {}).templates || []).find((x) => String(x.id) === sel.value);
    if (tpl && (!body.value.trim() || body.value === body.dataset.fromTemplate)) { body.value = tpl.body; body.dataset.fromTemplate = tpl.body; }
    else if (tpl) { body.value += `\n${tpl.body}`; }
    body.dispatchEvent(new Event('input'));
  });
  document.getElementById('draft-save').addEventListener('click', async () => {
    const m = getMessage();
    if (!m) return;
    try {
      const r = await api('PUT', `/api/v1/messages/${m.id}/draft`, { body: body.value });
      setText(status, r.draft ? t('lifecycle.draft_saved', fmtTime(r.draft.updated_at)) : t('lifecycle.draft_cleared'));
    } catch (e) { if (!e.redirecting) setText(status, errorText(e)); }
  });
  const form = document.getElementById('note-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const m = getMessage();
    const input = document.getElementById('f-note');
    const err = document.getElementById('err-note');
    err.hidden = true;
    if (!input.value.trim()) { setText(err, t('lifecycle.please_write_the_note')); err.hidden = false; return; }
    try {
      await api('POST', `/api/v1/messages/${m.id}/notes`, { body: input.value.trim() });
      input.value = '';
      notice(noticeBox, 'ok', t('lifecycle.note_added_not_public'));
      await reload();
    } catch (e) { if (!e.redirecting) { setText(err, errorText(e)); err.hidden = false; } }
  });
}

export function desk(m) {
  const sel = document.getElementById('f-template');
  clear(sel);
  sel.append(el('option', { value: '' }, t('common.no_template')));
  for (const tpl of m.templates || []) sel.append(el('option', { value: String(tpl.id) }, tpl.name));
  document.getElementById('template-field').hidden = !(m.templates || []).length;
  const body = document.getElementById('f-reply');
  if (m.draft && !body.value.trim()) {
    body.value = m.draft.body;
    body.dispatchEvent(new Event('input'));
    setText(document.getElementById('draft-status'), t('lifecycle.draft_loaded', fmtTime(m.draft.updated_at)));
  }
  const notes = document.getElementById('notes');
  clear(notes);
  for (const n of m.notes || []) {
    notes.append(el('li', null, el('span', { class: 'muted' }, t('lifecycle.who_when', fmtTime(n.created_at), n.author)), n.body));
  }
  const mayWrite = m.can_reply === true;
  document.getElementById('note-form').hidden = !mayWrite;
  document.getElementById('notes-section').hidden = !mayWrite && !(m.notes || []).length;
}
