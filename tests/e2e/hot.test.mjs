// Browser test of the 热点问题 section of the public dashboard (dashboard.html,
// GET /api/v1/hot). Starts the real minyi server on a temporary database with
// demo data and an admin (for the flood check and the messages' group ids),
// submits through the API a campaign of six near-identical messages from
// different people, a near-identical trio whose title carries a
// script-injection string, and a few unrelated messages; waits (polling) until
// the analyzer has grouped them and GET /api/v1/hot lists both groups; then
// drives chromium:
//   the section shows every keyword (word, count, trend vs the window before)
//   and every group (title, 共N条，来自M位群众, department, time span) exactly
//   as GET /api/v1/hot?days=7 says, the campaign's group and one of its
//   keywords among them; the injected title is literal text; 近30天 loads
//   ?days=30 and shows its answer, 近7天 comes back; empty lists say 暂无数据;
//   a failing /api/v1/hot (500, network error) shows an error with 重试 in
//   the section while the totals, charts and table still work; a 390px
//   phone; a strict Content-Security-Policy; no script errors.
// The analyzer groups in the background: every wait polls, none sleeps blind.
//
// Output and binaries as flow.test.mjs (harness: lib.mjs).

import { writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  OUT, BIN, DB, RUN, tmp, group, check, run, runTests, until, startServer, stopServer, launchBrowser,
  watch, newLog, shot, text, fits,
  newPage as sharedNewPage, getJson as sharedGetJson, postJson as sharedPostJson, apiLogin as sharedApiLogin,
  strictCspPage,
} from './lib.mjs';

const WAIT = 30000;   // the analyzer's background work

const INJECT = '<img src=x onerror=alert(1)>';
const ADMIN = { login: `h-admin-${RUN}`, password: `pw-${RUN}-admin-secret` };
const NAMES = ['张三', '李四', '王五', '赵六', '孙七', '周八'];
const ROAD = '建设路';
const CAMPAIGN_TITLE = `强烈要求修复${ROAD}路面坑洼`;
const campaignBody = (name, i) => `我是${name}，家住${ROAD}${i + 3}号。强烈要求修复${ROAD}路面坑洼！`
  + `${ROAD}从人民桥到火车站一段路面坑洼严重，下雨天到处积水，电动车经常摔倒，已经有好几个人受伤。`
  + '请有关部门尽快组织修复，还老百姓一条平安路。';
const INJECT_TITLE = `${INJECT}夜间施工噪音扰民`;
const injectBody = (name) => `我是${name}。附近工地每天夜里十二点以后还在施工，打桩机噪音很大，`
  + '老人孩子都睡不好觉，投诉多次没有效果，请环保部门依法查处夜间违规施工。';
const OTHERS = [
  ['小区门口垃圾清运不及时', '小区门口的垃圾桶经常满了也没人清运，夏天味道很大，希望增加清运次数。'],
  ['建议增开早高峰公交班次', '早上七点到八点公交车太挤，经常上不去，建议早高峰增开班次。'],
  ['咨询新生儿落户办理流程', '孩子刚出生，想咨询一下落户需要准备哪些材料，在哪里办理。'],
];

let base = '';
let browser = null;
let boardId = 0;
let admin = null;    // { cookie, csrf }
let desktop = null;
let phone = null;
const logs = [];

const newPage = (ctx) => sharedNewPage(ctx, logs);
const getJson = (path, session) => sharedGetJson(base, path, session);
const postJson = (path, body, session) => sharedPostJson(base, path, body, session);
const apiLogin = (user) => sharedApiLogin(base, user);
const campaign = [];   // { id, code }
const injected = [];
let campaignGroup = 0;
let injectGroup = 0;
let hot7 = null;
let keyword = null;    // a keyword of the campaign in hot7

