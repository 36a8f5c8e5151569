// Browser test of message search (search.html, GET /api/v1/search). Starts
// the real minyi server on a temporary database with demo data, two
// departments with keyword rules and four officials (admin, leader,
// moderator, a handler of department A), submits messages through the API
// (some for A, one for B, one carrying script-injection strings, 22 more
// for paging) and drives chromium:
//   every official role has the 留言检索 link; an empty query and one with
//   nothing to search for are refused at the field; a one-character and a
//   two-character Chinese query find the right messages with the match in
//   <mark>; the handler does not see department B's message, the admin does;
//   injected markup shows as literal text; ?q= survives a reload; paging and
//   the back button; a phone screen; a strict Content-Security-Policy.
// The analyzer routes in the background: every wait polls, none sleeps blind.
//
// Output and binaries as flow.test.mjs (harness: lib.mjs).

import { writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  OUT, BIN, DB, RUN, tmp, group, check, run, runTests, until, startServer, stopServer, launchBrowser,
  watch, newLog, shot, text, login, fits,
  newPage as sharedNewPage, desktopContext as sharedDesktopContext, apiGet,
  strictCspPage,
} from './lib.mjs';

const WAIT = 20000;   // the analyzer's background work
const PAGE = 20;

const pw = (who) => `pw-${RUN}-${who}-secret`;
const ADMIN = { login: `s-admin-${RUN}`, password: pw('admin') };
const LEADER = { login: `s-leader-${RUN}`, password: pw('leader') };
const MOD = { login: `s-mod-${RUN}`, password: pw('mod') };
const HA = { login: `s-ha-${RUN}`, password: pw('ha') };
const DEPT_A = `e2e水务局-${RUN}`;
const DEPT_B = `e2e市政局-${RUN}`;
const KW_A = `涵洞${RUN}`;       // keyword rule -> DEPT_A
const KW_B = `菜场${RUN}`;       // keyword rule -> DEPT_B
const ONE = '涝';                 // the one-character query
const TWO = '积水';               // the two-character query
const PAGING = '窨井';            // in PAGING_N messages of A: more than one page
const PAGING_N = PAGE + 2;
const INJECT_S = '<script>alert("xss")</script>';
const INJECT_I = '<img src=x onerror=alert(1)>';

const MSG_A1 = {
  title: `下雨后${KW_A}下面积水严重 ${RUN}`,
  body: `每逢下雨，${KW_A}下面就积水内涝，车辆无法通行，行人只能绕行，希望尽快疏通排水管。`,
};
const MSG_A2 = {
  title: `${INJECT_S}公告栏 ${RUN}`,
  body: `${KW_A}旁边公告栏上有人写了 ${INJECT_I} 这样的字，雨后积水也一直没人清理。`,
};
const MSG_B1 = {
  title: `${KW_B}门口一下雨就内涝 ${RUN}`,
  body: `${KW_B}门口地势低，一下雨就积水内涝，摊贩和买菜的居民都很不方便。`,
};

let base = '';
let browser = null;
let boardId = 0;
let adminCtx = null;
let haCtx = null;
let phone = null;
const ids = {};
const logs = [];

const newPage = (ctx) => sharedNewPage(ctx, logs);
const desktopContext = () => sharedDesktopContext(browser);

async function post(msg, type = '投诉') {
  const r = await fetch(`${base}/api/v1/messages`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ consultation_id: boardId, title: msg.title, body: msg.body, type }),
  });
  const body = await r.text();
  check(r.status === 201, `POST /api/v1/messages answered ${r.status}: ${body}`);
  return JSON.parse(body).id;
}

