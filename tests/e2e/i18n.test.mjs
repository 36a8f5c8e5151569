// Browser test of the languages (web/i18n/, web/js/i18n.js) and of narrow
// screens. A visitor whose browser prefers Chinese gets Chinese; the header's
// language button switches to English, and the message form, the tracking
// page and the public list are then in English (labels, buttons, dates),
// and stay so after a reload and on the next page (remembered in
// localStorage and the minyi_lang cookie). A browser that prefers English
// gets English without choosing. At 375 px, an unbroken 100-character title
// wraps on the tracking page, the public list, the public message page, the
// officials' message page and a leader's post: the document stays 375 px wide.
// Screenshots in tests/e2e/out/i18n-*.png.
//
// Output and binaries as flow.test.mjs (harness: lib.mjs).
import { writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN, DB, RUN, tmp, group, check, run, runTests, until, startServer, stopServer, launchBrowser,
  shot, fits, newPage as sharedNewPage, desktopContext as sharedDesktopContext, login, apiLogin, postJson,
} from './lib.mjs';

const LONG = `PleaseRepairTheStreetLightAtTheNorthGateOfOurCommunityItHasBeenDarkForTwoWholeWeeksNow${RUN}`;
const ADMIN = { login: `i-admin-${RUN}`, password: `pw-${RUN}-admin-secret` };
const LEADER = { login: `i-lead-${RUN}`, password: `pw-${RUN}-lead-secret` };
const CJK = /[\u3400-\u9fff]/;

let base = '';
let browser = null;
let boardId = 0;
const ids = {};
const logs = [];
const newPage = (ctx) => sharedNewPage(ctx, logs);

// The page's own interface text (labels, buttons, headings, the header and
// the footer's fixed line), without what came from citizens or the demo data.
async function uiText(p, sel) {
  return p.locator(sel).evaluateAll((nodes) => nodes.map((n) => n.innerText).join('\n'));
}

async function noChinese(p, sel, what) {
  const s = await uiText(p, sel);
  check(s.trim().length > 0, `${what}: nothing found for ${sel}`);
  const m = s.match(/.{0,20}[\u3400-\u9fff].{0,20}/);
  check(!m, `${what} still has Chinese: "${m && m[0]}"`);
}

