// Browser test of reply quality: a handler types a reply on the message page
// and the hint beside the form (POST /api/v1/reply-quality, debounced) shows
// the score and what is missing, changing as they type; the reply is
// published whatever the score; a leader's dashboard then shows the
// department's published-reply figures (GET /api/v1/reply-quality/departments).
import {
  group, check, runTests, run, until, startServer, stopServer, launchBrowser, DB, tmp, RUN,
  login, newPage, desktopContext, text, postJson, shot,
} from './lib.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PW = 'replyq-e2e-1';
const users = { handler: { login: 'traffic', password: PW }, leader: { login: 'boss', password: PW } };
const POOR = '收到。';
const GOOD = '您反映的公交站台顶棚漏水问题，我局已责成市公交公司安排维修人员现场查看，将于3月5日前完成顶棚更换。联系电话：0731-12345678。';

await runTests(async () => {
  let base, browser, ctx, msg;
  const logs = [];

  await group('server', 'server: demo data, a handler and a leader; a message routed to 交通运输局', [], async () => {
    run(['demo', '--db', DB]);
    const pw = join(tmp, 'pw');
    writeFileSync(pw, PW + '\n');
    run(['user', 'add', 'traffic', '--role', 'handler', '--dept', '交通运输局', '--password-file', pw, '--db', DB]);
    run(['user', 'add', 'boss', '--role', 'leader', '--password-file', pw, '--db', DB]);
    base = await startServer('replyq-server.log');
    const p = await postJson(base, '/api/v1/messages', { consultation_id: 2, title: `公交站台顶棚漏水 ${RUN}`,
      body: '公交站台的顶棚破了，下雨漏水，乘客只能淋雨。请问什么时候能修好？', type: '投诉' });
    check(p.status === 201, `post: ${p.status}`);
    msg = p.body;
  });

  await group('browser', 'browser: launch chromium', ['server'], async () => {
    browser = await launchBrowser('replyq-chromium.log');
    ctx = await desktopContext(browser);
  });

  await group('hint', 'handler: typing a reply shows the quality hint, and it follows the text', ['browser'], async () => {
    const p = await newPage(ctx, logs);
    await login(p, base, users.handler);
    await p.goto(`${base}/message.html?id=${msg.id}`);
    const box = p.locator('#f-reply');
    await box.waitFor();
    check(await p.locator('#reply-quality').isHidden(), 'no hint before typing');
    await box.pressSequentially(POOR, { delay: 30 });
    await p.locator('#reply-quality').waitFor({ state: 'visible' });
    const poor = Number((await text(p, '#rq-score')).replace(/\D/g, ''));
    const items = await p.locator('#rq-missing li').evaluateAll((ls) => ls.map((l) => l.dataset.missing));
    for (const k of ['action', 'time', 'contact']) check(items.includes(k), `missing ${k}: ${items}`);
    await box.fill(GOOD);
    await box.press('End');
    await until(async () => !(await p.locator('#rq-missing li[data-missing="action"]').count()), 10000, 'the hint follows the text');
    const good = Number((await text(p, '#rq-score')).replace(/\D/g, ''));
    check(good > poor, `a concrete reply scores higher: ${poor} -> ${good}`);
    check(/相关性/.test(await text(p, '#rq-parts')), 'the parts are shown');
    await shot(p, 'replyq-hint');
    // Never a block: it publishes as written, and the hint goes away.
    await box.fill(POOR);
    await p.locator('#reply-submit').click();
    await until(async () => (await p.locator('#f-reply').inputValue()) === '', 10000, 'the reply is published');
    check(await p.locator('#reply-quality').isHidden(), 'the hint is gone after publishing');
  });

  await group('dashboard', 'leader: the dashboard shows the department\'s reply quality', ['hint'], async () => {
    const p = await newPage(ctx, logs);
    await login(p, base, users.leader);
    await p.goto(`${base}/dashboard.html`);
    await p.locator('#rq').waitFor({ state: 'visible' });
    const row = p.locator('#rq-body tr', { hasText: '交通运输局' });
    check(await row.count() === 1, 'a row for 交通运输局');
    const cells = await row.locator('td').allInnerTexts();
    check(cells[0] === '1', `one reply recorded: ${cells}`);
    await shot(p, 'replyq-dashboard');
  });

  await group('errors', 'no script errors or dialogs', ['browser'], async () => {
    const all = logs.flatMap((l) => [...l.errors, ...l.dialogs]);
    check(!all.length, all.join('; '));
  });

  await group('stop', 'server: stops cleanly on SIGTERM, no sanitizer report', ['server'], async () => {
    await stopServer();
  });
});