// Waits until the API search for q, as the page's user, finds exactly these ids.
async function waitFound(page, q, want, what) {
  const sorted = [...want].sort((a, b) => a - b).join(',');
  await until(async () => {
    const r = await apiGet(page, `/api/v1/search?q=${encodeURIComponent(q)}&limit=200`);
    if (r.status !== 200) throw new Error(`search answered ${r.status}`);
    const got = (r.body.results || []).map((x) => x.id).sort((a, b) => a - b).join(',');
    if (got !== sorted) throw new Error(`found [${got}], want [${sorted}]`);
    return true;
  }, WAIT, what);
}

// Types q into the search box and submits; waits for the results.
async function search(page, q) {
  await page.locator('#q').fill(q);
  await page.locator('#search-submit').click();
  await page.waitForURL((u) => new URL(String(u)).searchParams.get('q') === q);
  await page.locator('#results[aria-busy="false"]').waitFor({ state: 'attached' });
}

const resultItem = (page, id) => page.locator(`#result-list li.result[data-id="${id}"]`);
const markTexts = (loc) => loc.locator('mark.hit').allInnerTexts();

async function main() {
  await group('server', 'server: demo data, two departments with rules, four officials, serve', [], async () => {
    check(existsSync(BIN), `no minyi binary at ${BIN} (build it or set MINYI_BIN)`);
    check(/admin/.test(run(['demo', '--db', DB])), 'minyi demo printed no admin login');
    run(['dept', 'add', DEPT_A, '--db', DB]);
    run(['dept', 'add', DEPT_B, '--db', DB]);
    run(['dept', 'rule', DEPT_A, KW_A, '--db', DB]);
    run(['dept', 'rule', DEPT_B, KW_B, '--db', DB]);
    const file = join(tmp, 'pw');
    const add = (u, role, dept) => {
      writeFileSync(file, u.password + '\n', { mode: 0o600 });
      run(['user', 'add', u.login, '--role', role, ...(dept ? ['--dept', dept] : []), '--password-file', file, '--db', DB]);
    };
    add(ADMIN, 'admin');
    add(LEADER, 'leader');
    add(MOD, 'moderator');
    add(HA, 'handler', DEPT_A);
    rmSync(file);
    base = await startServer('search-server.log');
    const cons = await (await fetch(`${base}/api/v1/consultations`)).json();
    const board = (cons.consultations || []).find((c) => c.kind === 'board' && c.status === 'open');
    check(board, 'demo data has no open message board');
    boardId = board.id;
  });

  await group('browser', 'browser: launch chromium', [], async () => {
    browser = await launchBrowser('search-chromium.log');
    phone = await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN',
    });
  });

  await group('data', 'admin: flood check off; messages for A and B, an injection, 22 for paging; all searchable', ['server', 'browser'], async () => {
    adminCtx = await desktopContext();
    const p = await newPage(adminCtx);
    await login(p, base, ADMIN);
    // One sender posts 25 messages here: not a flood for this test.
    const set = await p.evaluate(async () => {
      const me = await (await fetch('/api/v1/me')).json();
      const r = await fetch('/api/v1/settings', {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify({ flood_check: 0 }),
      });
      return r.status;
    });
    check(set === 200, `POST /api/v1/settings answered ${set}`);
    ids.a1 = await post(MSG_A1);
    ids.a2 = await post(MSG_A2);
    ids.b1 = await post(MSG_B1);
    ids.paging = [];
    for (let i = 1; i <= PAGING_N; i++) {
      ids.paging.push(await post({
        title: `第${i}号${PAGING}盖板松动 ${RUN}`,
        body: `${KW_A}北侧第${i}号${PAGING}的盖板松动，车辆压过时响声很大，存在安全隐患。`,
      }, '建议'));
    }
    // Searchable at once; routed to A and B by the analyzer.
    await waitFound(p, TWO, [ids.a1, ids.a2, ids.b1], `admin search for ${TWO}`);
    await until(async () => {
      for (const id of [ids.a1, ids.a2, ids.b1, ...ids.paging]) {
        const r = await apiGet(p, `/api/v1/messages/${id}`);
        const want = id === ids.b1 ? DEPT_B : DEPT_A;
        if (r.status !== 200) throw new Error(`message ${id}: ${r.status}`);
        if (r.body.department !== want) throw new Error(`message ${id} routed to ${r.body.department}, want ${want}`);
        if (r.body.moderation !== 'none') throw new Error(`message ${id} moderation ${r.body.moderation}`);
      }
      return true;
    }, WAIT, 'messages never routed to their departments');
    await p.close();
  });

  await group('nav', 'every official role has the 留言检索 link in the navigation', ['server', 'browser'], async () => {
    const ctx = await desktopContext();
    const p = await newPage(ctx);
    for (const u of [ADMIN, LEADER, MOD, HA]) {
      await login(p, base, u);
      const link = p.locator('.site-nav a[href="/search.html"]');
      await link.waitFor();
      check((await link.innerText()).trim() === '留言检索', `${u.login}: link reads "${await link.innerText()}"`);
    }
    await p.locator('.site-nav a[href="/search.html"]').click();
    await p.waitForURL(/\/search\.html$/);
    check(await p.locator('.site-nav a[href="/search.html"]').getAttribute('aria-current') === 'page', 'link not marked current');
    check((await text(p, '#search-scope')).includes(DEPT_A), 'handler\'s scope note does not name the department');
    await ctx.close();
  });

  await group('refuse', 'handler: an empty query and one with nothing to search for are refused at the field', ['nav'], async () => {
    haCtx = await desktopContext();
    const p = await newPage(haCtx);
    await login(p, base, HA);
    await p.goto(`${base}/search.html`);
    await p.locator('#search-scope:not(:empty)').waitFor();
    await p.locator('#search-submit').click();
    await p.locator('#err-q:not([hidden])').waitFor();
    check((await text(p, '#err-q')).includes('请输入检索词'), `empty query error says "${await text(p, '#err-q')}"`);
    check(await p.locator('#q').getAttribute('aria-invalid') === 'true', 'box not marked aria-invalid');
    await search(p, '！？…');   // the server answers 422 invalid, field q
    await p.locator('#err-q:not([hidden])').waitFor();
    check((await text(p, '#err-q')).includes('没有可以检索的内容'), `invalid query error says "${await text(p, '#err-q')}"`);
    check(await p.locator('#result-list').count() === 0, 'results listed for an invalid query');
    await p.locator('#q').fill('积');
    check(await p.locator('#err-q').isHidden(), 'error not cleared on typing');
    await p.close();
  });

  await group('one', `handler: one-character query ${ONE}: own department only, the match in <mark>`, ['data', 'refuse'], async () => {
    const p = await newPage(haCtx);
    await p.goto(`${base}/search.html`);
    await search(p, ONE);
    await resultItem(p, ids.a1).waitFor();
    check(await resultItem(p, ids.b1).count() === 0, 'handler A sees department B\'s message');
    check(await p.locator('#result-list li.result').count() === 1, `${await p.locator('#result-list li.result').count()} results, want 1`);
    check((await text(p, '#summary')).includes('找到 1 条'), `summary reads "${await text(p, '#summary')}"`);
    const item = resultItem(p, ids.a1);
    const marks = await markTexts(item);
    check(marks.length >= 1 && marks.every((m) => m === ONE), `marks are ${JSON.stringify(marks)}, want "${ONE}"`);
    check((await item.locator('.snippet').innerText()).includes(`积水内涝`), 'snippet lacks the context of the match');
    check((await item.innerText()).includes(DEPT_A), 'result does not name the department');
    check(await item.locator('.badge').count() === 1, 'no state badge');
    check(['已受理', '已转办', '已答复', '已办结'].includes((await item.locator('.badge').innerText()).trim()), 'state not in Chinese');
    check(await item.locator('a').first().getAttribute('href') === `/message.html?id=${ids.a1}`, 'title does not link to the message');
    await shot(p, 'desktop-search-one');
    await p.close();
  });

  await group('two', `handler: two-character query ${TWO}; the injected markup is literal text`, ['data', 'refuse'], async () => {
    const p = await newPage(haCtx);
    await p.goto(`${base}/search.html?q=${encodeURIComponent(TWO)}`);
    await resultItem(p, ids.a2).waitFor();
    check(await p.locator('#q').inputValue() === TWO, 'the box does not show the query from the URL');
    const n = await p.locator('#result-list li.result').count();
    check(n === 2, `${n} results, want 2 (A1, A2)`);
    check(await resultItem(p, ids.b1).count() === 0, 'handler A sees department B\'s message');
    for (const id of [ids.a1, ids.a2]) {
      const marks = await markTexts(resultItem(p, id));
      check(marks.length >= 1 && marks.every((m) => m === TWO), `message ${id}: marks are ${JSON.stringify(marks)}, want "${TWO}"`);
    }
    check((await resultItem(p, ids.a1).locator('.result-title mark.hit').allInnerTexts()).join('|') === TWO,
      'the query is not marked in A1\'s title');
    const inj = resultItem(p, ids.a2);
    check((await inj.locator('.result-title').innerText()).includes(INJECT_S), 'injected title not shown as literal text');
    check((await inj.locator('.snippet').innerText()).includes(INJECT_I), 'injected body not shown as literal text');
    check(await p.locator('#results script, #results img').count() === 0, 'an element was created from citizen text');
    // The query stays in the URL: a reload shows the same.
    await p.reload();
    await resultItem(p, ids.a2).waitFor();
    check(await p.locator('#result-list li.result').count() === 2, 'reload lost the results');
    await shot(p, 'desktop-search-two');
    // The title opens the message.
    await resultItem(p, ids.a1).locator('.result-title a').click();
    await p.waitForURL(new RegExp(`/message\\.html\\?id=${ids.a1}$`));
    await p.locator('#m-body').waitFor();
    await p.goBack({ waitUntil: 'commit' });   // may come from the back/forward cache: no load event
    await resultItem(p, ids.a1).waitFor();
    await p.close();
  });

  await group('admin', 'admin: the same queries find department B\'s message too', ['data'], async () => {
    const p = await newPage(adminCtx);
    await p.goto(`${base}/admin.html`);
    await p.locator('.site-nav a[href="/search.html"]').click();
    await p.waitForURL(/\/search\.html$/);
    await search(p, TWO);
    await resultItem(p, ids.b1).waitFor();
    for (const id of [ids.a1, ids.a2, ids.b1]) check(await resultItem(p, id).count() === 1, `admin does not see message ${id}`);
    check((await resultItem(p, ids.b1).innerText()).includes(DEPT_B), 'B\'s result does not name department B');
    await search(p, ONE);
    await resultItem(p, ids.b1).waitFor();
    check(await resultItem(p, ids.a1).count() === 1, `admin does not find A1 for ${ONE}`);
    const marks = await markTexts(p.locator('#result-list'));
    check(marks.length >= 2 && marks.every((m) => m === ONE), `marks are ${JSON.stringify(marks)}`);
    check((await text(p, '#search-scope')).includes('全部部门'), 'admin\'s scope note does not say all departments');
    // Two terms, the Latin one in full-width capitals: both must occur.
    const wide = [...RUN.toUpperCase()].map((c) => String.fromCodePoint(c.codePointAt(0) + 0xfee0)).join('');
    await search(p, `${wide} ${ONE}`);
    await resultItem(p, ids.b1).waitFor();
    const got = await p.locator('#result-list li.result').evaluateAll((l) => l.map((x) => Number(x.dataset.id)).sort((a, b) => a - b));
    check(got.join(',') === [ids.a1, ids.b1].sort((a, b) => a - b).join(','), `"${wide} ${ONE}" found [${got}]`);
    const bt = await resultItem(p, ids.b1).locator('.result-title mark.hit').allInnerTexts();
    check(bt.includes(RUN) && bt.includes(ONE), `B1's title marks are ${JSON.stringify(bt)}, want "${RUN}" and "${ONE}"`);
    await shot(p, 'desktop-search-admin');
    await p.close();
  });

  await group('paging', `handler: ${PAGING_N} results page by ${PAGE}; offset in the URL; back returns to page 1`, ['data', 'refuse'], async () => {
    const p = await newPage(haCtx);
    await p.goto(`${base}/search.html`);
    await search(p, PAGING);
    await p.locator('#pager:not([hidden])').waitFor();
    check(await p.locator('#result-list li.result').count() === PAGE, 'first page not full');
    check((await text(p, '#summary')).includes(`找到 ${PAGING_N} 条`), `summary reads "${await text(p, '#summary')}"`);
    check(await p.locator('#prev').isDisabled(), '上一页 enabled on page 1');
    const first = await p.locator('#result-list li.result').first().getAttribute('data-id');
    await p.locator('#next').click();
    await p.waitForURL((u) => new URL(String(u)).searchParams.get('offset') === String(PAGE));
    await p.locator('#results[aria-busy="false"]').waitFor({ state: 'attached' });
    await until(async () => (await p.locator('#result-list li.result').count()) === PAGING_N - PAGE, 5000, 'second page');
    check(await p.locator('#next').isDisabled(), '下一页 enabled on the last page');
    check((await text(p, '#page-info')).includes('第 2 / 2 页'), `page info reads "${await text(p, '#page-info')}"`);
    check(await p.locator('#result-list').getAttribute('start') === String(PAGE + 1), 'numbering does not go on');
    const seen = new Set(await p.locator('#result-list li.result').evaluateAll((l) => l.map((x) => x.dataset.id)));
    check(!seen.has(first), 'page 2 repeats page 1');
    for (const id of seen) check(ids.paging.includes(Number(id)), `unexpected result ${id}`);
    await p.goBack();
    await p.waitForURL((u) => !new URL(String(u)).searchParams.has('offset'));
    await until(async () => (await p.locator('#result-list li.result').count()) === PAGE, 5000, 'back to page 1');
    await p.close();
  });

  await group('phone', 'phone: the handler searches on a 390px screen', ['data', 'refuse'], async () => {
    const p = await newPage(phone);
    await login(p, base, HA);
    await p.goto(`${base}/search.html`);
    await search(p, TWO);
    await resultItem(p, ids.a2).waitFor();
    await fits(p, 390, 'search');
    await shot(p, 'phone-search');
    await search(p, PAGING);
    await p.locator('#pager:not([hidden])').waitFor();
    await fits(p, 390, 'search-paging');
    await p.locator('#pager').scrollIntoViewIfNeeded();
    await p.screenshot({ path: join(OUT, 'phone-search-pager.png') });   // the screen, not the whole page
  });

  await group('csp', 'search page runs under a strict Content-Security-Policy', ['data'], async () => {
    const { ctx, p, violations } = await strictCspPage(browser);
    await login(p, base, ADMIN);
    await p.goto(`${base}/search.html?q=${encodeURIComponent(TWO)}`);
    await resultItem(p, ids.a2).waitFor();
    await p.waitForLoadState('networkidle');
    check(violations.length === 0, `CSP violations: ${violations.slice(0, 3).join(' | ')}`);
    await ctx.close();
  });

  await group('errors', 'no script errors or dialogs in any page', ['browser'], async () => {
    const errs = logs.flatMap((l) => [...l.errors, ...l.dialogs.map((d) => `dialog: ${d}`)]);
    check(errs.length === 0, errs.slice(0, 3).join(' | '));
  });

  await group('shutdown', 'server: stops cleanly on SIGTERM, no sanitizer report', [], async () => {
    await stopServer();
  });
}

await runTests(main);
