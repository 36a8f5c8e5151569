// Browser test of a consultation on a draft (consultation.html with
// sections, feedback.html). An admin creates a consultation with a Markdown
// draft of three sections through the API; a citizen reads the sections,
// comments on section 2 with its button, and sees its count rise; after the
// close the page says so and hides the form; the admin marks the comment
// adopted and publishes the report; a citizen reads the report (masked
// phone) and it prints without the site's header.
//
// Output and binaries as flow.test.mjs (harness: lib.mjs).
import { writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIN, DB, RUN, tmp, group, check, run, runTests, until, startServer, stopServer, launchBrowser,
  shot, fits, newPage as sharedNewPage, desktopContext as sharedDesktopContext, strictCspPage, apiLogin, postJson,
} from './lib.mjs';

const ADMIN = { login: `c-admin-${RUN}`, password: `pw-${RUN}-admin-secret` };
const DOC = '本规划向社会征求意见。\n\n# 总体要求\n以人民为中心。\n\n# 交通\n建设地铁三号线。\n\n# 教育\n新建学校十所。\n';
const COMMENT = { title: `地铁应延伸到新区 ${RUN}`, body: '建议地铁三号线延伸到新区，我的电话13812345678。' };

let base = '';
let browser = null;
let admin = null;
let cons = 0;
let msgId = 0;
const logs = [];
const newPage = (ctx) => sharedNewPage(ctx, logs);

async function put(path, body) {
  const r = await fetch(`${base}${path}`, { method: 'PUT', headers: { 'Content-Type': 'application/json', Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf }, body: JSON.stringify(body) });
  return r.status;
}

