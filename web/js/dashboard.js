// 办理公开: the public transparency dashboard. Totals, each department's
// reply / on-time / satisfaction rates (sortable table; bar chart) and the
// daily received / replied counts (line chart), from GET /api/v1/stats;
// 热点问题 (frequent keywords with their trend, the largest near-duplicate
// groups) from GET /api/v1/hot, loaded on its own: if it fails, only that
// section says so.
// Charts are Apache ECharts, loaded by a classic <script> before this module
// (window.echarts, served by minyi at /vendor/echarts/); without it the
// totals and the table still work. Department names are drawn by ECharts on
// canvas or as text nodes (the tooltip is built with el()), never as HTML.
import { t } from './i18n.js';
import { api, el, clear, setText, notice, errorText, renderHeader, footer, fmtTime, typeLabel, fmtNumber, fmtPercent } from './common.js';

renderHeader(null);
footer();

const $ = (id) => document.getElementById(id);
const noticeBox = $('notice');
const PHONE = 720;            // the stylesheet's phone breakpoint
const CHART_MAX_DEPTS = 14;   // more than this: the chart shows the busiest, the table all
const COLORS = ['#12467f', '#2e9e5b', '#c0841a'];   // same as .tip-dot-N in site.css

// A rate (0..1) as a percentage with at most one decimal; null as "—".
function fmtRate(x) {
  if (x === null || x === undefined || x === '') return '—';
  const n = Number(x);
  if (Number.isNaN(n)) return '—';
  return `${Number((n * 100).toFixed(1))}%`;
}
const num = (x) => (x === null || x === undefined ? '—' : fmtNumber(Number(x) || 0));
const pct = (x) => (x === null || x === undefined || Number.isNaN(Number(x)) ? null : Number((Number(x) * 100).toFixed(1)));
const deptName = (d) => (d && d.department) || t('common.to_be_routed');

// ---------- totals ----------

function renderTotals(stats) {
  const tot = stats.totals || {};
  // Deadlines are per message type, in working days: e.g. "咨询 5、求助 7、投诉 15 个工作日".
  const dl = stats.deadlines || {};
  const dlText = Object.keys(dl).filter(k => k !== '感谢').map(k => `${typeLabel(k)} ${dl[k]}`)   // i18n-ok: the API's type value
    .join(t('common.list_separator'));
  setText($('t-received'), num(tot.received));
  setText($('t-received-sub'), t('dashboard.answered', num(tot.replied), Number(tot.unrouted) ? t('dashboard.to_be_routed_2', num(tot.unrouted)) : ''));
  setText($('t-reply-rate'), fmtRate(tot.reply_rate));
  setText($('t-reply-sub'), t('dashboard.overdue', num(tot.overdue)));
  setText($('t-on-time-rate'), fmtRate(tot.on_time_rate));
  setText($('t-on-time-sub'), t('dashboard.answered_on_time', num(tot.on_time)));
  setText($('t-satisfaction'), fmtRate(tot.satisfaction_rate));
  const min = Number(stats.min_ratings) || 5;
  setText($('t-satisfaction-sub'), !Number(tot.ratings) ? t('dashboard.no_ratings_yet')
    : tot.satisfaction_rate === null ? t('dashboard.ratings_fewer_than_no_satisfaction', num(tot.ratings), min) : t('dashboard.ratings', num(tot.ratings)));
  $('totals').setAttribute('aria-busy', 'false');
  setText($('d-note'), t('dashboard.reply_rate_answered_received_on', dlText || t('dashboard.by_type_of_message'))
    + t('dashboard.overdue_messages_not_answered_by')
    + (official ? t('dashboard.urged_messages_a_leader_urged') : '') + t('dashboard.satisfaction_rate_4_and_5')
    + t('dashboard.not_counted_below_ratings_time', min));
}

// ---------- table ----------

