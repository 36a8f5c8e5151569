// Browser test of the public transparency dashboard (dashboard.html, GET
// /api/v1/stats) and of the citizen's rating of a reply (track.html, POST
// /api/v1/messages/{code}/rating). Starts the real minyi server on a
// temporary database with demo data, two CLI departments with keyword rules
// (one named with a script-injection string) and a handler in each; submits
// messages through the API and replies to some as the handlers through the
// API; then drives chromium:
//   tracking page shows 答复期限 (kept / not yet due); no rating form before a
//   reply; the rating form refuses a missing score and an over-long comment
//   at the fields; a 4-star rating with a comment is shown afterwards; the
//   same form left open in a second tab gets the 409 as an error and the
//   stored rating; the dashboard's totals and every department row match
//   GET /api/v1/stats; both ECharts charts draw canvases of non-zero size
//   and follow a resize; the injected department name is literal text;
//   sorting; the home page and the nav link to it; a 390px phone; a strict
//   Content-Security-Policy; no script errors.
// The analyzer routes in the background: every wait polls, none sleeps blind.
//
// Output and binaries as flow.test.mjs (harness: lib.mjs).

import { writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN, DB, RUN, tmp, group, check, run, runTests, until, startServer, stopServer, launchBrowser,
  watch, newLog, shot, text, fits,
  newPage as sharedNewPage, getJson as sharedGetJson, postJson as sharedPostJson, apiLogin as sharedApiLogin,
  strictCspPage,
} from './lib.mjs';

const WAIT = 20000;   // the analyzer's background work

const pw = (who) => `pw-${RUN}-${who}-secret`;
const INJECT = '<img src=x onerror=alert(1)>';
const DEPT_A = `e2e公开局-${RUN}`;
const DEPT_X = INJECT;
const HA = { login: `d-ha-${RUN}`, password: pw('ha') };
const HX = { login: `d-hx-${RUN}`, password: pw('hx') };
// Keywords that none of the demo departments' rules contain (公交, 小区, 学校 ...).
const KW_A = `候车亭${RUN}`;   // keyword rule -> DEPT_A
const KW_X = `井盖${RUN}`;     // keyword rule -> DEPT_X
const COMMENT = `答复及时，问题已解决。${INJECT}`;
const LONG = '很'.repeat(501);

let base = '';
let browser = null;
let boardId = 0;
let desktop = null;
let phone = null;
const logs = [];

const newPage = (ctx) => sharedNewPage(ctx, logs);
const getJson = (path, session) => sharedGetJson(base, path, session);
const postJson = (path, body, session) => sharedPostJson(base, path, body, session);
const apiLogin = (user) => sharedApiLogin(base, user);
const msgs = [];   // { id, code, title, dept, replied }

// Percentages exactly as the dashboard writes them.
function fmtRate(x) {
  if (x === null || x === undefined) return '—';
  return `${Number((Number(x) * 100).toFixed(1))}%`;
}

async function submit(title, body, dept) {
  const r = await postJson('/api/v1/messages', { consultation_id: boardId, title, body, type: '建议' });
  check(r.status === 201, `POST /api/v1/messages answered ${r.status}`);
  const m = { id: r.body.id, code: r.body.tracking_code, title, dept, replied: false };
  msgs.push(m);
  return m;
}

