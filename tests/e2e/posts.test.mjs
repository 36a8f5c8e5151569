// Browser test of a leader's post with live counters (post.html,
// post-new.html, the held comments on moderation.html). A leader publishes
// a post with an image in the browser; a citizen keeps the post open while
// a second citizen opens it (the first sees the view count climb, through
// Server-Sent Events, no reload) and comments (it appears on the first
// page); a comment with a sensitive word is held, and appears on the first
// page only when a moderator approves it on the moderation page.
//
// Output and binaries as flow.test.mjs (harness: lib.mjs).
import { writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN, DB, RUN, tmp, group, check, run, runTests, until, startServer, stopServer, launchBrowser,
  shot, fits, newPage as sharedNewPage, desktopContext as sharedDesktopContext, login, strictCspPage,
} from './lib.mjs';

const LEADER = { login: `p-lead-${RUN}`, password: `pw-${RUN}-lead-secret` };
const MOD = { login: `p-mod-${RUN}`, password: `pw-${RUN}-mod-secret` };
const WORD = `禁词${RUN}`;
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

let base = '';
let browser = null;
let postId = 0;
let watcher = null;   // the first citizen's page, kept open
const logs = [];
const newPage = (ctx) => sharedNewPage(ctx, logs);

async function main() {
  await group('server', 'server: demo data, a leader, a moderator, a sensitive word', [], async () => {
    check(existsSync(BIN), `no minyi binary at ${BIN}`);
    run(['demo', '--db', DB]);
    run(['words', 'add', WORD, '--db', DB]);
    const file = join(tmp, 'pw');
    for (const [u, role] of [[LEADER, 'leader'], [MOD, 'moderator']]) {
      writeFileSync(file, u.password + '\n', { mode: 0o600 });
      run(['user', 'add', u.login, '--role', role, '--password-file', file, '--db', DB]);
    }
    rmSync(file);
    writeFileSync(join(tmp, 'pic.png'), PNG);
    base = await startServer('posts-server.log');
  });

  await group('browser', 'browser: launch chromium', [], async () => {
    browser = await launchBrowser('posts-chromium.log');
  });

  await group('publish', 'leader: publishes a post with an image from the 发布帖子 link', ['server', 'browser'], async () => {
    const ctx = await sharedDesktopContext(browser);
    const p = await newPage(ctx);
    await login(p, base, LEADER);
    await p.goto(`${base}/inbox.html`);
    await p.locator('a[href="/post-new.html"]').first().click();
    await p.locator('#post-form').waitFor({ state: 'visible' });
    await p.locator('#p-title').fill(`新春致辞 ${RUN}`);
    await p.locator('#p-body').fill('祝全市人民新春快乐！欢迎大家留言。');
    await p.locator('#p-image').setInputFiles(join(tmp, 'pic.png'));
    await p.locator('#post-form button[type=submit]').click();
    await p.waitForURL(/post\.html\?id=\d+/);
    postId = Number(new URL(p.url()).searchParams.get('id'));
    await p.locator('img.post-image').waitFor();
    check(await p.locator('img.post-image').evaluate((img) => img.complete && img.naturalWidth === 1), 'the image did not load');
    await ctx.close();
  });

  await group('live', 'citizen A watches: the view count climbs and B\'s comment arrives without a reload', ['publish'], async () => {
    const a = await sharedDesktopContext(browser);
    watcher = await newPage(a);
    await watcher.goto(`${base}/post.html?id=${postId}`);
    await watcher.locator('#views').waitFor();
    const before = Number(await watcher.locator('#views').innerText());
    await watcher.waitForTimeout(300);   // the event stream is open
    const b = await sharedDesktopContext(browser);
    const q = await newPage(b);
    await q.goto(`${base}/post.html?id=${postId}`);
    await q.locator('#views').waitFor();
    await until(async () => Number(await watcher.locator('#views').innerText()) > before, 20000, 'the view count did not climb live');
    await q.locator('#c-body').fill(`说得好！${RUN}`);
    await q.locator('#c-submit').click();
    await q.locator('#comment-form .form-ok').waitFor({ state: 'visible' });
    await until(async () => (await watcher.locator('#comments').innerText()).includes(`说得好！${RUN}`), 20000, 'the comment did not arrive live');
    await q.locator('#c-body').fill(`这里有${WORD}`);
    await q.locator('#c-submit').click();
    await until(async () => (await q.locator('#comment-form .form-ok').innerText()).includes('审核'), 20000, 'the writer was not told it is held');
    await watcher.waitForTimeout(300);
    check(!(await watcher.locator('#comments').innerText()).includes(WORD), 'a held comment was shown');
    await shot(watcher, 'post-live');
    await b.close();
  });

  await group('approve', 'moderator approves the held comment on the moderation page; A sees it live', ['live'], async () => {
    const ctx = await sharedDesktopContext(browser);
    const p = await newPage(ctx);
    await login(p, base, MOD);
    await p.goto(`${base}/moderation.html`);
    await p.locator('#hc-list li.held-comment').first().waitFor();
    check((await p.locator('#hc-list').innerText()).includes(WORD), 'the held comment is not in the queue');
    await p.locator('#hc-list button[data-approve]').first().click();
    await until(async () => (await watcher.locator('#comments').innerText()).includes(WORD), 20000, 'the approved comment did not arrive live');
    await ctx.close();
  });

  await group('phone', 'phone: the post page fits a 375px screen', ['publish'], async () => {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const p = await newPage(ctx);
    await p.goto(`${base}/post.html?id=${postId}`);
    await p.locator('#views').waitFor();
    await fits(p, 375, 'the post page');
    await ctx.close();
  });

  await group('csp', 'post pages run under a strict Content-Security-Policy', ['publish'], async () => {
    const { ctx, p, violations } = await strictCspPage(browser);
    // The CSP harness fetches whole responses; an event stream never ends, so
    // it is left out here (the live group above drives it).
    await ctx.route('**/events', (route) => route.abort());
    await p.goto(`${base}/post.html?id=${postId}`);
    await p.locator('#views').waitFor();
    check(violations.length === 0, `CSP violations: ${violations.slice(0, 3).join(' | ')}`);
    await ctx.close();
  });

  await group('errors', 'no script errors or dialogs in any page', ['browser'], async () => {
    const errs = logs.flatMap((l) => [...l.errors, ...l.dialogs.map((d) => `dialog: ${d}`)]);
    check(errs.length === 0, errs.slice(0, 3).join(' | '));
  });

  await group('shutdown', 'server: stops cleanly on SIGTERM with a live page still open, no sanitizer report', [], async () => {
    await stopServer();
  });
}

await runTests(main);
