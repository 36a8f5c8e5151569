// Browser test of the walking skeleton (issue 2): starts the real minyi server
// on a free 127.0.0.1 port with a temporary database, drives Debian's chromium
// through the citizen, handler and admin flows by clicking the real pages, and
// saves desktop and phone screenshots under tests/e2e/out/.
//
// Output: one line per step group, "ok   e2e: NAME" or "FAIL e2e: NAME: why",
// then "N passed, N failed". A group that cannot run because an earlier one
// failed is reported as FAIL (never skipped silently). Exit status 1 on failure.
//
// Binary: $MINYI_BIN, else ./build/asan/minyi if present, else ./minyi.
// Harness and helpers: lib.mjs (shared with work.test.mjs).

import { writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN, DB, RUN, tmp, group, check, run, runTests, startServer, stopServer, launchBrowser,
  watch, newLog, shot, text,
  strictCspPage,
} from './lib.mjs';

// ---------- the test ----------

const HANDLER = { login: `e2e-handler-${RUN}`, password: `pw-${RUN}-handler-secret` };
const ADMIN = { login: `e2e-admin-${RUN}`, password: `pw-${RUN}-admin-secret` };
const DEPT = `e2e测试局-${RUN}`;
const KEYWORD = `井盖${RUN}`;
const INJECT = '<img src=x onerror=alert(1)>';
const MOBILE = '13812345678';
const PHONE_FIELD = '13987654321';
const TITLE = `小区门口${KEYWORD}破损 ${RUN}`;
const BODY = `我家门口的${KEYWORD}破损已一周，夜里很危险。请联系我 ${MOBILE}。\n测试文本：${INJECT}</p><script>alert(2)</script>`;
const REPLY = `您好，已安排维修人员处理${KEYWORD}，预计三日内修复。（${RUN}）`;

let base = '';
let browser = null;
let trackingCode = '';
let desktop = null;   // browser context 1280x800
let phone = null;     // browser context, phone viewport
const citizenLog = newLog();
const officialLog = newLog();