const COLUMNS = [
  { key: 'department', label: t('common.department_in_charge'), text: true },
  { key: 'received', label: t('dashboard.received') },
  { key: 'replied', label: t('common.replied') },
  { key: 'reply_rate', label: t('dashboard.reply_rate'), rate: true },
  { key: 'on_time_rate', label: t('dashboard.on_time_reply_rate'), rate: true },
  { key: 'overdue', label: t('dashboard.overdue_3') },
  { key: 'closed', label: t('common.closed') },
  { key: 'urged', label: t('common.urged_by_a_leader'), official: true },
  { key: 'extended', label: t('dashboard.extended'), official: true },
  { key: 'ratings', label: t('dashboard.ratings_2') },
  { key: 'satisfaction_rate', label: t('dashboard.satisfaction_rate'), rate: true },
  { key: 'first_reply_hours_avg', label: t('dashboard.mean_time_to_reply'), hours: true },
  { key: 'first_reply_hours_p90', label: t('dashboard.90_replied_within'), hours: true },
];
const fmtHours = (h) => (h === null || h === undefined ? '—' : t('dashboard.h', Number(h).toFixed(1)));
// The supervision columns (督办, 延期) only for officials, who get them from
// the official view of GET /api/v1/stats (a head: their own department).
let official = false;
const shown = () => COLUMNS.filter((c) => !c.official || official);
let sortKey = 'received';
let sortDir = -1;   // -1 descending, 1 ascending
let departments = [];

function compare(a, b) {
  if (sortKey === 'department') return sortDir * deptName(a).localeCompare(deptName(b), 'zh-CN');
  const x = a[sortKey];
  const y = b[sortKey];
  // Nulls ("—") last in either direction.
  if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
  if (y === null || y === undefined) return -1;
  return sortDir * (Number(x) - Number(y));
}

function sorted() {
  return departments.map((d, i) => [d, i])
    .sort((p, q) => compare(p[0], q[0]) || p[1] - q[1])
    .map((p) => p[0]);
}

function renderHead() {
  const tr = $('dept-head');
  clear(tr);
  for (const c of shown()) {
    const active = c.key === sortKey;
    const arrow = active ? (sortDir < 0 ? '▼' : '▲') : '↕';
    const btn = el('button', { type: 'button', class: 'sort-btn', 'data-key': c.key },
      c.label, el('span', { class: 'sort-arrow', 'aria-hidden': 'true' }, arrow));
    btn.addEventListener('click', () => {
      if (sortKey === c.key) sortDir = -sortDir;
      else { sortKey = c.key; sortDir = c.text ? 1 : -1; }
      renderTable();
    });
    tr.append(el('th', {
      scope: 'col', class: c.text ? null : 'num',
      'aria-sort': active ? (sortDir < 0 ? 'descending' : 'ascending') : 'none',
    }, btn));
  }
  const sel = $('d-sort');
  if (!sel.options.length) {
    for (const c of shown()) {
      const dirs = c.text ? [[1, t('dashboard.alphabetical')]] : [[-1, t('dashboard.high_to_low')], [1, t('dashboard.low_to_high')]];
      for (const [dir, how] of dirs) sel.append(el('option', { value: `${c.key}:${dir}` }, c.label + how));
    }
    sel.addEventListener('change', () => {
      const [k, d] = sel.value.split(':');
      sortKey = k;
      sortDir = Number(d);
      renderTable();
    });
  }
  sel.value = `${sortKey}:${sortDir}`;
}

function renderTable() {
  renderHead();
  const body = $('dept-body');
  clear(body);
  if (!departments.length) {
    body.append(el('tr', null, el('td', { colspan: shown().length, class: 'empty' }, t('dashboard.no_department_figures_yet'))));
  }
  for (const d of sorted()) {
    const tr = el('tr', { 'data-department-id': d.department_id });
    for (const c of shown()) {
      if (c.key === 'department') {
        tr.append(el('th', { scope: 'row', class: 'dept-name' }, deptName(d)));
        continue;
      }
      const v = c.rate ? fmtRate(d[c.key]) : c.hours ? fmtHours(d[c.key]) : num(d[c.key]);
      const cls = ['num'];
      if (c.key === 'overdue' && Number(d.overdue) > 0) cls.push('warn');
      tr.append(el('td', { class: cls.join(' '), 'data-label': c.label, 'data-key': c.key }, v));
    }
    body.append(tr);
  }
  $('dept-table').setAttribute('aria-busy', 'false');
}

