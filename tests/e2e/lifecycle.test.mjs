// Browser test of the officials' lifecycle: a handler works the inbox sorted
// by deadline (an overdue message first, then by working days left), answers
// one in a department whose replies need the head's approval; the head
// approves it on the message page and the citizen's tracking page shows it;
// a leader urges a message and the handler sees it at the top of the inbox.
import {
  group, check, runTests, run, until, startServer, stopServer, launchBrowser, DB, tmp, RUN,
  login, newPage, desktopContext, text, apiLogin, postJson, shot,
} from './lib.mjs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PW = 'lifecycle-e2e-1';
const users = {
  handler: { login: 'traffic', password: PW }, head: { login: 'thead', password: PW },
  leader: { login: 'boss', password: PW }, admin: { login: 'root', password: PW },
};

await runTests(async () => {
  let base, browser, ctx;
  const logs = [];
  const msgs = {};

  await group('server', 'server: demo data, handler, head, leader, admin; an old message imported; serve', [], async () => {
    run(['demo', '--db', DB]);
    const pw = join(tmp, 'pw');
    writeFileSync(pw, PW + '\n');
    run(['user', 'add', 'traffic', '--role', 'handler', '--dept', '交通运输局', '--password-file', pw, '--db', DB]);
    run(['user', 'add', 'thead', '--role', 'head', '--dept', '交通运输局', '--password-file', pw, '--db', DB]);
    run(['user', 'add', 'boss', '--role', 'leader', '--password-file', pw, '--db', DB]);
    run(['user', 'add', 'root', '--role', 'admin', '--password-file', pw, '--db', DB]);
    const old = join(tmp, 'old.jsonl');
    writeFileSync(old, JSON.stringify({ title: `国庆前公交投诉 ${RUN}`, body: '公交站台破损很久了。', type: '投诉', created_at: '2026-10-01T02:00:00Z' }) + '\n');
    run(['import', '--data', old, '--consultation', '2', '--db', DB]);
    base = await startServer('lifecycle-server.log');
    const admin = await apiLogin(base, users.admin);
    const depts = await (await fetch(`${base}/api/v1/departments`, { headers: { Cookie: admin.cookie } })).json();
    const traffic = depts.departments.find((d) => d.name === '交通运输局');
    const r = await fetch(`${base}/api/v1/departments/${traffic.id}`, {
      method: 'PUT', headers: { 'Content-Type': 'application/json', Cookie: admin.cookie, 'X-CSRF-Token': admin.csrf },
      body: JSON.stringify({ reply_approval: true }),
    });
    check(r.status === 200, `reply approval answered ${r.status}`);
    for (const [key, type, title] of [['complaint', '投诉', '公交站台积水'], ['question', '咨询', '公交卡如何充值'], ['help', '求助', '公交车上遗失钱包']]) {
      const p = await postJson(base, '/api/v1/messages', { consultation_id: 2, title: `${title} ${RUN}`, body: `${title}，请处理。`, type });
      check(p.status === 201, `post ${key}: ${p.status}`);
      msgs[key] = { ...p.body, title: `${title} ${RUN}` };
    }
  });

  await group('browser', 'browser: launch chromium', ['server'], async () => {
    browser = await launchBrowser('lifecycle-chromium.log');
    ctx = await desktopContext(browser);
  });

  await group('sort', 'handler: the inbox sorted by deadline: overdue first, then by working days left', ['browser'], async () => {
    const p = await newPage(ctx, logs);
    await login(p, base, users.handler);
    await p.goto(`${base}/inbox.html`);
    await p.locator('#inbox-table').waitFor();
    await p.locator('#sort').selectOption('due');
    await until(async () => new URL(p.url()).searchParams.get('sort') === 'due', 5000, 'sort in the URL');
    await p.locator('#inbox-table tbody tr').first().waitFor();
    const titles = await p.locator('#inbox-table tbody tr td.title > a').allInnerTexts();
    const order = [`国庆前公交投诉 ${RUN}`, msgs.question.title, msgs.help.title, msgs.complaint.title];
    const at = order.map((t) => titles.indexOf(t));
    check(at.every((i) => i >= 0) && at.every((i, k) => k === 0 || i > at[k - 1]), `order ${JSON.stringify(titles)}`);
    const first = p.locator('#inbox-table tbody tr').first();
    check((await first.locator('.due-badge').innerText()).includes('已超期'), 'the overdue message says 已超期');
    check(await first.locator('.due-overdue').count() === 1, 'and is marked overdue');
    await p.locator('#filter-overdue').check();
    await until(async () => (await p.locator('#inbox-table tbody tr').count()) === 1, 5000, 'only the overdue one');
    await shot(p, 'lifecycle-inbox-due');
    await p.close();
  });

  await group('reply', 'handler: answers from the inbox; the reply waits for the head (待审核)', ['sort'], async () => {
    const p = await newPage(ctx, logs);
    await p.goto(`${base}/inbox.html?sort=due`);
    await p.locator('#inbox-table tbody tr td.title > a', { hasText: msgs.question.title }).click();
    await p.waitForURL(/message\.html/);
    await p.locator('#m-due .due-badge').waitFor();
    check(/剩余 \d 个工作日/.test(await text(p, '#m-due .due-badge')), 'days left on the message page');
    await p.locator('#f-reply').fill('公交卡可在地铁站或手机应用充值。');
    await p.locator('#reply-submit').click();
    await until(async () => (await text(p, '#notice')).includes('待部门负责人审核'), 10000, 'pending notice');
    check(await p.locator('.reply .badge-pending', { hasText: '待审核' }).count() === 1, 'the reply is marked 待审核');
    const view = await (await fetch(`${base}/api/v1/messages/${msgs.question.tracking_code}`)).json();
    check(view.replies.length === 0, 'the citizen does not see it yet');
    await p.close();
  });

  await group('approve', 'head: approves the reply on the message page; the citizen sees it', ['reply'], async () => {
    const p = await newPage(ctx, logs);
    await login(p, base, users.head);
    await p.goto(`${base}/message.html?id=${msgs.question.id}`);
    const approve = p.locator('button[id$="-approve"]');
    await approve.click();
    await until(async () => (await text(p, '#notice')).includes('已批准发布'), 10000, 'approved notice');
    await until(async () => (await p.locator('.badge-pending').count()) === 0, 5000, 'no longer pending');
    const t = await newPage(ctx, logs);
    await t.goto(`${base}/track.html?code=${encodeURIComponent(msgs.question.tracking_code)}`);
    await t.locator('.reply .doc-body', { hasText: '公交卡可在地铁站' }).waitFor();
    await shot(t, 'lifecycle-track-approved');
    await t.close();
    await p.close();
  });

  await group('urge', 'leader: urges a message; the handler sees it at the top of the inbox', ['approve'], async () => {
    const p = await newPage(ctx, logs);
    await login(p, base, users.leader);
    await p.goto(`${base}/message.html?id=${msgs.complaint.id}`);
    await p.locator('#f-urge-note').fill('群众反映强烈，请三日内答复');
    await p.locator('#act-urge').click();
    await until(async () => (await text(p, '#notice')).includes('已督办'), 10000, 'urged notice');
    await p.locator('#m-urged').waitFor();
    check((await text(p, '#m-urged')).includes('领导督办 1 次'), 'the banner counts the urging');
    check(await p.locator('#form-close, #form-return, #reply-form:visible').count() === 0, 'a leader gets no other action');
    await login(p, base, users.handler);
    await p.goto(`${base}/inbox.html`);
    const top = p.locator('#urged-box li', { hasText: msgs.complaint.title });
    await top.waitFor();
    check((await top.innerText()).includes('督办'), 'marked as urged');
    await shot(p, 'lifecycle-inbox-urged');
    await p.close();
  });

  await group('clean', 'no script errors or dialogs in any page', ['urge'], async () => {
    const bad = logs.flatMap((l) => [...l.errors, ...l.dialogs]);
    check(!bad.length, bad.join(' | '));
  });

  await group('stop', 'server: stops cleanly on SIGTERM, no sanitizer report', ['server'], async () => {
    await stopServer();
  });
});
