// Daily digest (每日简报): each department's day: messages received, and of
// its open messages overdue, due within 2 working days, urged, and replies
// or extensions waiting for the head. A head or handler sees their own
// department, leaders and admins all (the server decides). Each figure
// links to the inbox filtered to it. UI strings are in T.
import { t } from './i18n.js';
import { api, el, clear, setText, notice, errorText, requireOfficial, footer, param, fmtTime } from './common.js';

const T = {
  cols: [t('admin.departments'), t('digest.new_messages'), t('common.overdue'), t('inbox.due_within_2_working_days'), t('digest.urged_open'), t('digest.urged_that_day'), t('digest.replies_waiting'), t('digest.extensions_waiting')],
  unrouted: t('common.to_be_routed'), asOf: (d, at) => t('digest.digest_of_as_of', d, at), failed: (e) => t('common.could_not_load', e),
};

footer();
const host = document.getElementById('digest');
const box = document.getElementById('notice');
const form = document.getElementById('filter');

function cell(n, href) {
  n = Number(n) || 0;
  return el('td', { class: `num${n ? ' hot' : ''}` }, n && href ? el('a', { href }, String(n)) : String(n));
}

async function load() {
  host.setAttribute('aria-busy', 'true');
  const q = new URLSearchParams();
  if (form.elements.date.value) q.set('date', form.elements.date.value);
  history.replaceState(null, '', `${location.pathname}${q.toString() ? '?' + q : ''}`);
  try {
    const d = await api('GET', `/api/v1/digest?${q}`);
    if (!form.elements.date.value) form.elements.date.value = d.date;
    setText(document.getElementById('asof'), T.asOf(d.date, fmtTime(d.as_of)));
    clear(host);
    const day = `from=${d.date}&to=${d.date}`;
    host.append(el('table', { class: 'data-table', id: 'digest-table' },
      el('thead', null, el('tr', null, T.cols.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', null, (d.departments || []).map((x) => el('tr', { 'data-id': String(x.id) },
        el('th', { scope: 'row' }, x.name || T.unrouted),
        cell(x.new, `/inbox.html?${day}`), cell(x.overdue, '/inbox.html?due=overdue'), cell(x.due_soon, '/inbox.html?due=soon'),
        cell(x.urged, '/inbox.html?urged=1'), cell(x.urged_today), cell(x.pending_replies), cell(x.pending_extensions))))));
  } catch (e) {
    if (e.redirecting) return;
    clear(host);
    notice(box, 'error', T.failed(errorText(e)));
  } finally {
    host.setAttribute('aria-busy', 'false');
  }
}

form.addEventListener('submit', (ev) => { ev.preventDefault(); load(); });
requireOfficial(['handler', 'head', 'leader', 'admin'])
  .then(() => {
    if (/^\d{4}-\d\d-\d\d$/.test(param('date') || '')) form.elements.date.value = param('date');
    return load();
  })
  .catch((e) => { if (!e.redirecting) notice(box, 'error', errorText(e)); });
