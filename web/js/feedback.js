// 意见采纳情况反馈: the feedback report of a consultation
// (GET /api/v1/consultations/{id}/feedback): comments by section and type,
// the largest groups of similar comments, and what was adopted and why.
// Public once published; before that only an admin sees it, with the tools
// to mark adoption decisions and publish. Printable (print stylesheet) and
// downloadable as Markdown (feedback.md). Text is inserted as text nodes.
import { api, el, clear, setText, notice, errorText, renderHeader, setSession, footer, param, fmtTime } from './common.js';

footer();

const id = param('id');
const host = document.getElementById('report');
const noticeBox = document.getElementById('notice');
const DECISION = { adopted: '采纳', partial: '部分采纳', not_adopted: '未采纳' };

function sectionName(sections, no) {
  if (!no) return '全文';
  const s = (sections || []).find((x) => x.no === no);
  return s ? `${s.no}. ${s.title}` : String(no);
}

function render(fb) {
  clear(host);
  const c = fb.consultation;
  document.title = `${c.title} · 意见采纳情况反馈 · 民意`;
  const crumb = document.getElementById('crumb-cons');
  setText(crumb, c.title);
  crumb.setAttribute('href', `/consultation.html?id=${encodeURIComponent(c.id)}`);
  host.append(el('h1', { class: 'page-title wrap-anywhere' }, `${c.title} 意见征求情况反馈`),
    el('p', { class: 'meta' }, fb.published_at ? `发布于 ${fmtTime(fb.published_at)}` : '（草稿，尚未发布）',
      ` · 共收到意见 ${fb.total} 条`));
  if (fb.summary) host.append(el('blockquote', { class: 'wrap-anywhere' }, fb.summary));
  const table = el('table', null, el('thead', null, el('tr', null, el('th', null, '章节'), el('th', null, '类型'), el('th', null, '条数'))));
  const tb = el('tbody');
  for (const x of fb.counts) tb.append(el('tr', null, el('td', null, sectionName(fb.sections, x.section)), el('td', null, x.type), el('td', null, String(x.n))));
  table.append(tb);
  host.append(el('h2', null, '意见分布'), table);
  host.append(el('h2', null, '集中反映的意见'));
  if (!fb.groups.length) host.append(el('p', { class: 'muted' }, '没有集中反映的相似意见。'));
  const ol = el('ol');
  for (const g of fb.groups) {
    ol.append(el('li', { class: 'wrap-anywhere' }, el('strong', null, g.title), ` （${g.size} 人次，${DECISION[g.decision] || '待定'}）`,
      g.reason ? el('span', { class: 'muted' }, ` 理由：${g.reason}`) : null,
      el('span', { class: 'muted admin-only', hidden: true }, ` 编号 ${g.group_id}`)));
  }
  host.append(ol, el('h2', null, '采纳情况'));
  if (!fb.decisions.length) host.append(el('p', { class: 'muted' }, '尚无采纳情况。'));
  for (const d of fb.decisions) {
    host.append(el('div', { class: 'decision wrap-anywhere' },
      el('h3', null, `${DECISION[d.decision]}：${d.title}`, d.whole_group && d.group_size > 1 ? `（${d.group_size} 人次）` : ''),
      el('p', null, d.body),
      el('p', null, el('strong', null, '理由：'), d.reason),
      el('p', { class: 'muted' }, `所属章节：${sectionName(fb.sections, d.section)}`)));
  }
}

async function load() {
  if (!id || !/^\d+$/.test(id)) { clear(host); notice(noticeBox, 'error', '缺少征求意见编号。'); return; }
  document.getElementById('md-link').setAttribute('href', `/api/v1/consultations/${encodeURIComponent(id)}/feedback.md`);
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
    notice(noticeBox, 'error', e.status === 401 || e.status === 403 ? '反馈报告尚未发布。' : `无法加载：${errorText(e)}`);
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
    notice(noticeBox, 'ok', '已保存。');
    f.reset();
    render(await api('GET', `/api/v1/consultations/${encodeURIComponent(id)}/feedback`));
  } catch (e) { notice(noticeBox, 'error', `未保存：${errorText(e)}`); }
});

document.getElementById('publish-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    await api('POST', `/api/v1/consultations/${encodeURIComponent(id)}/feedback/publish`, { summary: ev.currentTarget.elements.summary.value });
    notice(noticeBox, 'ok', '反馈报告已发布。');
    render(await api('GET', `/api/v1/consultations/${encodeURIComponent(id)}/feedback`));
  } catch (e) { notice(noticeBox, 'error', `未发布：${errorText(e)}`); }
});

load();