async function submit(title, body, type = '投诉') {
  const r = await postJson('/api/v1/messages', { consultation_id: boardId, title, body, type });
  check(r.status === 201, `POST /api/v1/messages answered ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.id, code: r.body.tracking_code };
}

// The text the page shows for a keyword's trend (as dashboard.js writes it).
function trendShown(k) {
  const c = Number(k.count) || 0;
  const p = Number(k.previous) || 0;
  if (!p && c) return ['new', '新'];
  if (c > p) return ['up', `↑${c - p}`];
  if (c < p) return ['down', `↓${p - c}`];
  return ['same', '—'];
}

// The section shows exactly what GET /api/v1/hot?days=N answered.
async function sameAsApi(p, hot, days) {
  await p.locator(`#hot[data-state="ready"][data-days="${days}"]`).waitFor();
  const kws = hot.keywords || [];
  const groups = hot.groups || [];
  // Issues (place + problem) first, in the API's order, with their size.
  const issues = (hot.issues || []).slice(0, 10);
  const shown = p.locator('#hot-issues li.hot-issue');
  check(await shown.count() === issues.length, `issues shown ${await shown.count()}, API ${issues.length}`);
  for (const [i, it] of issues.entries()) {
    const row = shown.nth(i);
    check(await row.getAttribute('data-issue-id') === String(it.issue_id), `issue ${i}: id`);
    check((await row.locator('.hi-desc').innerText()).trim() === it.description, `issue ${i}: description`);
    check((await row.locator('.hi-size').innerText()).includes(`共${it.size}条`), `issue ${i}: size`);
  }
  check((await p.locator('#hot-issues-empty').isVisible()) === !issues.length, 'issues 暂无数据 shown wrongly');
  const more = p.locator('#hot-keywords-more');
  check(await more.isVisible() === kws.length > 10, `显示全部 ${await more.isVisible() ? 'shown' : 'not shown'} for ${kws.length} keywords`);
  if (kws.length > 10) {
    check(await p.locator('#hot-keywords li.kw:visible').count() === 10, 'more than 10 keywords shown before 显示全部');
    await more.click();
    check(await more.getAttribute('aria-expanded') === 'true', '显示全部 not expanded');
  }
  const rows = p.locator('#hot-keywords li.kw');
  check(await rows.count() === kws.length, `${await rows.count()} keywords shown, API has ${kws.length} (days=${days})`);
  for (let i = 0; i < kws.length; i++) {
    const k = kws[i];
    const row = rows.nth(i);
    const word = (await row.locator('.kw-word').innerText()).trim();
    check(word === k.word, `keyword ${i + 1} shown as "${word}", API says "${k.word}"`);
    const count = (await row.locator('.kw-count').innerText()).trim();
    check(count === `${k.count}条`, `keyword ${k.word}: count "${count}", API says ${k.count}`);
    const rank = 1 + kws.filter((x) => x.count > k.count).length;
    check(await row.getAttribute('data-rank') === String(rank), `keyword ${k.word}: rank ${await row.getAttribute('data-rank')}, want ${rank} (ties share a rank)`);
    const [kind, shown] = trendShown(k);
    const t = row.locator('.trend');
    check(await t.getAttribute('data-trend') === kind, `keyword ${k.word}: trend ${await t.getAttribute('data-trend')}, want ${kind} (${k.count} vs ${k.previous})`);
    check((await t.locator('[aria-hidden="true"]').innerText()).trim() === shown, `keyword ${k.word}: trend text is not "${shown}"`);
  }
  check((await p.locator('#hot-keywords-empty').isVisible()) === !kws.length, 'keywords 暂无数据 shown wrongly');
  const items = p.locator('#hot-groups li.hot-group');
  check(await items.count() === groups.length, `${await items.count()} groups shown, API has ${groups.length} (days=${days})`);
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    const item = items.nth(i);
    check(await item.getAttribute('data-group-id') === String(g.group_id), `group ${i + 1} is ${await item.getAttribute('data-group-id')}, API says ${g.group_id}`);
    const title = await item.locator('.hg-title').innerText();
    check(title.trim() === String(g.title).trim(), `group ${g.group_id} title "${title}", API says "${g.title}"`);
    const size = (await item.locator('.hg-size').innerText()).trim();
    check(size === `共${g.size}条，来自${g.authors}位群众`, `group ${g.group_id} size shown as "${size}"`);
    const dept = (await item.locator('.hg-dept').innerText()).trim();
    check(dept === `承办：${g.department || '待分办'}`, `group ${g.group_id} department shown as "${dept}"`);
  }
  check((await p.locator('#hot-groups-empty').isVisible()) === !groups.length, 'groups 暂无数据 shown wrongly');
}