// ---------- charts ----------

const charts = {};

// Tooltip content as DOM (ECharts inserts element content as it is): a title
// and one row per series, text nodes only.
function tooltip(title, rows) {
  return el('div', { class: 'tip' },
    el('strong', { class: 'tip-title' }, title),
    rows.map(([i, name, value]) => el('div', { class: 'tip-row' },
      el('span', { class: `tip-dot tip-dot-${i}`, 'aria-hidden': 'true' }),
      el('span', null, name), el('b', null, value))));
}

function ratesOption(list, narrow) {
  const names = list.map(deptName);
  const labelW = narrow ? 78 : 150;
  const barLabel = { show: true, position: 'right', fontSize: 11, color: '#4a5563', formatter: (p) => (p.value == null ? '—' : `${p.value}%`) };
  return {
    color: COLORS.slice(0, 2),
    animation: false,
    textStyle: { fontFamily: 'inherit' },
    legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 10 },
    grid: { left: 4, right: narrow ? 40 : 48, top: 32, bottom: 4, containLabel: true },
    tooltip: {
      trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, className: 'chart-tip',
      formatter: (ps) => {
        const d = list[ps[0].dataIndex];
        return tooltip(deptName(d), [
          [0, t('dashboard.reply_rate'), t('dashboard.name_with_ratio', fmtRate(d.reply_rate), num(d.replied), num(d.received))],
          [1, t('dashboard.on_time_reply_rate'), t('dashboard.name_with_ratio', fmtRate(d.on_time_rate), num(d.on_time), num(d.replied))],
        ]);
      },
    },
    xAxis: { type: 'value', min: 0, max: 100, interval: narrow ? 50 : 25, axisLabel: { formatter: '{value}%' } },
    yAxis: {
      type: 'category', inverse: true, data: names,
      axisTick: { show: false },
      axisLabel: { width: labelW, overflow: 'truncate', color: '#1c2430' },
    },
    series: [
      { name: t('dashboard.reply_rate'), type: 'bar', data: list.map((d) => pct(d.reply_rate)), label: barLabel, barMaxWidth: 16, barGap: '20%' },
      { name: t('dashboard.on_time_reply_rate'), type: 'bar', data: list.map((d) => pct(d.on_time_rate)), label: barLabel, barMaxWidth: 16 },
    ],
  };
}

function dailyOption(daily, narrow) {
  const dates = daily.map((d) => String(d.date || ''));
  // Few days: the counts written at the points (a lone point says little).
  const pointLabel = { show: daily.length <= (narrow ? 7 : 12), position: 'top', fontSize: 11, color: '#4a5563' };
  return {
    color: [COLORS[0], COLORS[1]],
    animation: false,
    textStyle: { fontFamily: 'inherit' },
    legend: { top: 0, left: 0, itemWidth: 14, itemHeight: 10 },
    grid: { left: 4, right: 16, top: 36, bottom: 4, containLabel: true },
    tooltip: {
      trigger: 'axis', confine: true, className: 'chart-tip',
      formatter: (ps) => {
        const d = daily[ps[0].dataIndex];
        return tooltip(String(d.date || ''), [[0, t('dashboard.received'), t('dashboard.count', num(d.received))], [1, t('common.replied_2'), t('dashboard.count', num(d.replied))]]);
      },
    },
    xAxis: {
      type: 'category', data: dates, boundaryGap: false,
      axisLabel: { formatter: (v) => v.slice(5), hideOverlap: true, fontSize: narrow ? 11 : 12 },
    },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        name: t('dashboard.received'), type: 'line', data: daily.map((d) => Number(d.received) || 0),
        symbolSize: 6, areaStyle: { opacity: 0.08 }, label: pointLabel,
      },
      { name: t('common.replied_2'), type: 'line', data: daily.map((d) => Number(d.replied) || 0), symbolSize: 6, label: pointLabel },
    ],
  };
}