async function main() {
  await group('server', 'server: demo data, a board, an admin, a leader; a message and a post with long unbroken titles', [], async () => {
    check(existsSync(BIN), `no minyi binary at ${BIN}`);
    run(['demo', '--db', DB]);
    boardId = Number(run(['consultation', 'add', `语言测试 ${RUN}`, '--kind', 'board', '--db', DB]).match(/\d+/)[0]);
    const file = join(tmp, 'pw');
    for (const [u, role] of [[ADMIN, 'admin'], [LEADER, 'leader']]) {
      writeFileSync(file, u.password + '\n', { mode: 0o600 });
      run(['user', 'add', u.login, '--role', role, '--password-file', file, '--db', DB]);
    }
    rmSync(file);
    base = await startServer('i18n-server.log');
    const r = await postJson(base, '/api/v1/messages', { consultation_id: boardId, type: '建议', title: LONG, body: '北门路灯坏了两周，晚上很黑。' });
    check(r.status === 201, `POST /api/v1/messages answered ${r.status}`);
    ids.msg = r.body.id;
    ids.code = r.body.tracking_code;
    const lead = await apiLogin(base, LEADER);
    const p = await postJson(base, '/api/v1/posts', { title: LONG, body: '祝大家新春快乐。' }, lead);
    check(p.status === 201 || p.status === 200, `POST /api/v1/posts answered ${p.status}`);
    ids.post = p.body.id;
    await until(async () => {
      const l = await fetch(`${base}/api/v1/public/messages?consultation=${boardId}`).then((x) => x.json());
      return l.messages.some((m) => m.id === ids.msg);
    }, 20000, 'the message never became public');
  });

  await group('browser', 'browser: launch chromium', [], async () => {
    browser = await launchBrowser('i18n-chromium.log');
  });

  await group('zh', 'a browser preferring Chinese gets Chinese', ['server', 'browser'], async () => {
    const ctx = await sharedDesktopContext(browser);
    const p = await newPage(ctx);
    await p.goto(`${base}/messages.html`);
    await p.locator('#list li').first().waitFor();
    check(await p.evaluate(() => document.documentElement.lang) === 'zh-CN', 'html lang is not zh-CN');
    check(CJK.test(await uiText(p, 'h1')), 'the heading is not Chinese');
    check((await p.locator('#lang-switch').innerText()).trim() === 'English', 'the header offers no English');
    await ctx.close();
  });

  await group('switch', 'the language button switches to English; form, tracking page and public list are English, and stay so after a reload', ['server', 'browser'], async () => {
    const ctx = await sharedDesktopContext(browser);
    const p = await newPage(ctx);
    await p.goto(`${base}/consultation.html?id=${boardId}`);
    await p.locator('#message-form').waitFor({ state: 'visible' });
    await p.locator('#lang-switch').click();
    await p.waitForLoadState('load');
    await until(async () => (await p.evaluate(() => document.documentElement.lang)) === 'en', 10000, 'the page did not turn English');
    await p.locator('#message-form').waitFor({ state: 'visible' });
    await noChinese(p, '#message-form label, #message-form button, #message-form .hint, h2', 'the message form');
    check((await uiText(p, '#message-form')).includes('Title'), 'the form has no "Title" label');
    await noChinese(p, '#site-header nav a, .brand-text', 'the header');
    await shot(p, 'i18n-form-en');

    await p.reload();
    await p.locator('#message-form').waitFor({ state: 'visible' });
    check(await p.evaluate(() => document.documentElement.lang) === 'en', 'the choice was forgotten after a reload');
    check((await p.locator('#lang-switch').innerText()).trim() === '\u4e2d\u6587', 'the button does not offer Chinese back');
    const stored = await p.evaluate(() => [localStorage.getItem('minyi.lang'), document.cookie]);
    check(stored[0] === 'en' && /minyi_lang=en/.test(stored[1]), `the choice is not stored: ${stored}`);

    await p.goto(`${base}/track.html?code=${encodeURIComponent(ids.code)}`);
    await p.locator('#result dt').first().waitFor();
    await noChinese(p, '#result dt, #site-header nav a, main > h1, #track-form label, #track-form button', 'the tracking page');
    const when = await uiText(p, '#result dd');
    check(/\b(AM|PM|\d{1,2}:\d{2})\b/.test(when) && !/\d{4}-\d{2}-\d{2}/.test(when), `dates are not in the English form: ${when.slice(0, 200)}`);
    await shot(p, 'i18n-track-en');

    await p.goto(`${base}/messages.html`);
    await p.locator('#list li').first().waitFor();
    await noChinese(p, '#filters label, #filters button, main > h1, #list .badge', 'the public list');
    const listText = await uiText(p, '#list');
    check(listText.includes('Suggestion') && listText.includes('Written'), `the list's labels are not English: ${listText.slice(0, 200)}`);
    await shot(p, 'i18n-list-en');

    await p.locator('#lang-switch').click();
    await until(async () => (await p.evaluate(() => document.documentElement.lang)) === 'zh-CN', 10000, 'the page did not turn back to Chinese');
    await ctx.close();
  });

  await group('default-en', 'a browser preferring English (Accept-Language, navigator.languages) gets English without choosing', ['server', 'browser'], async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    const p = await newPage(ctx);
    await p.goto(`${base}/`);
    await until(async () => (await p.evaluate(() => document.documentElement.lang)) === 'en', 10000, 'the home page is not English');
    await noChinese(p, '#site-header nav a, .brand-text', 'the header');
    await ctx.close();
  });

  await group('narrow', 'at 375 px an unbroken 100-character title wraps on the tracking, list, public, officials\' and post pages', ['server', 'browser'], async () => {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const p = await newPage(ctx);
    const pages = [
      ['track', `/track.html?code=${encodeURIComponent(ids.code)}`],
      ['list', `/messages.html?consultation=${boardId}`],
      ['view', `/view.html?id=${ids.msg}`],
      ['post', `/post.html?id=${ids.post}`],
    ];
    for (const [name, path] of pages) {
      await p.goto(`${base}${path}`);
      await until(async () => (await p.locator('body').innerText()).includes(LONG.slice(0, 30)), 15000, `${name}: the long title is not shown`);
      await shot(p, `i18n-375-${name}`);
      await fits(p, 375, `${name} page`);
      check(!/^(null|undefined)$/m.test(await p.locator('main').innerText()), `${name}: a line reads "null" or "undefined"`);
    }
    await login(p, base, ADMIN);
    await p.goto(`${base}/message.html?id=${ids.msg}`);
    await until(async () => (await p.locator('#message').innerText()).includes(LONG.slice(0, 30)), 15000, 'message page: the long title is not shown');
    await shot(p, 'i18n-375-message');
    await fits(p, 375, 'officials\' message page');
    await ctx.close();
  });

  await group('errors', 'no script errors or dialogs in any page', ['server', 'browser'], async () => {
    const errs = logs.flatMap((l) => l.errors);
    check(!errs.length, errs.slice(0, 3).join(' | '));
    const dialogs = logs.flatMap((l) => l.dialogs);
    check(!dialogs.length, dialogs.slice(0, 3).join(' | '));
  });

  await group('stop', 'server: stops cleanly on SIGTERM, no sanitizer report', ['server'], async () => {
    await stopServer();
  });
}

runTests(main);