async function main() {
  await group('server', 'server: demo data, an admin, a consultation with a three-section draft', [], async () => {
    check(existsSync(BIN), `no minyi binary at ${BIN}`);
    run(['demo', '--db', DB]);
    const file = join(tmp, 'pw');
    writeFileSync(file, ADMIN.password + '\n', { mode: 0o600 });
    run(['user', 'add', ADMIN.login, '--role', 'admin', '--password-file', file, '--db', DB]);
    rmSync(file);
    base = await startServer('consult-server.log');
    admin = await apiLogin(base, ADMIN);
    const r = await postJson(base, '/api/v1/consultations', { title: `发展规划 ${RUN}`, document: DOC,
      closes_at: new Date(Date.now() + 3600e3).toISOString() }, admin);
    check(r.status === 201, `create answered ${r.status}`);
    cons = r.body.id;
    const put = await fetch(`${base}/api/v1/site`, { method: 'PUT', headers: { 'Content-Type': 'application/json', Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf },
      body: JSON.stringify({ notice: '请文明、理性地发表意见。', host: `某市人民政府办公室 ${RUN}` }) });
    check(put.status === 200, `PUT /api/v1/site answered ${put.status}`);
    const n = await postJson(base, '/api/v1/notices', { title: `关于征求规划意见的通知 ${RUN}`, body: '欢迎参与。' }, admin);
    check(n.status === 201, `POST /api/v1/notices answered ${n.status}`);
  });

  await group('browser', 'browser: launch chromium', [], async () => {
    browser = await launchBrowser('consult-chromium.log');
  });

  await group('home', 'home page: the notice and the footer\'s 主办单位 from the site settings', ['server', 'browser'], async () => {
    const ctx = await sharedDesktopContext(browser);
    const p = await newPage(ctx);
    await p.goto(`${base}/`);
    await p.locator('#notices li').first().waitFor();
    check((await p.locator('#notices').innerText()).includes(`关于征求规划意见的通知 ${RUN}`), 'notice not on the home page');
    await until(async () => (await p.locator('#site-footer').innerText()).includes(`某市人民政府办公室 ${RUN}`), 5000, 'footer lacks 主办单位');
    await ctx.close();
  });

  await group('comment', 'citizen: reads the sections, accepts the 留言须知, comments on section 2, its count rises', ['server', 'browser'], async () => {
    const ctx = await sharedDesktopContext(browser);
    const p = await newPage(ctx);
    await p.goto(`${base}/consultation.html?id=${cons}`);
    await p.locator('#section-2').waitFor();
    check((await p.locator('.draft-section').count()) === 3, 'three sections shown');
    check((await p.locator('#section-2 h3').innerText()).includes('交通'), 'section 2 title');
    check((await p.locator('#period').innerText()).includes('至'), 'the closing time is shown');
    await p.locator('#section-2 button[data-section="2"]').click();
    check((await p.locator('#section-choice').innerText()).includes('第 2 部分'), 'the form does not say which section');
    await p.locator('#f-title').fill(COMMENT.title);
    await p.locator('#f-body').fill(COMMENT.body);
    check(await p.locator('#site-notice').isVisible(), 'the 留言须知 is not shown');
    await p.locator('#submit').click();
    await p.locator('#err-accept').waitFor({ state: 'visible' });
    await p.locator('#accept-notice').check();
    await p.locator('#submit').click();
    await p.locator('#done-code').waitFor({ state: 'visible' });
    await p.goto(`${base}/consultation.html?id=${cons}`);
    await p.locator('#section-2').waitFor();
    check((await p.locator('#section-2 .section-count').innerText()).includes('1'), 'section 2 count did not rise');
    check((await p.locator('#section-3 .section-count').innerText()).includes('0'), 'section 3 count changed');
    await shot(p, 'consultation-sections');
    const list = await fetch(`${base}/api/v1/public/messages?consultation=${cons}`);
    msgId = await until(async () => {
      const r = await fetch(`${base}/api/v1/public/messages?consultation=${cons}`);
      const m = (await r.json()).messages[0];
      return m ? m.id : false;
    }, 20000, 'the comment never became public');
    check(list.status === 200, 'public list');
    await ctx.close();
  });

  await group('closed', 'after the close: the page says so, the form is gone, intake refused', ['comment'], async () => {
    check(await put(`/api/v1/consultations/${cons}`, { closes_at: new Date(Date.now() - 1000).toISOString() }) === 200, 'close');
    const ctx = await sharedDesktopContext(browser);
    const p = await newPage(ctx);
    await p.goto(`${base}/consultation.html?id=${cons}`);
    await p.locator('#closed-note').waitFor();
    check((await p.locator('#closed-note').innerText()).includes('已于'), 'no closing note');
    check(await p.locator('#form-section').isHidden(), 'the form is still shown');
    const r = await postJson(base, '/api/v1/messages', { consultation_id: cons, title: 't', body: 'b', type: '建议' });
    check(r.status === 422 && r.body.error.code === 'closed', `intake after the close answered ${r.status}`);
    await ctx.close();
  });

  await group('report', 'admin marks the comment adopted and publishes; a citizen reads the report, masked; print hides the header', ['closed'], async () => {
    const ctx = await sharedDesktopContext(browser);
    const p = await newPage(ctx);
    await p.goto(`${base}/login.html`);
    await p.locator('#f-login').fill(ADMIN.login);
    await p.locator('#f-password').fill(ADMIN.password);
    await p.locator('#login-submit').click();
    await p.waitForURL((u) => !/\/login\.html/.test(String(u)));
    await p.goto(`${base}/feedback.html?id=${cons}`);
    await p.locator('#admin-tools').waitFor({ state: 'visible' });
    await p.locator('#a-msg').fill(String(msgId));
    await p.locator('#a-decision').selectOption('adopted');
    await p.locator('#a-reason').fill('已纳入规划交通部分');
    await p.locator('#adopt-form button[type=submit]').click();
    await until(async () => (await p.locator('#report').innerText()).includes('已纳入规划交通部分'), 10000, 'decision not shown');
    await p.locator('#p-summary').fill('感谢参与，共采纳意见 1 条。');
    await p.locator('#publish').click();
    await until(async () => (await p.locator('#report').innerText()).includes('发布于'), 10000, 'not published');
    const citizen = await sharedDesktopContext(browser);
    const q = await newPage(citizen);
    await q.goto(`${base}/consultation.html?id=${cons}`);
    await q.locator('.feedback-link a').click();
    await q.waitForURL(/feedback\.html/);
    await until(async () => (await q.locator('#report').innerText()).includes('采纳：'), 10000, 'report not shown to a citizen');
    const text = await q.locator('#report').innerText();
    check(!text.includes('13812345678') && text.includes('138****5678'), 'phone not masked in the report');
    check(await q.locator('#admin-tools').isHidden(), 'a citizen sees the admin tools');
    await q.emulateMedia({ media: 'print' });
    check(await q.locator('#site-header').isHidden(), 'the header prints');
    await shot(q, 'feedback-print');
    await ctx.close();
    await citizen.close();
  });

  await group('csp', 'consultation and feedback pages run under a strict Content-Security-Policy', ['report'], async () => {
    const { ctx, p, violations } = await strictCspPage(browser);
    await p.goto(`${base}/consultation.html?id=${cons}`);
    await p.locator('#section-1').waitFor();
    await p.goto(`${base}/feedback.html?id=${cons}`);
    await p.locator('#report h1').waitFor();
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