// The busiest departments (by messages received; none without messages) for
// the bar chart; the table lists all of them.
function chartDepartments() {
  const list = departments.filter((d) => Number(d.received) > 0).map((d, i) => [d, i])
    .sort((p, q) => (Number(q[0].received) || 0) - (Number(p[0].received) || 0) || p[1] - q[1])
    .map((p) => p[0]);
  return list.slice(0, CHART_MAX_DEPTS);
}

let stats = null;
function drawCharts() {
  const ec = window.echarts;
  const ratesBox = $('chart-rates');
  const dailyBox = $('chart-daily');
  if (!ec) {
    for (const [box, empty] of [[ratesBox, 'chart-rates-empty'], [dailyBox, 'chart-daily-empty']]) {
      box.hidden = true;
      $(empty).hidden = false;
      setText($(empty), t('dashboard.the_chart_could_not_be'));
    }
    return;
  }
  const narrow = document.documentElement.clientWidth < PHONE;
  const list = chartDepartments();
  ratesBox.classList.remove('rows-s', 'rows-m', 'rows-l');
  ratesBox.classList.add(list.length <= 4 ? 'rows-s' : list.length <= 8 ? 'rows-m' : 'rows-l');
  ratesBox.hidden = !list.length;
  $('chart-rates-empty').hidden = !!list.length;
  const busy = departments.filter((d) => Number(d.received) > 0).length;
  if (busy > list.length) {
    $('chart-rates-empty').hidden = false;
    setText($('chart-rates-empty'), t('dashboard.the_chart_shows_the_departments', list.length));
  } else if (!list.length) {
    setText($('chart-rates-empty'), t('dashboard.no_department_has_received_messages'));
  }
  const daily = Array.isArray(stats.daily) ? stats.daily : [];
  dailyBox.hidden = !daily.length;
  $('chart-daily-empty').hidden = !!daily.length;

  if (list.length) {
    if (!charts.rates) charts.rates = ec.init(ratesBox, null, { renderer: 'canvas' });
    charts.rates.setOption(ratesOption(list, narrow), true);
    charts.rates.resize();
  }
  if (daily.length) {
    if (!charts.daily) charts.daily = ec.init(dailyBox, null, { renderer: 'canvas' });
    charts.daily.setOption(dailyOption(daily, narrow), true);
    charts.daily.resize();
  }
}

// Charts follow their boxes (window resize, rotation, the rates box growing
// with the number of departments); one redraw per frame at most.
let pending = false;
let lastNarrow = null;
function onResize() {
  if (pending || !stats) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    const narrow = document.documentElement.clientWidth < PHONE;
    if (narrow !== lastNarrow) { lastNarrow = narrow; drawCharts(); return; }
    for (const c of Object.values(charts)) c.resize();
  });
}

// ---------- reply quality (officials): per-department means of the scores recorded at publication ----------
const RQ_COLS = ['department', 'replies', 'score', 'relevance', 'completeness', 'boilerplate', 'timeliness'];
async function loadReplyQuality() {
  let r;
  try { r = await api('GET', '/api/v1/reply-quality/departments', undefined, { stay: true }); } catch (e) { return; }
  const body = $('rq-body');
  clear(body);
  const pct = (x) => (x === null || x === undefined ? '—' : fmtPercent(x));
  for (const d of r.departments) {
    const v = [d.department || t('dashboard.rq_no_department'), fmtNumber(d.replies), fmtNumber(Math.round(d.score)),
      pct(d.relevance), pct(d.completeness), pct(d.boilerplate), pct(d.timeliness)];
    body.append(el('tr', { 'data-department': String(d.department_id) }, ...v.map((x, i) =>
      el(i ? 'td' : 'th', i ? { 'data-label': t(`dashboard.rq_${RQ_COLS[i]}`) } : { scope: 'row', 'data-label': t('dashboard.rq_department') }, x))));
  }
  $('rq').hidden = !r.departments.length;
}

