// 办理公开: the public transparency dashboard. Totals, each department's
// reply / on-time / satisfaction rates (sortable table; bar chart) and the
// daily received / replied counts (line chart), from GET /api/v1/stats.
// Charts are Apache ECharts, loaded by a classic <script> before this module
// (window.echarts, served by minyi at /vendor/echarts/); without it the
// totals and the table still work. Department names are drawn by ECharts on
// canvas or as text nodes (the tooltip is built with el()), never as HTML.
import { api, el, clear, setText, notice, errorText, renderHeader, footer } from './common.js';

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
const num = (x) => (x === null || x === undefined ? '—' : String(Number(x) || 0));
const pct = (x) => (x === null || x === undefined || Number.isNaN(Number(x)) ? null : Number((Number(x) * 100).toFixed(1)));
const deptName = (d) => (d && d.department) || '待分办';

// ---------- totals ----------

function renderTotals(stats) {
  const t = stats.totals || {};
  const days = Number(stats.reply_days) || 0;
  setText($('t-received'), num(t.received));
  setText($('t-received-sub'), `已答复 ${num(t.replied)} 条${Number(t.unrouted) ? `，待分办 ${num(t.unrouted)} 条` : ''}`);
  setText($('t-reply-rate'), fmtRate(t.reply_rate));
  setText($('t-reply-sub'), `超期未答复 ${num(t.overdue)} 条`);
  setText($('t-on-time-rate'), fmtRate(t.on_time_rate));
  setText($('t-on-time-sub'), days ? `${days} 天内答复 ${num(t.on_time)} 条` : `按期答复 ${num(t.on_time)} 条`);
  setText($('t-satisfaction'), fmtRate(t.satisfaction));
  setText($('t-satisfaction-sub'), Number(t.rated) ? `共 ${num(t.rated)} 条评价` : '尚无评价');
  $('totals').setAttribute('aria-busy', 'false');
  setText($('d-note'), `答复率 = 已答复 ÷ 收到；按期答复率 = 在 ${days || '规定'} 天期限内首次答复 ÷ 已答复；`
    + '超期未答复 = 超过期限仍未答复的留言；满意率 = 评价为 4 星、5 星的 ÷ 评价数。分母为 0 时显示“—”。');
}

// ---------- table ----------

const COLUMNS = [
  { key: 'department', label: '承办部门', text: true },
  { key: 'received', label: '收到' },
  { key: 'replied', label: '已答复' },
  { key: 'reply_rate', label: '答复率', rate: true },
  { key: 'on_time_rate', label: '按期答复率', rate: true },
  { key: 'overdue', label: '超期未答复' },
  { key: 'rated', label: '评价数' },
  { key: 'satisfaction', label: '满意率', rate: true },
];
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
  for (const c of COLUMNS) {
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
    for (const c of COLUMNS) {
      const dirs = c.text ? [[1, '（拼音顺序）']] : [[-1, '（从高到低）'], [1, '（从低到高）']];
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
    body.append(el('tr', null, el('td', { colspan: COLUMNS.length, class: 'empty' }, '暂无部门办理数据。')));
  }
  for (const d of sorted()) {
    const tr = el('tr', { 'data-department-id': d.department_id });
    for (const c of COLUMNS) {
      if (c.key === 'department') {
        tr.append(el('th', { scope: 'row', class: 'dept-name' }, deptName(d)));
        continue;
      }
      const v = c.rate ? fmtRate(d[c.key]) : num(d[c.key]);
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
          [0, '答复率', `${fmtRate(d.reply_rate)}（${num(d.replied)}/${num(d.received)}）`],
          [1, '按期答复率', `${fmtRate(d.on_time_rate)}（${num(d.on_time)}/${num(d.replied)}）`],
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
      { name: '答复率', type: 'bar', data: list.map((d) => pct(d.reply_rate)), label: barLabel, barMaxWidth: 16, barGap: '20%' },
      { name: '按期答复率', type: 'bar', data: list.map((d) => pct(d.on_time_rate)), label: barLabel, barMaxWidth: 16 },
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
        return tooltip(String(d.date || ''), [[0, '收到', `${num(d.received)} 条`], [1, '答复', `${num(d.replied)} 条`]]);
      },
    },
    xAxis: {
      type: 'category', data: dates, boundaryGap: false,
      axisLabel: { formatter: (v) => v.slice(5), hideOverlap: true, fontSize: narrow ? 11 : 12 },
    },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      {
        name: '收到', type: 'line', data: daily.map((d) => Number(d.received) || 0),
        symbolSize: 6, areaStyle: { opacity: 0.08 }, label: pointLabel,
      },
      { name: '答复', type: 'line', data: daily.map((d) => Number(d.replied) || 0), symbolSize: 6, label: pointLabel },
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
      setText($(empty), '图表组件未能加载，请查看下方表格中的数据。');
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
    setText($('chart-rates-empty'), `图中为收到留言最多的 ${list.length} 个部门，全部部门见下方表格。`);
  } else if (!list.length) {
    setText($('chart-rates-empty'), '各部门尚未收到留言。');
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

async function load() {
  try {
    stats = await api('GET', '/api/v1/stats');
  } catch (e) {
    notice(noticeBox, 'error', `无法加载办理数据：${errorText(e)}`);
    for (const id of ['t-received', 't-reply-rate', 't-on-time-rate', 't-satisfaction']) setText($(id), '—');
    $('totals').setAttribute('aria-busy', 'false');
    $('dept-table').setAttribute('aria-busy', 'false');
    return;
  }
  departments = Array.isArray(stats.departments) ? stats.departments : [];
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
load();