async function main() {
  await group('server', 'server: demo data, CLI department/handler/admin, serve, healthz', [], async () => {
    check(existsSync(BIN), `no minyi binary at ${BIN} (build it or set MINYI_BIN)`);
    const demo = run(['demo', '--db', DB]);
    check(/admin/.test(demo), 'minyi demo printed no admin login');
    run(['dept', 'add', DEPT, '--db', DB]);
    addRoutingRule();
    const pw = join(tmp, 'pw');
    writeFileSync(pw, HANDLER.password + '\n', { mode: 0o600 });
    run(['user', 'add', HANDLER.login, '--role', 'handler', '--dept', DEPT, '--password-file', pw, '--db', DB]);
    writeFileSync(pw, ADMIN.password + '\n', { mode: 0o600 });
    run(['user', 'add', ADMIN.login, '--role', 'admin', '--password-file', pw, '--db', DB]);
    rmSync(pw);
    base = await startServer('server.log');
  });

  await group('browser', 'browser: launch chromium', [], async () => {
    browser = await launchBrowser('chromium.log');
    desktop = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    phone = await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN',
    });
  });

  let page;
  await group('home', 'citizen: home page lists the open consultations', ['server', 'browser'], async () => {
    page = await desktop.newPage();
    watch(page, citizenLog);
    await page.goto(`${base}/`);
    const cards = page.locator('#consultations li.card');
    await cards.first().waitFor();
    check(await cards.count() >= 2, `expected >= 2 consultations, got ${await cards.count()}`);
    check(await page.getByRole('heading', { name: '查询留言' }).isVisible(), 'no 查询留言 box');
    await shot(page, 'desktop-home');
  });

  await group('form', 'citizen: form checks fields before sending, server errors shown at the field', ['home'], async () => {
    await page.locator('#consultations li.card h3 a').first().click();
    await page.waitForURL(/consultation\.html\?id=\d+/);
    await page.locator('#message-form').waitFor();
    await page.locator('#submit').click();
    const titleErr = page.locator('#err-title');
    await titleErr.waitFor();
    check((await titleErr.innerText()).includes('标题'), 'no error next to the empty title');
    check(await page.locator('#f-title').getAttribute('aria-invalid') === 'true', 'title not marked aria-invalid');
    // A control character passes the page's checks; the server's 422 names the field.
    await page.locator('#f-title').fill('控制字符测试');
    await page.locator('#f-body').fill('正文\u0001含控制字符');
    await page.locator('#submit').click();
    const bodyErr = page.locator('#err-body');
    await bodyErr.waitFor();
    check((await bodyErr.innerText()).trim().length > 0, 'server error not shown next to body');
    check(await page.locator('#done').isHidden(), 'a bad message was accepted');
    // Counter follows the typed characters (code points).
    await page.locator('#f-title').fill('𠀀测试');
    check((await text(page, '#cnt-title')).startsWith('3 / 100'), `title counter says ${await text(page, '#cnt-title')}`);
  });

  await group('submit', 'citizen: submits a message and gets a tracking code', ['form'], async () => {
    await page.getByLabel('投诉').check();
    await page.locator('#f-title').fill(TITLE);
    await page.locator('#f-body').fill(BODY);
    await page.locator('#f-region').fill('滨江区长河街道');
    await page.locator('#f-phone').fill(PHONE_FIELD);
    check((await text(page, '#hint-phone')).includes('不会公开'), 'phone hint does not say it stays private');
    await shot(page, 'desktop-consultation-form');
    await page.locator('#submit').click();
    await page.locator('#done').waitFor();
    trackingCode = (await text(page, '#done-code')).trim();
    check(/^[A-Za-z0-9-]{6,}$/.test(trackingCode), `odd tracking code "${trackingCode}"`);
    await shot(page, 'desktop-submitted');
  });

  await group('track', 'citizen: tracking page shows state, masked phone, injection as literal text', ['submit'], async () => {
    await page.locator('#done-link').click();
    await page.waitForURL(/track\.html\?code=/);
    await page.locator('#m-body').waitFor();
    const state = await text(page, '.doc-head .badge');
    check(['已受理', '已转办'].includes(state), `state shown as "${state}"`);
    const all = await page.locator('main').innerText();
    check(!all.includes(MOBILE) && !all.includes(PHONE_FIELD), 'a full mobile number is shown publicly');
    check(all.includes('138****5678'), 'masked mobile 138****5678 not shown in the body');
    check(all.includes('139****4321'), 'masked phone field 139****4321 not shown');
    const body = await text(page, '#m-body');
    check(body.includes(INJECT), 'injection string not shown as literal text');
    check(body.includes('<script>alert(2)</script>'), 'script tag not shown as literal text');
    check(await page.locator('main img').count() === 0, 'an <img> element was created from citizen text');
    check(await page.locator('main script').count() === 0, 'a <script> element was created from citizen text');
    check(all.includes(DEPT) || state === '已受理', 'routed message does not show its department');
    await page.waitForTimeout(300);   // give an injected onerror the chance to fire
    check(citizenLog.dialogs.length === 0, `a dialog fired: ${citizenLog.dialogs.join(', ')}`);
    await shot(page, 'desktop-track-new');
    // The code typed by hand in the home page box leads to the same page.
    await page.goto(`${base}/`);
    // Typed sloppily: lower case, spaces, no dashes.
    await page.locator('#track-code').fill(` ${trackingCode.replace(/-/g, ' ').toLowerCase()} `);
    await page.locator('#track-code').press('Enter');
    await page.waitForURL(/track\.html\?code=/);
    await page.locator('#m-body').waitFor();
    check((await text(page, '#m-title')) === TITLE, 'home page lookup opened another message');
    await page.goto(`${base}/track.html?code=NOPE-NOPE-NOPE`);
    await page.locator('#notice:not([hidden])').waitFor();
    check((await text(page, '#notice')).includes('未找到'), 'unknown code not reported');
  });

  let official;
  await group('handler', 'handler: logs in, finds the message in the inbox, replies', ['submit'], async () => {
    official = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const p = await official.newPage();
    watch(p, officialLog);
    await p.goto(`${base}/inbox.html`);
    await p.waitForURL(/login\.html\?next=/);   // not logged in: sent to login
    await p.locator('#f-login').fill(HANDLER.login);
    await p.locator('#f-password').fill('wrong-password');
    await p.locator('#login-submit').click();
    await p.locator('#login-form .form-error:not([hidden])').waitFor();
    await shot(p, 'desktop-login-error');
    await p.locator('#f-password').fill(HANDLER.password);
    await p.locator('#login-submit').click();
    await p.waitForURL(/inbox\.html/);
    const link = p.locator('#inbox-table a', { hasText: TITLE });
    await link.waitFor();
    check(await p.locator('#inbox-table img').count() === 0, 'inbox created an <img> from citizen text');
    await shot(p, 'desktop-inbox');
    await link.click();
    await p.waitForURL(/message\.html\?id=\d+/);
    const ourId = Number(new URL(p.url()).searchParams.get('id'));
    await p.locator('#m-body').waitFor();
    check((await text(p, '#m-body')).includes(MOBILE), 'official view does not show the full number');
    check((await text(p, '#m-body')).includes(INJECT), 'official view does not show the injection as text');
    check(await p.locator('main img').count() === 0, 'official view created an <img> from citizen text');
    await p.locator('#f-reply').fill(REPLY);
    await p.locator('#reply-submit').click();
    await p.locator('#replies .reply', { hasText: REPLY }).waitFor();
    const st = await text(p, '.doc-head .badge');
    check(st === '已答复', `state after reply is "${st}"`);
    check(officialLog.dialogs.length === 0, `a dialog fired: ${officialLog.dialogs.join(', ')}`);
    await shot(p, 'desktop-message-replied');
    // Another department's message (demo message 1): refused, and no reply form.
    check(ourId !== 1, 'no demo message from another department to try');
    await p.goto(`${base}/message.html?id=1`);
    await p.locator('#message p', { hasText: '无权' }).waitFor();
    check(await p.locator('#reply-section').isHidden(), 'reply form offered on a refused message');
    // A handler is not an admin: the admin page refuses.
    await p.goto(`${base}/admin.html`);
    await p.locator('#notice:not([hidden])').waitFor();
    check((await text(p, '#notice')).includes('管理员'), 'handler not refused on the admin page');
    // Logout ends the session.
    await p.locator('#logout').click();
    await p.waitForURL(/login\.html/);
    await p.goto(`${base}/inbox.html`);
    await p.waitForURL(/login\.html\?next=/);
    await official.close();
  });

  await group('replied', 'citizen: tracking page shows the official reply', ['handler'], async () => {
    await page.goto(`${base}/track.html?code=${encodeURIComponent(trackingCode)}`);
    await page.locator('.reply', { hasText: REPLY }).waitFor();
    const state = await text(page, '.doc-head .badge');
    check(state === '已答复', `state shown as "${state}"`);
    check((await text(page, '.reply')).includes(DEPT), 'reply does not name the department');
    await shot(page, 'desktop-track-replied');
  });

  await group('admin', 'admin: creates a department and a consultation on the admin page', ['server', 'browser'], async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const p = await ctx.newPage();
    const log = newLog();
    watch(p, log);
    await p.goto(`${base}/login.html`);
    await p.locator('#f-login').fill(ADMIN.login);
    await p.locator('#f-password').fill(ADMIN.password);
    await p.locator('#login-submit').click();
    await p.waitForURL(/admin\.html/);
    await p.locator('#admin:not([hidden])').waitFor();
    const dept = `e2e新建部门-${RUN}`;
    await p.locator('#d-name').fill(dept);
    await p.locator('#d-submit').click();
    await p.locator(`#d-list tr[data-name="${dept}"]`).waitFor();
    await p.locator('#u-dept option', { hasText: dept }).waitFor({ state: 'attached' });
    // Same name again: 409, shown on the form.
    await p.locator('#d-name').fill(dept);
    await p.locator('#d-submit').click();
    await p.locator('#d-form .field-error:not([hidden]), #d-form .form-error:not([hidden])').first().waitFor();
    const ctitle = `e2e新建征求意见-${RUN}`;
    await p.locator('#c-name').fill(ctitle);
    await p.locator('#c-desc').fill('请就本市公园开放时间提出意见。<b>不是粗体</b>');
    await p.locator('#c-kind').selectOption('consultation');
    await p.locator('#c-submit').click();
    await p.locator('#c-list li', { hasText: ctitle }).waitFor();
    const login = `e2e-new-${RUN}`;
    await p.locator('#u-login').fill(login);
    await p.locator('#u-password').fill('new-handler-pw-1');
    await p.locator('#u-role').selectOption('handler');
    await p.locator('#u-dept').selectOption(dept);
    await p.locator('#u-submit').click();
    await p.locator('#u-list tr', { hasText: login }).waitFor();
    await shot(p, 'desktop-admin');
    // The new consultation is on the public home page.
    await p.goto(`${base}/`);
    await p.locator('#consultations li.card', { hasText: ctitle }).waitFor();
    check(log.errors.length === 0, log.errors.join(' | '));
    await ctx.close();
  });

  await group('phone', 'phone: the pages fit a 390px screen', ['handler'], async () => {
    const p = await phone.newPage();
    const log = newLog();
    watch(p, log);
    const fits = async (name) => {
      const w = await p.evaluate(() => document.documentElement.scrollWidth);
      check(w <= 391, `${name} is ${w}px wide on a 390px screen`);
      await shot(p, `phone-${name}`);
    };
    await p.goto(`${base}/`);
    await p.locator('#consultations li.card').first().waitFor();
    await fits('home');
    await p.locator('#consultations li.card h3 a').first().click();
    await p.locator('#message-form').waitFor();
    await fits('consultation');
    await p.goto(`${base}/track.html?code=${encodeURIComponent(trackingCode)}`);
    await p.locator('.reply').first().waitFor();
    await fits('track');
    await p.goto(`${base}/login.html`);
    await p.locator('#f-login').fill(HANDLER.login);
    await p.locator('#f-password').fill(HANDLER.password);
    await p.locator('#login-submit').click();
    await p.waitForURL(/inbox\.html/);
    await p.locator('#inbox-table').waitFor();
    await fits('inbox');
    await p.locator('#inbox-table a', { hasText: TITLE }).click();
    await p.locator('#m-body').waitFor();
    await fits('message');
    check(log.dialogs.length === 0 && log.errors.length === 0, [...log.dialogs, ...log.errors].join(' | '));
  });

  await group('csp', 'pages run under a strict Content-Security-Policy', ['server', 'browser'], async () => {
    // Re-serve every response with a CSP that forbids inline script and style:
    // any inline handler or style attribute in our pages shows up as a violation.
    const own = (await fetch(`${base}/`)).headers.get('content-security-policy') || '';
    check(/script-src 'self'/.test(own), `server sends no script-src 'self' CSP (got "${own}")`);
    const { ctx, p, violations } = await strictCspPage(browser);
    for (const path of ['/', '/consultation.html?id=1', `/track.html?code=${encodeURIComponent(trackingCode)}`, '/login.html']) {
      await p.goto(`${base}${path}`);
      await p.waitForLoadState('networkidle');
    }
    check(violations.length === 0, `CSP violations: ${violations.slice(0, 3).join(' | ')}`);
    await ctx.close();
  });

  await group('errors', 'no script errors in any page', ['home'], async () => {
    const errs = [...citizenLog.errors, ...officialLog.errors];
    check(errs.length === 0, errs.slice(0, 3).join(' | '));
  });

  await group('shutdown', 'server: stops cleanly on SIGTERM, no sanitizer report', [], async () => {
    await stopServer();
  });
}

// Messages reach our handler's department by a keyword routing rule.
function addRoutingRule() {
  run(['dept', 'rule', DEPT, KEYWORD, '--db', DB]);
}

await runTests(main);