async function load() {
  try {
    stats = await api('GET', '/api/v1/stats?public=1');   // the public view, even for a logged-in official
  } catch (e) {
    notice(noticeBox, 'error', t('dashboard.could_not_load_the_figures', errorText(e)));
    for (const id of ['t-received', 't-reply-rate', 't-on-time-rate', 't-satisfaction']) setText($(id), '—');
    $('totals').setAttribute('aria-busy', 'false');
    $('dept-table').setAttribute('aria-busy', 'false');
    return;
  }
  departments = Array.isArray(stats.departments) ? stats.departments : [];
  // An official also sees the urged and extended counts of the departments
  // their role covers; everyone else keeps the public figures.
  try {
    const mine = await api('GET', '/api/v1/stats', undefined, { stay: true });
    if (mine && mine.totals && 'urged' in mine.totals) {
      const byId = new Map((mine.departments || []).map((d) => [d.department_id, d]));
      for (const d of departments) {
        const o = byId.get(d.department_id);
        d.urged = o ? o.urged : null;
        d.extended = o ? o.extended : null;
      }
      official = true;
    }
  } catch (e) { /* the public figures stand */ }
  if (official) loadReplyQuality();
  renderTotals(stats);
  renderTable();
  lastNarrow = document.documentElement.clientWidth < PHONE;
  drawCharts();
  document.body.dataset.ready = '1';
  window.addEventListener('resize', onResize);
  if (window.ResizeObserver) {
    const ro = new ResizeObserver(onResize);
    ro.observe($('chart-rates'));
    ro.observe($('chart-daily'));
  }
}
// ---------- 热点问题 ----------

const HOT_TTL = 60000;
const KW_SHOWN = 10;          // more keywords than this: the rest behind 显示全部        // a window's answer is reused this long when switching back
const hotCache = new Map();   // days -> { at, data }
let hotDays = 7;
let hotSeq = 0;               // only the latest request draws

// "↑7" / "↓3" / "新" / "—" with the full sentence for screen readers.
function trend(count, previous, days) {
  const c = Number(count) || 0;
  const p = Number(previous) || 0;
  let kind;
  let shown;
  let said;
  if (!p && c) { kind = 'new'; shown = t('dashboard.new'); said = t('dashboard.not_seen_in_the_days', days); }
  else if (c > p) { kind = 'up'; shown = `↑${c - p}`; said = t('dashboard.more_than_the_days_before', days, c - p, p); }
  else if (c < p) { kind = 'down'; shown = `↓${p - c}`; said = t('dashboard.fewer_than_the_days_before', days, p - c, p); }
  else { kind = 'same'; shown = '—'; said = t('dashboard.same_as_the_days_before', days); }
  return el('span', { class: `trend trend-${kind}`, 'data-trend': kind, title: said },
    el('span', { 'aria-hidden': 'true' }, shown), el('span', { class: 'visually-hidden' }, t('dashboard.comma_then', said)));
}

// A group's time span: one day as "2026-11-29 08:10 至 10:40", longer as
// "2026-11-20 至 2026-11-29".
function timeSpan(first, last) {
  const a = fmtTime(first);
  const b = fmtTime(last);
  if (!a || !b || a === b) return a || b;
  if (a.slice(0, 10) === b.slice(0, 10)) return t('dashboard.to', a, b.slice(11));
  return t('dashboard.to', a.slice(0, 10), b.slice(0, 10));
}

function renderKeywords(list, days) {
  const host = $('hot-keywords');
  clear(host);
  const counts = list.map((k) => Number(k.count) || 0);
  const max = Math.max(1, ...counts);
  for (const [i, k] of list.entries()) {
    const word = String(k.word == null ? '' : k.word);
    const count = counts[i];
    // Equal counts, equal rank (1, 1, 3 ...): the list's order alone would
    // rank words that are just as frequent.
    const rank = 1 + counts.filter((c) => c > count).length;
    const fill = el('span', { class: 'kw-fill' });
    // CSSOM, not a style attribute: allowed by a strict style-src.
    fill.style.width = `${Math.max(2, Math.round((count / max) * 100))}%`;
    host.append(el('li', { class: rank <= 3 ? 'kw kw-top' : 'kw', 'data-word': word, 'data-rank': rank },
      el('span', { class: 'kw-rank', 'aria-hidden': 'true' }, rank),
      el('span', { class: 'kw-word' }, word),
      el('span', { class: 'kw-bar', 'aria-hidden': 'true' }, fill),
      el('span', { class: 'kw-count' }, t('dashboard.count_tight', count)),
      trend(count, k.previous, days)));
  }
  host.hidden = !list.length;
  $('hot-keywords-empty').hidden = !!list.length;
  const more = $('hot-keywords-more');
  more.hidden = list.length <= KW_SHOWN;
  showAllKeywords(false);
}