async function main() {
  await group('server', 'server: demo data, an admin, serve; flood check off (one test sender)', [], async () => {
    check(existsSync(BIN), `no minyi binary at ${BIN} (build it or set MINYI_BIN)`);
    check(/admin/.test(run(['demo', '--db', DB])), 'minyi demo printed no admin login');
    const file = join(tmp, 'pw');
    writeFileSync(file, ADMIN.password + '\n', { mode: 0o600 });
    run(['user', 'add', ADMIN.login, '--role', 'admin', '--password-file', file, '--db', DB]);
    rmSync(file);
    base = await startServer('hot-server.log');
    const cons = (await getJson('/api/v1/consultations')).body;
    const board = (cons.consultations || []).find((c) => c.kind === 'board' && c.status === 'open');
    check(board, 'demo data has no open message board');
    boardId = board.id;
    admin = await apiLogin(ADMIN);
    const r = await postJson('/api/v1/settings', { flood_check: 0 }, admin);
    check(r.status === 200, `POST /api/v1/settings answered ${r.status}`);
  });

  await group('browser', 'browser: launch chromium', [], async () => {
    browser = await launchBrowser('hot-chromium.log');
    desktop = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    phone = await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN',
    });
  });

  await group('api', 'API: GET /api/v1/hot answers days, keywords and groups (7 by default, 30 when asked)', ['server'], async () => {
    for (const [q, days] of [['', 7], ['?days=7', 7], ['?days=30', 30]]) {
      const r = await getJson(`/api/v1/hot${q}`);
      check(r.status === 200, `GET /api/v1/hot${q} answered ${r.status} ${JSON.stringify(r.body)}`);
      check(r.body.days === days, `GET /api/v1/hot${q}: days ${r.body.days}, want ${days}`);
      check(Array.isArray(r.body.keywords) && r.body.keywords.length <= 20, `GET /api/v1/hot${q}: keywords ${JSON.stringify(r.body.keywords)}`);
      check(Array.isArray(r.body.groups) && r.body.groups.length <= 10, `GET /api/v1/hot${q}: groups ${JSON.stringify(r.body.groups)}`);
    }
  });

  await group('messages', 'API: a campaign of 6 near-identical messages, 3 with an injected title, 3 others; grouped', ['api'], async () => {
    for (let i = 0; i < NAMES.length; i++) campaign.push(await submit(CAMPAIGN_TITLE, campaignBody(NAMES[i], i)));
    for (const name of NAMES.slice(0, 3)) injected.push(await submit(INJECT_TITLE, injectBody(name)));
    for (const [t, b] of OTHERS) await submit(t, b, '建议');
    // Grouped by the analyzer (official view: group_id, group_size), none held.
    const groupOf = async (list, n, what) => until(async () => {
      const ids = new Set();
      for (const m of list) {
        const r = await getJson(`/api/v1/messages/${m.id}`, admin);
        check(r.status === 200, `GET /api/v1/messages/${m.id} answered ${r.status}`);
        check(r.body.moderation === 'none', `${what} message ${m.id} is ${r.body.moderation}: ${JSON.stringify(r.body.hold_reason)}`);
        if (!r.body.group_id || r.body.group_size !== n) return false;
        ids.add(r.body.group_id);
      }
      check(ids.size === 1, `${what} messages are in groups ${[...ids].join(', ')}`);
      return [...ids][0];
    }, WAIT, `the ${what} messages never formed one group of ${n}`);
    campaignGroup = await groupOf(campaign, NAMES.length, 'campaign');
    injectGroup = await groupOf(injected, 3, 'injected-title');
  });

  await group('hot', 'API: GET /api/v1/hot lists both groups (size, authors) and a keyword of the campaign', ['messages'], async () => {
    hot7 = await until(async () => {
      const r = await getJson('/api/v1/hot?days=7');
      check(r.status === 200, `GET /api/v1/hot answered ${r.status}`);
      const g = (r.body.groups || []).find((x) => x.group_id === campaignGroup);
      const h = (r.body.groups || []).find((x) => x.group_id === injectGroup);
      return g && h ? r.body : false;
    }, WAIT, `GET /api/v1/hot?days=7 never listed groups ${campaignGroup} and ${injectGroup}`);
    const g = hot7.groups.find((x) => x.group_id === campaignGroup);
    check(g.size === NAMES.length, `campaign group size ${g.size}, want ${NAMES.length}`);
    check(g.authors >= 1 && g.authors <= g.size, `campaign group authors ${g.authors}`);
    check(String(g.title).includes('坑洼'), `campaign group title "${g.title}"`);
    check(g.first_at && g.last_at && g.first_at <= g.last_at, `campaign group span ${g.first_at} .. ${g.last_at}`);
    const h = hot7.groups.find((x) => x.group_id === injectGroup);
    check(String(h.title).includes(INJECT), `injected group title "${h.title}" lost the markup`);
    const sizes = hot7.groups.map((x) => x.size);
    check(sizes.every((v, i) => i === 0 || sizes[i - 1] >= v), `groups not largest first: ${sizes.join(' ')}`);
    const counts = hot7.keywords.map((k) => k.count);
    check(counts.every((v, i) => i === 0 || counts[i - 1] >= v), `keywords not most frequent first: ${counts.join(' ')}`);
    const text6 = campaignBody('', 0) + CAMPAIGN_TITLE;
    keyword = hot7.keywords.find((k) => k.word && text6.includes(k.word) && k.count >= NAMES.length);
    check(keyword, `no keyword of the campaign counted ${NAMES.length}+ times: ${JSON.stringify(hot7.keywords)}`);
  });

  await group('page', 'dashboard: 热点问题 shows keywords and groups as the API; the campaign with its size; injected title literal', ['hot', 'browser'], async () => {
    const p = await newPage(desktop);
    await p.goto(`${base}/dashboard.html`);
    await p.locator('body[data-ready="1"]').waitFor();
    // The API answer may have moved on (the analyzer, the clock): compare
    // with a fresh one, retried once.
    await until(async () => {
      const r = await getJson('/api/v1/hot?days=7');
      await p.reload();
      await sameAsApi(p, r.body, 7);
      return true;
    }, 8000, 'page never matched GET /api/v1/hot?days=7');
    const item = p.locator(`#hot-groups li[data-group-id="${campaignGroup}"]`);
    check(await item.isVisible(), 'campaign group not visible');
    const g = hot7.groups.find((x) => x.group_id === campaignGroup);
    check((await item.innerText()).includes(`共${NAMES.length}条，来自${g.authors}位群众`), 'campaign group has no 共6条');
    const kw = p.locator(`#hot-keywords li.kw[data-word="${keyword.word}"]`);
    check(await kw.isVisible(), `keyword ${keyword.word} not visible`);
    const inj = p.locator(`#hot-groups li[data-group-id="${injectGroup}"] .hg-title`);
    check((await inj.innerText()).includes(INJECT), 'injected title not shown as literal text');
    check(await p.locator('main img').count() === 0, 'an <img> element was created from a title');
    check(await p.locator('#hot-days button[aria-pressed="true"]').innerText() === '近7天', '近7天 not pressed');
    await p.mouse.move(0, 0);
    await shot(p, 'desktop-dashboard-hot');
    await p.locator('#hot').screenshot({ path: join(OUT, 'desktop-hot-section.png') });
    await p.close();
  });

  await group('switch', '近30天 loads ?days=30 and shows its answer; 近7天 comes back', ['page'], async () => {
    const p = await newPage(desktop);
    const asked = [];
    p.on('request', (r) => { if (r.url().includes('/api/v1/hot')) asked.push(new URL(r.url()).search); });
    await p.goto(`${base}/dashboard.html`);
    await p.locator('#hot[data-state="ready"][data-days="7"]').waitFor();
    await p.getByRole('button', { name: '近30天' }).click();
    await p.locator('#hot[data-state="ready"][data-days="30"]').waitFor();
    check(asked.includes('?days=30'), `no request for days=30: ${asked.join(' ')}`);
    check(await p.locator('#hot-days button[data-days="30"]').getAttribute('aria-pressed') === 'true', '近30天 not pressed');
    check(await p.locator('#hot-days button[data-days="7"]').getAttribute('aria-pressed') === 'false', '近7天 still pressed');
    check((await text(p, '#hk-note')).includes('30'), 'keyword note does not say 30 days');
    await sameAsApi(p, (await getJson('/api/v1/hot?days=30')).body, 30);
    check(await p.locator(`#hot-groups li[data-group-id="${campaignGroup}"]`).count() === 1, 'campaign group missing from 30 days');
    await p.getByRole('button', { name: '近7天' }).click();
    await p.locator('#hot[data-state="ready"][data-days="7"]').waitFor();
    await sameAsApi(p, (await getJson('/api/v1/hot?days=7')).body, 7);
    await p.close();
  });

  await group('empty', 'empty answer: both lists say 暂无数据', ['browser', 'server'], async () => {
    const p = await newPage(desktop);
    await p.route('**/api/v1/hot*', (route) => route.fulfill({
      status: 200, contentType: 'application/json', body: JSON.stringify({ days: 7, keywords: [], groups: [] }),
    }));
    await p.goto(`${base}/dashboard.html`);
    await p.locator('#hot[data-state="ready"]').waitFor();
    for (const id of ['hot-keywords-empty', 'hot-groups-empty']) {
      check(await p.locator(`#${id}`).isVisible(), `#${id} not shown`);
      check((await text(p, `#${id}`)).includes('暂无数据'), `#${id} does not say 暂无数据`);
    }
    check(await p.locator('#hot-keywords li, #hot-groups li').count() === 0, 'items shown for an empty answer');
    await p.close();
  });

  await group('failure', 'failing /api/v1/hot (500, network): error with 重试 in the section; the rest of the dashboard works', ['browser', 'server'], async () => {
    const p = await newPage(desktop);
    let mode = '500';
    await p.route('**/api/v1/hot*', (route) => {
      if (mode === '500') {
        return route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'boom' } }) });
      }
      if (mode === 'abort') return route.abort('connectionrefused');
      return route.fulfill({
        status: 200, contentType: 'application/json',
        body: JSON.stringify({ days: 30, keywords: [{ word: '路灯', count: 3, previous: 1 }], groups: [] }),
      });
    });
    await p.goto(`${base}/dashboard.html`);
    await p.locator('body[data-ready="1"]').waitFor();
    await p.locator('#hot[data-state="error"]').waitFor();
    check(await p.locator('#hot-notice[role="alert"]').isVisible(), 'no error notice in the section');
    check((await text(p, '#hot-notice')).includes('服务器内部错误'), `error says "${await text(p, '#hot-notice')}"`);
    check(await p.locator('#hot-body').isHidden(), 'lists still shown after an error');
    check(await p.locator('#notice').isHidden(), 'the page-wide notice shows the hot error');
    check(/^\d+$/.test((await text(p, '#t-received')).trim()), 'totals not shown');
    check(await p.locator('#dept-body tr[data-department-id]').count() > 0, 'department table empty');
    await p.locator('#chart-daily canvas').first().waitFor();
    // The other window fails too (network), then 重试 succeeds.
    mode = 'abort';
    await p.getByRole('button', { name: '近30天' }).click();
    await p.locator('#hot[data-state="error"][data-days="30"]').waitFor();
    check((await text(p, '#hot-notice')).includes('网络'), `network error says "${await text(p, '#hot-notice')}"`);
    await shot(p, 'desktop-dashboard-hot-error');
    mode = 'pass';
    await p.locator('#hot-notice button', { hasText: '重试' }).click();
    await p.locator('#hot[data-state="ready"][data-days="30"]').waitFor();
    check(await p.locator('#hot-keywords li.kw[data-word="路灯"]').count() === 1, 'the answer after 重试 not shown');
    check(await p.locator('#hot-notice').isHidden(), 'error notice still shown after 重试');
    check(await p.locator('#hot-body').isVisible(), 'lists not shown after 重试');
    await p.close();
  });

  await group('phone', 'phone: the section fits a 390px screen; switching works there', ['page'], async () => {
    const p = await newPage(phone);
    await p.goto(`${base}/dashboard.html`);
    await p.locator('body[data-ready="1"]').waitFor();
    await p.locator('#hot[data-state="ready"][data-days="7"]').waitFor();
    await fits(p, 390, 'dashboard');
    for (const sel of ['#hot-days', `#hot-groups li[data-group-id="${campaignGroup}"]`, `#hot-keywords li.kw[data-word="${keyword.word}"]`]) {
      const box = await p.locator(sel).boundingBox();
      check(box && box.x >= 0 && box.x + box.width <= 390, `${sel} on the phone is at ${box && `${box.x}+${box.width}`}`);
    }
    await shot(p, 'phone-dashboard-hot');
    await p.locator('#hot').screenshot({ path: join(OUT, 'phone-hot-section.png') });
    await p.getByRole('button', { name: '近30天' }).tap();
    await p.locator('#hot[data-state="ready"][data-days="30"]').waitFor();
    await fits(p, 390, 'dashboard (30 days)');
    await p.close();
  });

  await group('csp', 'dashboard with 热点问题 runs under a strict Content-Security-Policy', ['page'], async () => {
    const { ctx, p, violations } = await strictCspPage(browser, newPage);
    await p.goto(`${base}/dashboard.html`);
    await p.locator('#hot[data-state="ready"][data-days="7"]').waitFor();
    // The keyword bars are sized through the CSSOM: allowed, and drawn.
    const w = await p.locator('#hot-keywords .kw-fill').first().evaluate((e) => e.getBoundingClientRect().width);
    check(w > 10, `first keyword bar is ${w}px wide`);
    await p.getByRole('button', { name: '近30天' }).click();
    await p.locator('#hot[data-state="ready"][data-days="30"]').waitFor();
    await p.waitForLoadState('networkidle');
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
