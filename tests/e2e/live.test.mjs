// Browser test of a live session (live.html). A leader schedules a session
// through the API and a moderator starts it; citizen A keeps the page open;
// citizen B asks a question on the page and A sees it arrive; A up-votes
// it (once); the moderator picks it on the page; the leader answers it on
// the page; A sees the answer move into the transcript, all without a
// reload (Server-Sent Events).
//
// Output and binaries as flow.test.mjs (harness: lib.mjs).
import { writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN, DB, RUN, tmp, group, check, run, runTests, until, startServer, stopServer, launchBrowser,
  shot, fits, newPage as sharedNewPage, desktopContext as sharedDesktopContext, login, apiLogin, postJson,
} from './lib.mjs';

const LEADER = { login: `l-lead-${RUN}`, password: `pw-${RUN}-lead-secret` };
const MOD = { login: `l-mod-${RUN}`, password: `pw-${RUN}-mod-secret` };
const QUESTION = `地铁什么时候通到新区？${RUN}`;
const ANSWER = `明年年底通车。${RUN}`;

let base = '';
let browser = null;
let session = 0;
let watcher = null;
const logs = [];
const newPage = (ctx) => sharedNewPage(ctx, logs);

async function main() {
  await group('server', 'server: demo data, a leader and a moderator; a session scheduled and started', [], async () => {
    check(existsSync(BIN), `no minyi binary at ${BIN}`);
    run(['demo', '--db', DB]);
    const file = join(tmp, 'pw');
    for (const [u, role] of [[LEADER, 'leader'], [MOD, 'moderator']]) {
      writeFileSync(file, u.password + '\n', { mode: 0o600 });
      run(['user', 'add', u.login, '--role', role, '--password-file', file, '--db', DB]);
    }
    rmSync(file);
    base = await startServer('live-server.log');
    const lead = await apiLogin(base, LEADER);
    const r = await postJson(base, '/api/v1/live', { title: `交通局长在线访谈 ${RUN}`, description: '谈谈城市交通' }, lead);
    check(r.status === 201, `POST /api/v1/live answered ${r.status}`);
    session = r.body.id;
    const mod = await apiLogin(base, MOD);
    const put = await fetch(`${base}/api/v1/live/${session}`, { method: 'PUT', headers: { 'Content-Type': 'application/json', Cookie: mod.cookie, 'X-CSRF-Token': mod.csrf }, body: JSON.stringify({ status: 'live' }) });
    check(put.status === 200, `start answered ${put.status}`);
  });

  await group('browser', 'browser: launch chromium', [], async () => {
    browser = await launchBrowser('live-chromium.log');
  });

  await group('ask', 'citizen B asks on the page; citizen A sees the question arrive and up-votes it once', ['server', 'browser'], async () => {
    watcher = await newPage(await sharedDesktopContext(browser));
    await watcher.goto(`${base}/live.html?id=${session}`);
    await watcher.locator('#live-status').waitFor();
    check((await watcher.locator('#live-status').innerText()).includes('正在直播'), 'status not shown');
    await watcher.waitForTimeout(300);
    const b = await sharedDesktopContext(browser);
    const q = await newPage(b);
    await q.goto(`${base}/live.html?id=${session}`);
    await q.locator('#q-body').fill(QUESTION);
    await q.locator('#q-submit').click();
    await q.locator('#ask-form .form-ok').waitFor({ state: 'visible' });
    await until(async () => (await watcher.locator('#waiting').innerText()).includes(QUESTION), 20000, 'the question did not arrive live');
    await watcher.locator('#waiting button[data-vote]').first().click();
    await until(async () => (await watcher.locator('#waiting button[data-vote]').first().innerText()).includes('1'), 20000, 'the vote was not counted');
    await watcher.locator('#waiting button[data-vote]').first().click();
    await until(async () => (await watcher.locator('#waiting button[data-vote]').first().innerText()).includes('已支持'), 20000, 'a second vote was not refused');
    await b.close();
  });

  await group('answer', 'the moderator picks it, the leader answers; A sees it move into the transcript', ['ask'], async () => {
    const mctx = await sharedDesktopContext(browser);
    const m = await newPage(mctx);
    await login(m, base, MOD);
    await m.goto(`${base}/live.html?id=${session}`);
    await m.locator('#waiting button[data-pick]').first().click();
    await until(async () => (await watcher.locator('#current-box').isVisible()) && (await watcher.locator('#current-text').innerText()).includes(QUESTION), 20000, 'the pick did not arrive live');
    const lctx = await sharedDesktopContext(browser);
    const l = await newPage(lctx);
    await login(l, base, LEADER);
    await l.goto(`${base}/live.html?id=${session}`);
    await l.locator('#current .answer-form textarea').fill(ANSWER);
    // A question arriving while the leader types redraws the lists: the answer being typed stays, focus too.
    const other = `公交站台能不能加雨棚？${RUN}`;
    check((await postJson(base, `/api/v1/live/${session}/questions`, { body: other })).status === 201, 'second question not taken');
    await until(async () => (await l.locator('#waiting').innerText()).includes(other), 20000, 'the second question did not arrive live');
    check(await l.locator('#current .answer-form textarea').inputValue() === ANSWER, 'the answer being typed was wiped by a redraw');
    check(await l.evaluate(() => document.activeElement && document.activeElement.tagName === 'TEXTAREA'), 'the answer box lost the focus');
    await l.locator('#current .answer-form button[type=submit]').click();
    await until(async () => (await watcher.locator('#answered').innerText()).includes(ANSWER), 20000, 'the answer did not arrive live');
    check(await watcher.locator('#current-box').isHidden(), 'the answered question is still current');
    await shot(watcher, 'live-session');
    await mctx.close();
    await lctx.close();
  });

  await group('phone', 'phone: the live page fits a 375px screen', ['answer'], async () => {
    const ctx = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
    const p = await newPage(ctx);
    await p.goto(`${base}/live.html?id=${session}`);
    await p.locator('#answered li').first().waitFor();
    await fits(p, 375, 'the live page');
    await ctx.close();
  });

  await group('errors', 'no script errors or dialogs in any page', ['browser'], async () => {
    const errs = logs.flatMap((l) => [...l.errors, ...l.dialogs.map((d) => `dialog: ${d}`)]);
    check(errs.length === 0, errs.slice(0, 3).join(' | '));
  });

  await group('shutdown', 'server: stops cleanly on SIGTERM with a live page open, no sanitizer report', [], async () => {
    await stopServer();
  });
}

await runTests(main);
