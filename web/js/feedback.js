// 意见采纳情况反馈: the feedback report of a consultation
// (GET /api/v1/consultations/{id}/feedback): comments by section and type,
// the largest groups of similar comments, and what was adopted and why.
// Public once published; before that only an admin sees it, with the tools
// to mark adoption decisions and publish. Printable (print stylesheet) and
// downloadable as Markdown (feedback.md, in the page's language). Text is inserted as text nodes.
import { t, lang } from './i18n.js';
import { api, el, clear, setText, notice, errorText, renderHeader, setSession, footer, param, fmtTime, typeLabel } from './common.js';

footer();

const id = param('id');
const host = document.getElementById('report');
const noticeBox = document.getElementById('notice');
const DECISION = { adopted: t('feedback.adopted'), partial: t('feedback.partly_adopted'), not_adopted: t('feedback.not_adopted') };

function sectionName(sections, no) {
  if (!no) return t('feedback.whole_draft');
  const s = (sections || []).find((x) => x.no === no);
  return s ? `${s.no}. ${s.title}` : String(no);
}

function render(fb) {
  clear(host);
  const c = fb.consultation;
  document.title = t('feedback.feedback_on_the_comments_minyi', c.title);
  const crumb = document.getElementById('crumb-cons');
  setText(crumb, c.title);
  crumb.setAttribute('href', `/consultation.html?id=${encodeURIComponent(c.id)}`);
  host.append(el('h1', { class: 'page-title wrap-anywhere' }, t('feedback.feedback_on_the_consultation', c.title)),
    el('p', { class: 'meta' }, fb.published_at ? t('common.published', fmtTime(fb.published_at)) : t('feedback.draft_not_published_yet'),
      t('feedback.comments_received', fb.total)));
  if (fb.summary) host.append(el('blockquote', { class: 'wrap-anywhere' }, fb.summary));
  const table = el('table', null, el('thead', null, el('tr', null, el('th', null, t('feedback.section')), el('th', null, t('common.type')), el('th', null, t('feedback.count')))));
  const tb = el('tbody');
  for (const x of fb.counts) tb.append(el('tr', null, el('td', null, sectionName(fb.sections, x.section)), el('td', null, typeLabel(x.type)), el('td', null, String(x.n))));
  table.append(tb);
  host.append(el('h2', null, t('feedback.comments_by_section_and_type')), table);
  host.append(el('h2', null, t('feedback.comments_made_by_many')));
  if (!fb.groups.length) host.append(el('p', { class: 'muted' }, t('feedback.no_comment_was_made_by')));
  const ol = el('ol');
  for (const g of fb.groups) {
    ol.append(el('li', { class: 'wrap-anywhere' }, el('strong', null, g.title), t('feedback.times', g.size, DECISION[g.decision] || t('feedback.pending')),
      g.reason ? el('span', { class: 'muted' }, t('feedback.reason', g.reason)) : null,
      el('span', { class: 'muted admin-only', hidden: true }, t('feedback.no', g.group_id))));
  }
  host.append(ol, el('h2', null, t('feedback.decision')));
  if (!fb.decisions.length) host.append(el('p', { class: 'muted' }, t('feedback.no_decisions_yet')));
  for (const d of fb.decisions) {
    host.append(el('div', { class: 'decision wrap-anywhere' },
      el('h3', null, t('feedback.label_value', DECISION[d.decision], d.title), d.whole_group && d.group_size > 1 ? t('feedback.times_2', d.group_size) : ''),
      el('p', null, d.body),
      el('p', null, el('strong', null, t('feedback.reason_2')), d.reason),
      el('p', { class: 'muted' }, t('feedback.section_2', sectionName(fb.sections, d.section)))));
  }
}

async function load() {
  if (!id || !/^\d+$/.test(id)) { clear(host); notice(noticeBox, 'error', t('feedback.the_consultation_number_is_missing')); return; }
  // The Markdown in the page's language (the server would otherwise go by Accept-Language).
  document.getElementById('md-link').setAttribute('href', `/api/v1/consultations/${encodeURIComponent(id)}/feedback.md?lang=${encodeURIComponent(lang)}`);
  let me = null;
  try { me = await api('GET', '/api/v1/me'); setSession(me.csrf_token, me); } catch (e) { /* a citizen */ }
  renderHeader(me);
  try {
    render(await api('GET', `/api/v1/consultations/${encodeURIComponent(id)}/feedback`));
    if (me && me.role === 'admin') {
      document.getElementById('admin-tools').hidden = false;
      for (const n of host.querySelectorAll('.admin-only')) n.hidden = false;
    }
  } catch (e) {
    clear(host);
    notice(noticeBox, 'error', e.status === 401 || e.status === 403 ? t('feedback.the_feedback_report_has_not') : t('common.could_not_load_2', errorText(e)));
  } finally {
    host.setAttribute('aria-busy', 'false');
  }
}

document.getElementById('print').addEventListener('click', () => window.print());

document.getElementById('adopt-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.currentTarget;
  try {
    await api('POST', `/api/v1/consultations/${encodeURIComponent(id)}/adoptions`, {
      message_id: Number(f.elements.message_id.value), decision: f.elements.decision.value,
      reason: f.elements.reason.value, whole_group: f.elements.whole_group.checked,
    });
    notice(noticeBox, 'ok', t('feedback.saved'));
    f.reset();
    render(await api('GET', `/api/v1/consultations/${encodeURIComponent(id)}/feedback`));
  } catch (e) { notice(noticeBox, 'error', t('feedback.not_saved', errorText(e))); }
});

document.getElementById('publish-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    await api('POST', `/api/v1/consultations/${encodeURIComponent(id)}/feedback/publish`, { summary: ev.currentTarget.elements.summary.value });
    notice(noticeBox, 'ok', t('feedback.the_feedback_report_is_published'));
    render(await api('GET', `/api/v1/consultations/${encodeURIComponent(id)}/feedback`));
  } catch (e) { notice(noticeBox, 'error', t('feedback.not_published', errorText(e))); }
});

load();