async function main() {
  await group('server', 'server: demo data, CLI departments (one named with markup), two handlers, serve', [], async () => {
    check(existsSync(BIN), `no minyi binary at ${BIN} (build it or set MINYI_BIN)`);
    check(/admin/.test(run(['demo', '--db', DB])), 'minyi demo printed no admin login');
    run(['dept', 'add', DEPT_A, '--db', DB]);
    run(['dept', 'add', DEPT_X, '--db', DB]);
    run(['dept', 'rule', DEPT_A, KW_A, '--db', DB]);
    run(['dept', 'rule', DEPT_X, KW_X, '--db', DB]);
    const file = join(tmp, 'pw');
    const add = (u, dept) => {
      writeFileSync(file, u.password + '\n', { mode: 0o600 });
      run(['user', 'add', u.login, '--role', 'handler', '--dept', dept, '--password-file', file, '--db', DB]);
    };
    add(HA, DEPT_A);
    add(HX, DEPT_X);
    rmSync(file);
    base = await startServer('dashboard-server.log');
    const cons = (await getJson('/api/v1/consultations')).body;
    const board = (cons.consultations || []).find((c) => c.kind === 'board' && c.status === 'open');
    check(board, 'demo data has no open message board');
    boardId = board.id;
  });

  await group('browser', 'browser: launch chromium', [], async () => {
    browser = await launchBrowser('dashboard-chromium.log');
    desktop = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    phone = await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN',
    });
  });

  await group('messages', 'API: messages routed by keyword; handlers reply to three of five', ['server'], async () => {
    await submit(`${KW_A}顶棚漏雨 ${RUN}`, `${KW_A}顶棚破了，下雨天候车的人都被淋湿，请尽快修理。`, DEPT_A);
    await submit(`${KW_A}座椅损坏 ${RUN}`, `${KW_A}的座椅坏了好几个月，老人候车只能站着，建议更换。`, DEPT_A);
    await submit(`${KW_A}站牌信息过时 ${RUN}`, `${KW_A}的站牌还是去年的线路信息，容易让人坐错车。`, DEPT_A);
    await submit(`${KW_X}缺失很危险 ${RUN}`, `人民路上的${KW_X}缺了一个，晚上行人容易踩空，请尽快补上。`, DEPT_X);
    await submit(`${KW_X}松动有响声 ${RUN}`, `菜场门口的${KW_X}松动，车压过去响声很大，请检修。`, DEPT_X);
    for (const m of msgs) {
      await until(async () => {
        const v = (await getJson(`/api/v1/messages/${encodeURIComponent(m.code)}`)).body;
        return v && v.department === m.dept;
      }, WAIT, `message "${m.title}" never routed to ${m.dept}`);
    }
    const ha = await apiLogin(HA);
    const hx = await apiLogin(HX);
    for (const [m, s] of [[msgs[0], ha], [msgs[1], ha], [msgs[3], hx]]) {
      const r = await postJson(`/api/v1/messages/${m.id}/replies`,
        { body: `您反映的问题已收到，我局已安排人员现场处理，预计一周内完成。（${RUN}）` }, s);
      check(r.status === 201, `reply to ${m.id} answered ${r.status} ${JSON.stringify(r.body)}`);
      m.replied = true;
    }
    const unrated = await postJson(`/api/v1/messages/${encodeURIComponent(msgs[2].code)}/rating`, { score: 5 });
    check(unrated.status === 409, `rating a message with no reply answered ${unrated.status}, not 409`);
  });

  await group('due', 'tracking page: 答复期限 shown, kept for a replied message, not yet due otherwise; no rating form before a reply', ['messages', 'browser'], async () => {
    const p = await newPage(desktop);
    await p.goto(`${base}/track.html?code=${encodeURIComponent(msgs[2].code)}`);
    await p.locator('#m-body').waitFor();
    const view = (await getJson(`/api/v1/messages/${encodeURIComponent(msgs[2].code)}`)).body;
    check(view.due_at, 'the tracking view has no due_at');
    await p.locator('#m-due').waitFor();
    const due = await text(p, '#m-due');
    check(/未超期/.test(due), `unreplied message's deadline says "${due}"`);
    check(await p.locator('dt', { hasText: '答复期限' }).count() === 1, 'no 答复期限 label');
    check(await p.locator('#rate-form').count() === 0, 'rating form offered before any reply');
    await p.goto(`${base}/track.html?code=${encodeURIComponent(msgs[0].code)}`);
    await p.locator('#rate-form').waitFor();
    check((await text(p, '#m-due-status')) === '按期答复', `replied message's deadline says "${await text(p, '#m-due-status')}"`);
    await p.close();
  });

  await group('rate', 'tracking page: rating refused at the fields, then 4 stars with a comment; a stale second form gets the 409', ['due'], async () => {
    const url = `${base}/track.html?code=${encodeURIComponent(msgs[0].code)}`;
    const p = await newPage(desktop);
    const stale = await newPage(desktop);
    await p.goto(url);
    await stale.goto(url);
    await p.locator('#rate-form').waitFor();
    await stale.locator('#rate-form').waitFor();
    await p.bringToFront();   // two tabs: screenshots need the one in front
    check(await p.locator('#rate-form input[type="radio"][name="score"]').count() === 5, 'expected 5 radio buttons');
    check(await p.getByLabel('4 星：满意').count() === 1, 'star 4 has no accessible name "4 星：满意"');

    await p.locator('#rate-comment').fill(LONG);
    check(/501 \/ 500/.test(await text(p, '#rate-counter')), `counter says "${await text(p, '#rate-counter')}"`);
    await p.locator('#rate-submit').click();
    await p.locator('#err-rate-score:not([hidden])').waitFor();
    await p.locator('#err-rate-comment:not([hidden])').waitFor();
    check(/评分/.test(await text(p, '#err-rate-score')), 'no score error at the stars');
    check(/500/.test(await text(p, '#err-rate-comment')), 'no length error at the comment');
    check(await p.locator('#rate-comment[aria-invalid="true"]').count() === 1, 'comment not marked invalid');

    // Keyboard and pointer: click star 3, then arrow right to 4.
    await p.locator('label.star[data-score="3"]').click();
    await p.keyboard.press('ArrowRight');
    check(await p.locator('#rate-score-4').isChecked(), 'arrow key did not move to star 4');
    check(await p.locator('label.star.lit').count() === 4, 'four stars not lit');
    check((await text(p, '#rate-caption')).includes('满意'), 'caption does not name the score');
    await p.locator('#rate-comment').fill(COMMENT);
    check(await p.locator('#err-rate-comment:not([hidden])').count() === 0, 'comment error not cleared on edit');
    await p.mouse.move(0, 0);   // no hover preview in the picture
    await shot(p, 'desktop-track-rating-form');
    await p.locator('#rate-submit').click();
    await p.locator('#rating-view').waitFor();
    check((await text(p, '#rating-score')).startsWith('4 星'), `rating shown as "${await text(p, '#rating-score')}"`);
    check((await text(p, '#rating-comment')).includes(COMMENT), 'comment not shown as literal text');
    check(await p.locator('main img').count() === 0, 'an <img> element was created from the comment');
    check((await text(p, '#rating-notice')).includes('感谢'), 'no thanks after rating');
    check(await p.locator('#rate-form').count() === 0, 'form still offered after rating');
    const view = (await getJson(`/api/v1/messages/${encodeURIComponent(msgs[0].code)}`)).body;
    check(view.rating && view.rating.score === 4 && view.rating.comment === COMMENT,
      `tracking view's rating is ${JSON.stringify(view.rating)}`);
    await shot(p, 'desktop-track-rated');

    await stale.bringToFront();
    await stale.locator('label.star[data-score="1"]').click();
    await stale.locator('#rate-submit').click();
    await stale.locator('#rating-notice[role="alert"]').waitFor();
    check((await text(stale, '#rating-notice')).includes('已经评价过'), `409 shown as "${await text(stale, '#rating-notice')}"`);
    check((await text(stale, '#rating-score')).startsWith('4 星'), 'the stored rating is not shown after the 409');
    const again = await postJson(`/api/v1/messages/${encodeURIComponent(msgs[0].code)}/rating`, { score: 2 });
    check(again.status === 409, `second rating answered ${again.status}, not 409`);
    await p.close();
    await stale.close();
  });

  await group('rate2', 'API: a second reply rated 2 (for the satisfaction rate)', ['rate'], async () => {
    const r = await postJson(`/api/v1/messages/${encodeURIComponent(msgs[3].code)}/rating`, { score: 2, comment: '还没修好' });
    check(r.status === 201, `rating answered ${r.status}`);
  });

  let stats = null;
  await group('dashboard', 'dashboard: totals and every department row match GET /api/v1/stats; two charts drawn', ['rate2', 'browser'], async () => {
    const p = await newPage(desktop);
    await p.goto(`${base}/`);
    await p.locator('#dash-link').click();
    await p.waitForURL(/dashboard\.html/);
    await p.locator('body[data-ready="1"]').waitFor();
    check(await p.locator('.site-nav a[href="/dashboard.html"][aria-current="page"]', { hasText: '办理公开' }).count() === 1,
      'no current 办理公开 nav link');
    const r = await getJson('/api/v1/stats');
    check(r.status === 200, `GET /api/v1/stats answered ${r.status}`);
    stats = r.body;
    const t = stats.totals;
    check(t.received >= msgs.length && t.ratings >= 2, `totals look wrong: ${JSON.stringify(t)}`);
    const want = {
      '#t-received': String(t.received), '#t-reply-rate': fmtRate(t.reply_rate),
      '#t-on-time-rate': fmtRate(t.on_time_rate), '#t-satisfaction': fmtRate(t.satisfaction_rate),
    };
    for (const [sel, v] of Object.entries(want)) {
      const got = (await text(p, sel)).trim();
      check(got === v, `${sel} shows "${got}", stats say "${v}"`);
    }
    if (t.ratings < 5) {
      check(t.satisfaction_rate === null, `${t.ratings} ratings make no satisfaction percentage`);
      check((await text(p, '#t-satisfaction-sub')).includes('不足 5 条'), 'the dashboard says why there is no percentage');
    } else check(t.satisfaction_rate !== null, 'satisfaction null with five ratings or more');

    const rows = p.locator('#dept-body tr');
    check(await rows.count() === stats.departments.length,
      `${await rows.count()} rows for ${stats.departments.length} departments`);
    for (const d of stats.departments) {
      const row = p.locator(`#dept-body tr[data-department-id="${d.department_id}"]`);
      check(await row.count() === 1, `no row for department ${d.department_id}`);
      const name = (await row.locator('th').innerText()).trim();
      check(name === d.department, `department ${d.department_id} shown as "${name}", not "${d.department}"`);
      for (const k of ['received', 'replied', 'overdue', 'closed', 'ratings']) {
        const got = (await row.locator(`td[data-key="${k}"]`).innerText()).trim();
        check(got === String(d[k]), `${d.department} ${k}: "${got}" vs ${d[k]}`);
      }
      for (const k of ['reply_rate', 'on_time_rate', 'satisfaction_rate']) {
        const got = (await row.locator(`td[data-key="${k}"]`).innerText()).trim();
        check(got === fmtRate(d[k]), `${d.department} ${k}: "${got}" vs ${fmtRate(d[k])}`);
      }
    }
    const a = stats.departments.find((d) => d.department === DEPT_A);
    check(a && a.received === 3 && a.replied === 2 && a.ratings === 1 && a.satisfied === 1 && a.satisfaction_rate === null,
      `stats for ${DEPT_A}: ${JSON.stringify(a)}`);
    const x = stats.departments.find((d) => d.department === DEPT_X);
    check(x && x.received === 2 && x.replied === 1 && x.ratings === 1 && x.satisfied === 0 && x.satisfaction_rate === null, `stats for the markup department: ${JSON.stringify(x)}`);
    check(await p.locator('#dept-body th', { hasText: INJECT }).count() === 1, 'markup department name not shown as literal text');
    check(await p.locator('main img').count() === 0, 'an <img> element was created from a department name');

    for (const id of ['chart-rates', 'chart-daily']) {
      const c = p.locator(`#${id} canvas`).first();
      await c.waitFor();
      const box = await c.boundingBox();
      check(box && box.width > 100 && box.height > 100, `#${id} canvas is ${box && `${box.width}x${box.height}`}`);
    }
    // The chart data are the stats (ECharts instance read back).
    const drawn = await p.evaluate(() => {
      const o = window.echarts.getInstanceByDom(document.getElementById('chart-daily')).getOption();
      return { dates: o.xAxis[0].data, received: o.series[0].data };
    });
    check(JSON.stringify(drawn.dates) === JSON.stringify(stats.daily.map((d) => d.date)), 'daily chart dates differ from stats');
    check(JSON.stringify(drawn.received) === JSON.stringify(stats.daily.map((d) => d.received)), 'daily chart counts differ from stats');
    await shot(p, 'desktop-dashboard');

    // Sorting by 答复率: descending, nulls last; again: ascending.
    await p.locator('#dept-head button[data-key="reply_rate"]').click();
    check(await p.locator('#dept-head th[aria-sort="descending"] button[data-key="reply_rate"]').count() === 1, 'no aria-sort descending');
    const shown = await p.locator('#dept-body td[data-key="reply_rate"]').allInnerTexts();
    const nums = shown.filter((s) => s !== '—').map((s) => parseFloat(s));
    check(nums.every((v, i) => i === 0 || nums[i - 1] >= v), `not sorted descending: ${shown.join(' ')}`);
    check(shown.indexOf('—') === -1 || shown.slice(shown.indexOf('—')).every((s) => s === '—'), 'nulls not last');
    await p.locator('#dept-head button[data-key="reply_rate"]').click();
    check(await p.locator('#dept-head th[aria-sort="ascending"]').count() === 1, 'second click did not sort ascending');

    // Charts follow the window: at 760px one column, so the charts widen
    // to fill their boxes.
    const widths = async (id) => p.evaluate((i) => {
      const box = document.getElementById(i);
      return { box: box.clientWidth, canvas: box.querySelector('canvas').getBoundingClientRect().width };
    }, id);
    const before = await widths('chart-rates');
    await p.setViewportSize({ width: 760, height: 800 });
    for (const id of ['chart-rates', 'chart-daily']) {
      await until(async () => {
        const w = await widths(id);
        return w.box !== before.box && Math.abs(w.canvas - w.box) < 2;
      }, 5000, `#${id} did not follow the window (${JSON.stringify(before)} -> ${JSON.stringify(await widths(id))})`);
    }
    await fits(p, 760, 'dashboard at 760px');
    await p.close();
  });

  await group('phone', 'phone: dashboard and rated tracking page fit a 390px screen, charts drawn', ['dashboard', 'rate'], async () => {
    const p = await newPage(phone);
    await p.goto(`${base}/dashboard.html`);
    await p.locator('body[data-ready="1"]').waitFor();
    await fits(p, 390, 'dashboard');
    for (const id of ['chart-rates', 'chart-daily']) {
      const box = await p.locator(`#${id} canvas`).first().boundingBox();
      check(box && box.width > 200 && box.width <= 390 && box.height > 100, `#${id} canvas on the phone is ${box && `${box.width}x${box.height}`}`);
    }
    check(await p.locator('#d-sort').isVisible(), 'no sort control on the phone');
    // Few ratings give no satisfaction percentage; sort by messages received, fewest first: DEPT_A (3) ends the list.
    await p.locator('#d-sort').selectOption('received:1');
    const last = (await p.locator('#dept-body tr').last().locator('th').innerText()).trim();
    check(last === DEPT_A, `sorted by received, fewest first, last is "${last}"`);
    await p.locator('#d-sort').selectOption('received:-1');
    await shot(p, 'phone-dashboard');
    await p.goto(`${base}/track.html?code=${encodeURIComponent(msgs[0].code)}`);
    await p.locator('#rating-view').waitFor();
    await fits(p, 390, 'track-rated');
    await shot(p, 'phone-track-rated');
    await p.goto(`${base}/track.html?code=${encodeURIComponent(msgs[1].code)}`);
    await p.locator('#rate-form').waitFor();
    await fits(p, 390, 'track-rating-form');
    await shot(p, 'phone-track-rating-form');
    await p.close();
  });

  await group('csp', 'dashboard and tracking page run under a strict Content-Security-Policy', ['dashboard'], async () => {
    const own = (await fetch(`${base}/dashboard.html`)).headers.get('content-security-policy') || '';
    check(/script-src 'self'/.test(own), `server sends no script-src 'self' CSP (got "${own}")`);
    const { ctx, p, violations } = await strictCspPage(browser, newPage);
    await p.goto(`${base}/dashboard.html`);
    await p.locator('body[data-ready="1"]').waitFor();
    await p.locator('#chart-rates canvas').first().waitFor();
    // Tooltips are DOM that ECharts positions: hover a bar and a point.
    await p.locator('#chart-rates').hover({ position: { x: 200, y: 60 } });
    await p.locator('#chart-daily').hover();
    await p.waitForLoadState('networkidle');
    await p.goto(`${base}/track.html?code=${encodeURIComponent(msgs[1].code)}`);
    await p.locator('#rate-form').waitFor();
    await p.goto(`${base}/track.html?code=${encodeURIComponent(msgs[0].code)}`);
    await p.locator('#rating-view').waitFor();
    check(violations.length === 0, `CSP violations: ${violations.slice(0, 3).join(' | ')}`);
    await ctx.close();
  });

  await group('errors', 'no script errors or dialogs in any page', ['browser'], async () => {
    const errs = logs.flatMap((l) => [...l.errors, ...l.dialogs.map((d) => `dialog: ${d}`)]);
    check(errs.length === 0, errs.slice(0, 3).join(' | '));
  });

  await group('shutdown', 'server: stops cleanly on SIGTERM, no sanitizer report', ['server'], async () => {
    await stopServer();
  });
}

await runTests(main);