function showAllKeywords(all) {
  const items = $('hot-keywords').children;
  for (let i = KW_SHOWN; i < items.length; i++) items[i].hidden = !all;
  const more = $('hot-keywords-more');
  more.setAttribute('aria-expanded', String(all));
  setText(more, all ? t('dashboard.show_less') : t('dashboard.show_all_keywords', items.length));
}

function renderGroups(list) {
  const host = $('hot-groups');
  clear(host);
  for (const g of list) {
    const size = Number(g.size) || 0;
    const authors = Number(g.authors) || 0;
    const title = String(g.title == null ? '' : g.title).trim();
    const when = timeSpan(g.first_at, g.last_at);
    host.append(el('li', { class: 'hot-group', 'data-group-id': g.group_id },
      el('p', { class: 'hg-title' }, title || t('dashboard.no_title')),
      el('p', { class: 'hg-meta' },
        el('span', { class: 'hg-size' }, authors ? t('dashboard.messages_from_people', size, authors) : t('dashboard.messages', size)),
        el('span', { class: 'hg-dept' }, t('dashboard.department'), g.department ? String(g.department) : t('common.to_be_routed')),
        when ? el('span', { class: 'hg-when' }, when) : null)));
  }
  host.hidden = !list.length;
  $('hot-groups-empty').hidden = !!list.length;
}

// Issues: place + problem, heat, size, authors, time span, trend; its
// messages load on demand from the issue's link.
function renderIssues(list, days) {
  const host = $('hot-issues');
  clear(host);
  for (const it of list) {
    const size = Number(it.size) || 0;
    const authors = Number(it.authors) || 0;
    const tr = it.trend && typeof it.trend === 'object' ? it.trend : {};
    const when = timeSpan(it.first_at, it.last_at);
    const more = el('button', { type: 'button', class: 'btn btn-sm issue-more', 'aria-expanded': 'false' }, t('dashboard.see_the_messages'));
    const msgs = el('ul', { class: 'issue-msgs', hidden: true });
    more.addEventListener('click', async () => {
      const open = more.getAttribute('aria-expanded') !== 'true';
      more.setAttribute('aria-expanded', String(open));
      msgs.hidden = !open;
      if (!open || msgs.childElementCount || typeof it.messages !== 'string' || !it.messages.startsWith('/api/v1/hot/')) return;
      try {
        const r = await api('GET', it.messages);
        for (const m of (r && Array.isArray(r.messages) ? r.messages : [])) {
          msgs.append(el('li', { 'data-message-id': m.id },
            el('a', { href: `message.html?id=${encodeURIComponent(m.id)}` }, String(m.title || t('dashboard.no_title'))),
            el('span', { class: 'muted' }, ' ', fmtTime(m.created_at) || '')));
        }
        if (!msgs.childElementCount) msgs.append(el('li', { class: 'muted' }, t('dashboard.no_messages_to_show')));
      } catch (e) {
        msgs.append(el('li', { class: 'muted' }, t('dashboard.the_messages_could_not_be', errorText(e))));
      }
    });
    host.append(el('li', { class: 'hot-issue', 'data-issue-id': it.issue_id },
      el('p', { class: 'hi-desc' }, String(it.description || it.place || '')),
      el('p', { class: 'hg-meta' },
        el('span', { class: 'hi-size' }, authors ? t('dashboard.messages_from_people', size, authors) : t('dashboard.messages', size)),
        el('span', { class: 'hi-heat' }, t('dashboard.heat', (Number(it.heat) || 0).toFixed(1))),
        when ? el('span', { class: 'hg-when' }, when) : null,
        trend(tr.recent, tr.previous, Math.min(days, 7))),
      more, msgs));
  }
  host.hidden = !list.length;
  $('hot-issues-empty').hidden = !!list.length;
}

