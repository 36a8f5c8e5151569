// Browser test of 留言公开 (messages.html, view.html; GET
// /api/v1/public/messages). Starts the real server with demo data, posts
// messages through the consultation form (one chosen 不公开) and the API
// (one with an unbroken 120-character title and a phone number), and drives
// chromium: the home page links the public list; the published messages are
// listed with the phone masked and the unpublished one is not; a filter by
// type lives in the URL; the public page shows the message without its
// tracking code; the support button counts once per visitor; a 375px phone
// screen does not scroll sideways; a strict Content-Security-Policy holds.
//
// Output and binaries as flow.test.mjs (harness: lib.mjs).
import { writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN, DB, RUN, tmp, group, check, run, runTests, until, startServer, stopServer, launchBrowser,
  shot, fits, newPage as sharedNewPage, desktopContext as sharedDesktopContext, strictCspPage,
} from './lib.mjs';

const LONG = `PleaseFixTheBrokenStreetLightNearTheNorthGateOfOurCommunityItHasBeenDarkForTwoWeeks${RUN}`;
const PUBLIC = { title: `路灯不亮请修理 ${RUN}`, body: '小区北门路灯坏了两周，晚上很黑，电话13812345678。' };
const PRIVATE = { title: `私下反映的问题 ${RUN}`, body: '请不要公开这条留言。' };

let base = '';
let browser = null;
let boardId = 0;
const logs = [];
const ids = {};
const newPage = (ctx) => sharedNewPage(ctx, logs);

async function post(msg, extra = {}) {
  const r = await fetch(`${base}/api/v1/messages`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ consultation_id: boardId, type: '求助', ...msg, ...extra }),
  });
  check(r.status === 201, `POST /api/v1/messages answered ${r.status}`);
  return (await r.json());
}

async function publicIds(query = '') {
  const r = await fetch(`${base}/api/v1/public/messages?consultation=${boardId}&limit=100${query}`);
  return (await r.json()).messages.map((m) => m.id);
}

async function main() {
  await group('server', 'server: demo data, serve', [], async () => {
    check(existsSync(BIN), `no minyi binary at ${BIN}`);
    run(['demo', '--db', DB]);
    boardId = Number(run(['consultation', 'add', `公开测试 ${RUN}`, '--kind', 'board', '--db', DB]).match(/\d+/)[0]);
    base = await startServer('public-server.log');
  });

  await group('browser', 'browser: launch chromium', [], async () => {
    browser = await launchBrowser('public-chromium.log');
  });

  await group('form', 'citizen: the form offers 公开 / 不公开 (default 公开); a 不公开 message is taken', ['server', 'browser'], async () => {
    const ctx = await sharedDesktopContext(browser);
    const p = await newPage(ctx);
    await p.goto(`${base}/consultation.html?id=${boardId}`);
    check(await p.locator('input[name=publish][value="1"]').isChecked(), '公开 is not the default');
    await p.locator('#f-title').fill(PRIVATE.title);
    await p.locator('#f-body').fill(PRIVATE.body);
    await p.locator('input[name=publish][value="0"]').check();
    await p.locator('#submit').click();
    await p.locator('#done-code').waitFor({ state: 'visible' });
    ids.publicMsg = (await post(PUBLIC)).id;
    const long = await post({ title: LONG, body: '北门路灯坏了两周，晚上很黑。' }, { type: '建议' });
    ids.long = long.id;
    ids.longCode = long.tracking_code;
    await until(async () => (await publicIds()).includes(ids.publicMsg) && (await publicIds()).includes(ids.long),
      20000, 'posted messages never became public');
    await ctx.close();
  });

  await group('list', 'public list: published messages, phone masked, the 不公开 one absent, filter in the URL', ['form'], async () => {
    const ctx = await sharedDesktopContext(browser);
    const p = await newPage(ctx);
    await p.goto(`${base}/`);
    await p.locator('#public-link').click();
    await p.waitForURL(/messages\.html/);
    await p.locator('#list li.public-item').first().waitFor();
    const all = await p.locator('#list').innerText();
    check(all.includes(PUBLIC.title), 'the published message is not listed');
    check(!all.includes(PRIVATE.title), 'the 不公开 message is listed');
    check(!all.includes('13812345678') && all.includes('138****5678'), 'the phone number is not masked');
    await p.locator('#f-type').selectOption('求助');
    await p.locator('#filters button[type=submit]').click();
    await p.waitForURL(/type=/);
    // The old list stays on screen until the filtered one arrives: wait for it.
    let filtered = '';
    await until(async () => {
      filtered = await p.locator('#list').innerText();
      return filtered.includes(PUBLIC.title) && !filtered.includes(LONG.slice(0, 20));
    }, 5000, '').catch(() => {});
    check(filtered.includes(PUBLIC.title) && !filtered.includes(LONG.slice(0, 20)), 'the type filter did not apply');
    await shot(p, 'public-list');
    await ctx.close();
  });

  await group('page', 'public page: no tracking code; support counted once per visitor', ['form'], async () => {
    const ctx = await sharedDesktopContext(browser);
    const p = await newPage(ctx);
    await p.goto(`${base}/view.html?id=${ids.publicMsg}`);
    await p.locator('#support').waitFor();
    const body = await p.locator('main').innerText();
    check(body.includes(PUBLIC.title.slice(0, 6)), 'the message is not shown');
    check(!/[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/.test(body), 'a tracking code is shown');
    check((await p.locator('#support-count').innerText()) === '0', 'support count does not start at 0');
    await p.locator('#support').click();
    await until(async () => (await p.locator('#support-count').innerText()) === '1', 5000, 'support not counted');
    await p.reload();
    await p.locator('#support').click();
    await until(async () => (await p.locator('#support').innerText()) === '已支持', 5000, 'a second support was not refused');
    check((await p.locator('#support-count').innerText()) === '1', 'the same visitor counted twice');
    await shot(p, 'public-page');
    await ctx.close();
  });

  await group('phone', 'phone: list and page with an unbroken long title fit a 375px screen', ['form'], async () => {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const p = await newPage(ctx);
    await p.goto(`${base}/messages.html?consultation=${boardId}`);
    await p.locator('#list li.public-item').first().waitFor();
    await fits(p, 375, 'the public list');
    await p.goto(`${base}/view.html?id=${ids.long}`);
    await p.locator('#support').waitFor();
    await fits(p, 375, 'the public page');
    await shot(p, 'phone-public-page');
    await p.goto(`${base}/track.html?code=${ids.longCode}`);
    await p.locator('#result h1, #result h2').first().waitFor();
    await fits(p, 375, 'the tracking page with a long unbroken title');
    await ctx.close();
  });

  await group('404', 'an unknown page answers 404 with the styled page and a way back', ['server', 'browser'], async () => {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'zh-CN' });
    const p = await newPage(ctx);
    const resp = await p.goto(`${base}/no-such-page-${RUN}.html`);
    check(resp.status() === 404, `status ${resp.status()}`);
    await p.locator('#nf-title').waitFor();
    check((await p.locator('#nf-title').innerText()).includes('页面不存在'), 'no 404 title');
    await fits(p, 375, 'the 404 page');
    await p.locator('.not-found a[href="/"]').click();
    await p.waitForURL(`${base}/`);
    await ctx.close();
  });

  await group('csp', 'public pages run under a strict Content-Security-Policy', ['form'], async () => {
    const { ctx, p, violations } = await strictCspPage(browser);
    await p.goto(`${base}/messages.html`);
    await p.locator('#list li').first().waitFor();
    await p.goto(`${base}/view.html?id=${ids.publicMsg}`);
    await p.locator('#support').waitFor();
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