// Words rising fastest (GET /api/v1/trends), on one line; nothing when none.
async function loadTrends(days) {
  const box = $('hot-trends');
  try {
    const r = await api('GET', `/api/v1/trends?days=${Math.min(days, 7)}`);
    const words = (r && Array.isArray(r.words) ? r.words : []).slice(0, 10);
    clear(box);
    if (!words.length) { box.hidden = true; return; }
    box.append(el('span', { class: 'muted' }, t('dashboard.fastest_rising_words_in_the', Math.min(days, 7))));
    for (const w of words) box.append(el('span', { class: 'trend-word', 'data-word': w.word }, String(w.word)), ' ');
    box.hidden = false;
  } catch (e) {
    box.hidden = true;
  }
}

function renderHot(data, days) {
  const issues = (Array.isArray(data.issues) ? data.issues : []).filter((i) => i && typeof i === 'object').slice(0, 10);
  renderIssues(issues, days);
  loadTrends(days);
  const keywords = (Array.isArray(data.keywords) ? data.keywords : []).filter((k) => k && k.word != null);
  const groups = (Array.isArray(data.groups) ? data.groups : []).filter((g) => g && typeof g === 'object');
  setText($('hk-note'), t('dashboard.the_words_messages_of_the', days, days));
  setText($('hg-note'), t('dashboard.repeated_reports_with_new_messages', days));
  renderKeywords(keywords, days);
  renderGroups(groups);
}

function pressDays(days) {
  for (const b of $('hot-days').querySelectorAll('button[data-days]')) {
    b.setAttribute('aria-pressed', String(Number(b.dataset.days) === days));
  }
}

async function loadHot(days) {
  const seq = ++hotSeq;
  const box = $('hot');
  const body = $('hot-body');
  box.dataset.state = 'loading';
  body.setAttribute('aria-busy', 'true');
  const cached = hotCache.get(days);
  let data = cached && Date.now() - cached.at < HOT_TTL ? cached.data : null;
  if (!data) {
    try {
      data = await api('GET', `/api/v1/hot?days=${days}`);
      if (!data || typeof data !== 'object') throw new Error(t('dashboard.the_server_s_answer_was'));
    } catch (e) {
      if (seq !== hotSeq) return;
      const box2 = $('hot-notice');
      notice(box2, 'error', t('dashboard.the_hot_issues_could_not', errorText(e)));
      const retry = el('button', { type: 'button', class: 'btn btn-sm hot-retry' }, t('dashboard.retry'));
      retry.addEventListener('click', () => loadHot(hotDays));
      box2.append(' ', retry);
      body.hidden = true;
      body.setAttribute('aria-busy', 'false');
      box.dataset.days = String(days);
      box.dataset.state = 'error';
      return;
    }
    hotCache.set(days, { at: Date.now(), data });
  }
  if (seq !== hotSeq) return;
  notice($('hot-notice'), 'error', '');
  renderHot(data, days);
  body.hidden = false;
  body.setAttribute('aria-busy', 'false');
  box.dataset.days = String(days);
  box.dataset.state = 'ready';
}

$('hot-keywords-more').addEventListener('click', (ev) => {
  showAllKeywords(ev.currentTarget.getAttribute('aria-expanded') !== 'true');
});
for (const b of $('hot-days').querySelectorAll('button[data-days]')) {
  b.addEventListener('click', () => {
    const days = Number(b.dataset.days);
    if (days === hotDays && $('hot').dataset.state !== 'error') return;
    hotDays = days;
    pressDays(days);
    loadHot(days);
  });
}
pressDays(hotDays);
loadHot(hotDays);
load();
